# shellcheck shell=bash
# PostgreSQL: a throw-away cluster of our own (initdb + pg_ctl, trust auth, TCP on 127.0.0.1
# only, fsync off), using the binaries of Debian's postgresql package. A packaged cluster
# (e.g. 15/main) is never touched. Sourced by deploy/stack.sh.

PG_LINK=$STACK_DIR/pg
pg_set_dirs() {
    # If $STACK_DIR/pg is a symlink (see pg_prepare_dir), work on its target: the postgres
    # user may be unable to traverse the path of the link itself.
    if [ -L "$PG_LINK" ]; then PG_DIR=$(readlink -f "$PG_LINK"); else PG_DIR=$PG_LINK; fi
    PG_DATA=$PG_DIR/data
    PG_LOG=$PG_DIR/pg.log
}
pg_set_dirs
PG_USER=postgres          # database superuser (trust auth, no password)

pg_bindir() {
    if [ -n "${OCOP_STACK_PG_BINDIR:-}" ]; then printf '%s\n' "$OCOP_STACK_PG_BINDIR"; return 0; fi
    local v
    v=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n1)
    if [ -n "$v" ] && [ -x "/usr/lib/postgresql/$v/bin/initdb" ] && [ -x "/usr/lib/postgresql/$v/bin/psql" ]; then
        printf '%s\n' "/usr/lib/postgresql/$v/bin"; return 0
    fi
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"; return 0
    fi
    return 1
}

pg_version() { "$(pg_bindir)/postgres" --version 2>/dev/null | sed -n 's/.*(PostgreSQL) \([0-9.]*\).*/\1/p'; }

# Commands that must not run as root (initdb, pg_ctl) run as the OS user 'postgres' when we
# are root, else as the current user.
pg_as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_install() {
    if pg_bindir >/dev/null; then
        log "pg: PostgreSQL $(pg_version) binaries in $(pg_bindir)"
    else
        log "pg: PostgreSQL binaries not found: installing Debian's postgresql package"
        # Only the binaries are wanted: stop the package from creating (and starting) its own
        # 'main' cluster on 5432 when postgresql-common is installed for the first time.
        if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
            as_root mkdir -p /etc/postgresql-common
            printf '# written by deploy/stack.sh: binaries only, no default cluster\ncreate_main_cluster = false\n' |
                as_root tee /etc/postgresql-common/createcluster.conf >/dev/null
        fi
        apt_install postgresql postgresql-client
        pg_bindir >/dev/null || die "pg: postgresql installed but no initdb/pg_ctl found under /usr/lib/postgresql"
        log "pg: installed PostgreSQL $(pg_version)"
    fi
    if [ "$(id -u)" = 0 ] && ! getent passwd postgres >/dev/null; then
        die "pg: OS user 'postgres' missing (it is created by Debian's postgresql-common package)"
    fi
}

# The data directory must be reachable by the 'postgres' OS user. If the state dir sits under
# a path it cannot traverse (e.g. /root/...), keep the cluster in /var/tmp and link it.
pg_prepare_dir() {
    mkdir -p "$STACK_DIR"
    if [ "$(id -u)" != 0 ]; then mkdir -p "$PG_DIR"; return 0; fi
    if [ ! -e "$PG_LINK" ]; then
        mkdir -p "$PG_LINK"
        chown postgres:postgres "$PG_LINK"
        chmod 700 "$PG_LINK"
    fi
    pg_set_dirs
    if ! runuser -u postgres -- test -w "$PG_DIR/." 2>/dev/null; then
        if [ -L "$PG_LINK" ]; then
            die "pg: $PG_LINK -> $PG_DIR is not writable by user postgres"
        fi
        local alt
        alt=/var/tmp/ocop-stack-pg-$(printf '%s' "$STACK_DIR" | sha256sum | cut -c1-12)
        log "pg: user postgres cannot reach $PG_LINK; using $alt (symlinked from $PG_LINK)"
        mkdir -p "$alt"; chown postgres:postgres "$alt"; chmod 700 "$alt"
        rmdir "$PG_LINK" 2>/dev/null || rm -rf "$PG_LINK"
        ln -s "$alt" "$PG_LINK"
        pg_set_dirs
    fi
}

pg_pid() {
    local pid
    [ -s "$PG_DATA/postmaster.pid" ] || return 1
    pid=$(head -n1 "$PG_DATA/postmaster.pid" | tr -dc '0-9')
    pid_matches "$pid" "$PG_DATA" || return 1
    printf '%s\n' "$pid"
}

pg_write_conf() {
    cat >"$PG_DATA/stack.conf" <<EOF
# written by deploy/stack.sh on every start; edit deploy/lib/pg.sh instead
listen_addresses = '$STACK_HOST'
port = $PG_PORT
unix_socket_directories = ''     # TCP only: no clash with a packaged cluster's socket/lock
max_connections = 300
shared_buffers = 128MB
# throw-away cluster: durability off for speed
fsync = off
synchronous_commit = off
full_page_writes = off
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
EOF
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DATA/stack.conf"
    grep -q "^include_if_exists = 'stack.conf'" "$PG_DATA/postgresql.conf" ||
        printf "\ninclude_if_exists = 'stack.conf'\n" >>"$PG_DATA/postgresql.conf"
}

pg_initdb() {
    [ -f "$PG_DATA/PG_VERSION" ] && return 0
    local b
    b=$(pg_bindir)
    log "pg: initdb $PG_DATA"
    pg_as_owner "$b/initdb" -D "$PG_DATA" -U "$PG_USER" --auth=trust -E UTF8 --locale=C.UTF-8 \
        >>"$PG_DIR/initdb.log" 2>&1 || { log_tail "$PG_DIR/initdb.log" 30; die "pg: initdb failed"; }
}

pg_psql() {  # pg_psql [psql args...]
    "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h "$STACK_HOST" -p "$PG_PORT" -U "$PG_USER" "$@"
}

pg_create_databases() {
    local db
    for db in $PG_DATABASES; do
        if [ "$(pg_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
            pg_psql -d postgres -c "CREATE DATABASE $db" || die "pg: CREATE DATABASE $db failed"
            log "pg: created database $db"
        fi
    done
}

pg_start() {
    local pid t0 b n
    pg_bindir >/dev/null || pg_install
    b=$(pg_bindir)
    if pid=$(pg_pid); then
        log "pg: already running (pid $pid)"
        pg_create_databases
        return 0
    fi
    if port_open "$PG_PORT"; then
        log "pg: port $PG_PORT is taken by another PostgreSQL/process (packaged clusters: $(pg_lsclusters -h 2>/dev/null | awk '{printf "%s/%s:%s:%s ", $1, $2, $3, $4}'))"
        ensure_port_free pg "$PG_PORT"
    fi
    pg_prepare_dir
    pg_initdb
    pg_write_conf
    t0=$(now)
    # 9>&-: the postmaster must not inherit the stack lock (fd 9, see stack.sh).
    pg_as_owner "$b/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$PG_READY_TIMEOUT" start >/dev/null 9>&- ||
        { log_tail "$PG_LOG" 30; die "pg: pg_ctl start failed (log: $PG_LOG)"; }
    n=$(( PG_READY_TIMEOUT * 4 ))
    until "$b/pg_isready" -q -h "$STACK_HOST" -p "$PG_PORT" -U "$PG_USER" -t 1; do
        n=$((n - 1)); [ "$n" -gt 0 ] || { log_tail "$PG_LOG" 30; die "pg: pg_isready never succeeded"; }
        sleep 0.25
    done
    [ "$(pg_psql -d postgres -tAc 'select 1')" = 1 ] || die "pg: psql 'select 1' failed"
    pg_create_databases
    log "pg: ready on $STACK_HOST:$PG_PORT in $(since "$t0")s"
}

pg_stop() {
    local pid b
    if pid=$(pg_pid); then
        b=$(pg_bindir)
        log "pg: stopping pid $pid (pg_ctl stop -m fast)"
        pg_as_owner "$b/pg_ctl" -D "$PG_DATA" -m fast -w -t "$STOP_TIMEOUT" stop >/dev/null 2>&1 ||
            { log "pg: pg_ctl stop failed: SIGKILL $pid"; kill_pid "$pid"; }
    else
        log "pg: not running"
    fi
    wait_port_closed "$PG_PORT" 10 || log "pg: WARNING: port $PG_PORT still open"
}

pg_kill() {  # crash simulation: immediate shutdown (no checkpoint), recovery on next start
    local pid
    if pid=$(pg_pid); then
        log "pg: immediate shutdown of pid $pid"
        pg_as_owner "$(pg_bindir)/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || kill_pid "$pid"
    fi
}

pg_status() {
    local pid v
    v=$(pg_version 2>/dev/null)
    if pid=$(pg_pid); then
        printf '%-6s %-8s %-8s %-40s %s\n' pg running "$pid" "postgresql://$PG_USER@$STACK_HOST:$PG_PORT" "PostgreSQL ${v:-?} (trust; dbs: $PG_DATABASES)"
    else
        printf '%-6s %-8s %-8s %-40s %s\n' pg stopped - "postgresql://$PG_USER@$STACK_HOST:$PG_PORT" "PostgreSQL ${v:-?}"
        return 1
    fi
}

pg_reset() {
    pg_stop
    log "pg: deleting $PG_DATA"
    rm -rf "$PG_DATA" "$PG_LOG" "$PG_DIR/initdb.log"
}

pg_logfile() { printf '%s\n' "$PG_LOG"; }
