# shellcheck shell=bash
# S3-compatible store: versitygw (Apache-2.0) with the posix backend, built from source with
# 'go install' (Go module proxy). Sourced by deploy/stack.sh.
#
# Its internal IAM (--iam-dir) holds one account per service that keeps files (role userplus:
# it makes its own bucket, <bucket>-<service>, and no other account may read or write it).
# The root account (secrets/s3/root-secret-key) is for this script only.

S3_DIR=$STACK_DIR/s3
S3_DATA=$S3_DIR/data
S3_META=$S3_DIR/meta
S3_IAM=$S3_DIR/iam
S3_LOG=$S3_DIR/s3.log
S3_PIDFILE=$S3_DIR/s3.pid
S3_BIN=$STACK_DIR/bin/versitygw
S3_HEALTH=/health
S3_MODULE=github.com/versity/versitygw

s3_installed() {
    [ -x "$S3_BIN" ] || return 1
    command -v go >/dev/null 2>&1 || return 0   # binary present, cannot check its version: trust it
    local info
    info=$(go version -m "$S3_BIN" 2>/dev/null) || return 1
    grep -Eq "^[[:space:]]+mod[[:space:]]+${S3_MODULE}[[:space:]]+${VERSITYGW_VERSION}([[:space:]]|\$)" <<<"$info"
}

s3_install() {
    if s3_installed; then
        log "s3: versitygw $VERSITYGW_VERSION already built at $S3_BIN"
        return 0
    fi
    need_cmd go "go not found: versitygw $VERSITYGW_VERSION is built with 'go install' and needs Go 1.25+ (https://go.dev/dl/ or Debian backports golang-1.2x)."
    local t0
    t0=$(now)
    mkdir -p "$STACK_DIR/bin"
    log "s3: building versitygw $VERSITYGW_VERSION with go install (first time: ~2-3 min on 2 cores) ..."
    # GOBIN only: the module and build caches stay in Go's default places, so a reused
    # machine (or another checkout) does not download/compile again.
    # CGO_ENABLED=0: pure-Go static binary, same result with or without a C compiler.
    GOBIN="$STACK_DIR/bin" CGO_ENABLED=0 \
        go install "$S3_MODULE/cmd/versitygw@$VERSITYGW_VERSION" >&2 ||
        die "s3: 'go install $S3_MODULE/cmd/versitygw@$VERSITYGW_VERSION' failed (see output above)"
    [ -x "$S3_BIN" ] || die "s3: go install succeeded but $S3_BIN is missing"
    log "s3: built $S3_BIN ($(du -h "$S3_BIN" | cut -f1)) in $(since "$t0")s"
}

s3_pid() { pidfile_pid "$S3_PIDFILE" "$S3_BIN "; }

s3_start() {
    local pid t0
    if pid=$(s3_pid); then
        log "s3: already running (pid $pid)"
        return 0
    fi
    rm -f "$S3_PIDFILE"
    ensure_port_free s3 "$S3_PORT"
    s3_installed || s3_install
    mkdir -p "$S3_DATA" "$S3_META" "$S3_IAM"
    chmod 700 "$S3_IAM"
    secrets_ensure
    t0=$(now)
    # Credentials via env (not argv) so they do not show in ps.
    ROOT_ACCESS_KEY=$S3_ROOT_ACCESS_KEY ROOT_SECRET_KEY=$(s3_root_secret) \
        start_daemon "$S3_PIDFILE" "$S3_LOG" \
        "$S3_BIN" --port "$STACK_HOST:$S3_PORT" --region us-east-1 --health "$S3_HEALTH" --quiet \
        --iam-dir "$S3_IAM" posix --sidecar "$S3_META" "$S3_DATA"
    pid=$(cat "$S3_PIDFILE")
    log "s3: started pid $pid, waiting for $S3_HEALTH + ListBuckets ..."
    if ! wait_ready s3 --endpoint "$STACK_HOST:$S3_PORT" --health "$S3_HEALTH" --pid "$pid" \
            --access-key "$S3_ROOT_ACCESS_KEY" --secret-key "$(s3_root_secret)" --timeout "$S3_READY_TIMEOUT"; then
        log_tail "$S3_LOG" 40
        die "s3: not ready after ${S3_READY_TIMEOUT}s (log: $S3_LOG)"
    fi
    s3_accounts
    log "s3: ready on http://$STACK_HOST:$S3_PORT in $(since "$t0")s"
}

s3_root_secret() { secret_read "$SECRETS_DIR/s3/root-secret-key"; }

s3_admin() {  # s3_admin COMMAND [args...]: versitygw's admin API, as the root account
    ADMIN_ACCESS_KEY=$S3_ROOT_ACCESS_KEY ADMIN_SECRET_KEY=$(s3_root_secret) \
        "$S3_BIN" admin --endpoint-url "http://$STACK_HOST:$S3_PORT" "$@"
}

# An account per service that keeps files, its secret equal to its file (a changed file is a
# rotation: update-user).
s3_accounts() {
    local s users
    users=$(s3_admin list-users 2>&1) || die "s3: cannot list the accounts: $users"
    for s in $S3_SERVICES; do
        if awk 'NR > 2 {print $1}' <<<"$users" | grep -qx "$s"; then
            s3_admin update-user --access "$s" --secret "$(secret_read "$SECRETS_DIR/$s/s3-secret-key")" \
                >/dev/null || die "s3: cannot update the account $s"
        else
            s3_admin create-user --access "$s" --secret "$(secret_read "$SECRETS_DIR/$s/s3-secret-key")" \
                --role userplus >/dev/null || die "s3: cannot create the account $s"
            log "s3: account $s (role userplus: its own buckets only)"
        fi
    done
}

s3_stop() {
    local pid
    if pid=$(s3_pid); then
        log "s3: stopping pid $pid"
        stop_pid s3 "$pid" "$STOP_TIMEOUT"
    else
        log "s3: not running"
    fi
    rm -f "$S3_PIDFILE"
    wait_port_closed "$S3_PORT" 10 || log "s3: WARNING: port $S3_PORT still open"
}

s3_kill() {
    local pid
    if pid=$(s3_pid); then
        log "s3: SIGKILL pid $pid"
        kill_pid "$pid"
    fi
    rm -f "$S3_PIDFILE"
}

s3_status() {
    local pid
    if pid=$(s3_pid); then
        printf '%-6s %-8s %-8s %-40s %s\n' s3 running "$pid" "http://$STACK_HOST:$S3_PORT" "versitygw $VERSITYGW_VERSION posix (an account per service: $S3_SERVICES)"
    else
        printf '%-6s %-8s %-8s %-40s %s\n' s3 stopped - "http://$STACK_HOST:$S3_PORT" "versitygw $VERSITYGW_VERSION"
        return 1
    fi
}

s3_reset() {
    s3_stop
    log "s3: deleting $S3_DATA $S3_META"
    rm -rf "$S3_DATA" "$S3_META" "$S3_IAM" "$S3_LOG"
}

s3_logfile() { printf '%s\n' "$S3_LOG"; }
