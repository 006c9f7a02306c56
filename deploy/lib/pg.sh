# shellcheck shell=bash
# PostgreSQL: a throw-away cluster of our own (initdb + pg_ctl, TCP on 127.0.0.1 only, fsync
# off), using the binaries of Debian's postgresql package. A packaged cluster (e.g. 15/main) is
# never touched. Sourced by deploy/stack.sh.
#
# Every login is SCRAM-SHA-256 with a password from $STACK_DIR/secrets: the superuser's is for
# this script and the test tooling only; each service has its own login role that owns its
# database and cannot connect to another's (CONNECT is revoked from PUBLIC).

PG_LINK=$STACK_DIR/pg
pg_set_dirs() {
    # If $STACK_DIR/pg is a symlink (see pg_prepare_dir), work on its target: the postgres
    # user may be unable to traverse the path of the link itself.
    if [ -L "$PG_LINK" ]; then PG_DIR=$(readlink -f "$PG_LINK"); else PG_DIR=$PG_LINK; fi
    PG_DATA=$PG_DIR/data
    PG_LOG=$PG_DIR/pg.log
}
pg_set_dirs
PG_USER=postgres          # database superuser (password: secrets/postgres/superuser)

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
password_encryption = 'scram-sha-256'
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
    cat >"$PG_DATA/pg_hba.conf" <<HBA
# written by deploy/stack.sh on every start: TCP only, every login by SCRAM-SHA-256 password
host    all    all    127.0.0.1/32    scram-sha-256
host    all    all    ::1/128         scram-sha-256
HBA
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DATA/pg_hba.conf"
    return 0
}

# The superuser's password, set in single-user mode (no network, no authentication): on a
# new cluster, on one made before passwords (trust), and after its file changed.
pg_set_superuser_password() {
    local mark
    mark=$(secret_read "$SECRETS_DIR/postgres/superuser" | sha256sum | cut -c1-16)
    [ -f "$PG_DATA/stack-scram" ] && [ "$(cat "$PG_DATA/stack-scram")" = "$mark" ] && return 0
    log "pg: setting the superuser's password (single-user mode)"
    printf "ALTER ROLE %s PASSWORD '%s';\n" "$PG_USER" "$(secret_read "$SECRETS_DIR/postgres/superuser")" |
        pg_as_owner "$(pg_bindir)/postgres" --single -D "$PG_DATA" postgres >>"$PG_DIR/initdb.log" 2>&1 ||
        { log_tail "$PG_DIR/initdb.log" 20; die "pg: could not set the superuser's password"; }
    printf '%s\n' "$mark" >"$PG_DATA/stack-scram"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DATA/stack-scram"
    return 0
}

# A cluster started before passwords (trust): set the superuser's password through SQL, then
# switch pg_hba.conf to scram-sha-256 and reload, without a restart.
pg_passwords_while_running() {
    local mark
    mark=$(secret_read "$SECRETS_DIR/postgres/superuser" | sha256sum | cut -c1-16)
    [ -f "$PG_DATA/stack-scram" ] && [ "$(cat "$PG_DATA/stack-scram")" = "$mark" ] && return 0
    log "pg: switching the running cluster to passwords"
    pg_psql -d postgres -c "ALTER ROLE $PG_USER PASSWORD '$(secret_read "$SECRETS_DIR/postgres/superuser")'" >/dev/null ||
        die "pg: could not set the superuser's password (restart it: deploy/stack.sh restart pg)"
    pg_write_conf
    pg_as_owner "$(pg_bindir)/pg_ctl" -D "$PG_DATA" reload >/dev/null
    printf '%s\n' "$mark" >"$PG_DATA/stack-scram"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DATA/stack-scram"
    return 0
}

pg_initdb() {
    [ -f "$PG_DATA/PG_VERSION" ] && return 0
    local b
    b=$(pg_bindir)
    log "pg: initdb $PG_DATA"
    pg_as_owner "$b/initdb" -D "$PG_DATA" -U "$PG_USER" --auth=trust --no-instructions -E UTF8 --locale=C.UTF-8 \
        >>"$PG_DIR/initdb.log" 2>&1 || { log_tail "$PG_DIR/initdb.log" 30; die "pg: initdb failed"; }
}

pg_psql() {  # pg_psql [psql args...] (as the superuser)
    PGPASSWORD=$(secret_read "$SECRETS_DIR/postgres/superuser") \
        "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h "$STACK_HOST" -p "$PG_PORT" -U "$PG_USER" "$@"
}

# Each service's login role, its password kept equal to its file (a changed file = a rotation).
# INHERIT: a database's owner holds its rights through pg_database_owner (PostgreSQL 15+).
pg_create_roles() {
    local s pw
    for s in $SECRET_SERVICES; do
        pw=$(secret_read "$SECRETS_DIR/$s/postgres-password")
        pg_psql -d postgres -v role="$s" -v pw="$pw" >/dev/null <<'SQL' || die "pg: could not create the role $s"
SELECT format('CREATE ROLE %I', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION INHERIT PASSWORD %L',
              :'role', :'pw') \gexec
SQL
    done
}

# ocop_<service>: owned by the service's role; nobody else may connect. A database made before
# roles existed (owned by the superuser) is handed over with everything in it.
pg_create_databases() {
    local db s
    for s in $SECRET_SERVICES; do
        db=ocop_$s
        if [ "$(pg_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
            pg_psql -d postgres -c "CREATE DATABASE $db OWNER $s" || die "pg: CREATE DATABASE $db failed"
            log "pg: created database $db (owner $s)"
        elif [ "$(pg_psql -d postgres -tAc "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$db'")" != "$s" ]; then
            pg_adopt "$db" "$s"
        fi
        pg_psql -d postgres -c "REVOKE ALL ON DATABASE $db FROM PUBLIC" >/dev/null
    done
}

pg_adopt() {  # pg_adopt DATABASE ROLE: the role owns the database and what is in its public schema
    log "pg: handing $1 over to the role $2"
    pg_psql -d "$1" -v role="$2" >/dev/null <<'SQL' || die "pg: could not hand $1 over to $2"
SELECT format('ALTER DATABASE %I OWNER TO %I', current_database(), :'role') \gexec
SELECT format('ALTER %s public.%I OWNER TO %I',
              CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                             WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.relname, :'role')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
   AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
   AND pg_get_userbyid(c.relowner) <> :'role' \gexec
SELECT format('ALTER FUNCTION %s OWNER TO %I', p.oid::regprocedure, :'role')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> :'role' \gexec
SQL
}

pg_start() {
    local pid t0 b n
    pg_bindir >/dev/null || pg_install
    b=$(pg_bindir)
    secrets_ensure
    if pid=$(pg_pid); then
        log "pg: already running (pid $pid)"
        pg_passwords_while_running
        pg_create_roles
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
    pg_set_superuser_password
    t0=$(now)
    # 9>&-: the postmaster must not inherit the stack lock (fd 9, see stack.sh).
    pg_as_owner "$b/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$PG_READY_TIMEOUT" start >/dev/null 9>&- ||
        { log_tail "$PG_LOG" 30; die "pg: pg_ctl start failed (log: $PG_LOG)"; }
    n=$(( PG_READY_TIMEOUT * 4 ))
    until "$b/pg_isready" -q -h "$STACK_HOST" -p "$PG_PORT" -U "$PG_USER" -t 1; do
        n=$((n - 1)); [ "$n" -gt 0 ] || { log_tail "$PG_LOG" 30; die "pg: pg_isready never succeeded"; }
        sleep 0.25
    done
    [ "$(pg_psql -d postgres -tAc 'select 1')" = 1 ] || die "pg: psql 'select 1' as the superuser failed"
    pg_create_roles
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
        printf '%-6s %-8s %-8s %-40s %s\n' pg running "$pid" "postgresql://$PG_USER@$STACK_HOST:$PG_PORT" "PostgreSQL ${v:-?} (scram-sha-256; a role and a database per service)"
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
