#!/usr/bin/env bash
# Local real stack without Docker: Apache Kafka (KRaft), versitygw (S3), PostgreSQL and Keycloak
# (the OIDC provider, realm `ocop`) on 127.0.0.1. See deploy/README.md.
#
#   deploy/stack.sh install                  download/build only (idempotent, fast when done)
#   deploy/stack.sh up [--cluster]           install if needed, start what is not running, wait
#                                            (--cluster: Kafka as three nodes, replication factor 3;
#                                            a plain 'up' goes back to the single node)
#   deploy/stack.sh down                     stop everything (SIGTERM, then SIGKILL), keep data
#   deploy/stack.sh status                   one line per component (exit 1 if any is stopped)
#   deploy/stack.sh logs [kafka|s3|pg|keycloak] [-f]  last lines of the logs (-f: follow)
#   deploy/stack.sh reset [kafka|s3|pg|keycloak]      down + delete data (keeps jars and binaries)
#   deploy/stack.sh start|stop|restart kafka|s3|pg|keycloak   one component (fault injection)
#   deploy/stack.sh kill kafka|s3|pg|keycloak         crash it (SIGKILL; pg: immediate shutdown)
#       (kafka takes a node on the cluster: 'kill kafka 2'; without one, every node)
#   deploy/stack.sh controller               the cluster's active controller (a node id)
#   deploy/stack.sh env                      print export lines for the app and the tests
#   deploy/stack.sh smoke [kafka|s3|pg|keycloak]  end-to-end client checks against the running stack
#
# Environment: OCOP_STACK_DIR (state, default <repo>/.stack), PYTHON (interpreter with
# aiokafka + minio for the readiness checks, default <repo>/.venv/bin/python, else python3),
# OCOP_STACK_{KAFKA,KAFKA_CONTROLLER,S3,PG}_PORT, KAFKA_HEAP_OPTS, OCOP_STACK_STOP_TIMEOUT.
set -euo pipefail

# shellcheck source=deploy/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=deploy/lib/kafka.sh
. "$DEPLOY_DIR/lib/kafka.sh"
# shellcheck source=deploy/lib/s3.sh
. "$DEPLOY_DIR/lib/s3.sh"
# shellcheck source=deploy/lib/secrets.sh
. "$DEPLOY_DIR/lib/secrets.sh"
# shellcheck source=deploy/lib/pg.sh
. "$DEPLOY_DIR/lib/pg.sh"
# shellcheck source=deploy/lib/keycloak.sh
. "$DEPLOY_DIR/lib/keycloak.sh"

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
    exit "${1:-2}"
}

# One stack.sh at a time per state dir (concurrent 'up's would race on pid files/ports).
lock() {
    mkdir -p "$STACK_DIR"
    exec 9>"$STACK_DIR/.lock"
    if ! flock -w 600 9; then die "another deploy/stack.sh holds $STACK_DIR/.lock"; fi
}

components() {  # components [name...] -> validated list (default: all)
    # shellcheck disable=SC2086  # a word list
    if [ $# -eq 0 ]; then printf '%s\n' $COMPONENTS; return 0; fi
    local c
    for c in "$@"; do
        case " $COMPONENTS " in *" $c "*) printf '%s\n' "$c" ;; *) die "unknown component '$c' (kafka|s3|pg|keycloak)" ;; esac
    done
}

in_list() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }  # in_list <word> <list>

one_component() {  # one_component <cmd> <component> [kafka node]
    [ $# -eq 2 ] || { [ $# -eq 3 ] && [ "$2" = kafka ]; } ||
        die "usage: deploy/stack.sh $1 kafka [node]|s3|pg|keycloak"
    components "$2" >/dev/null
    if [ $# -eq 3 ]; then kafka_which "$3" >/dev/null; fi
}

# act <verb> <component> [kafka node]: start|stop|kill one component (or one Kafka node).
act() {
    local verb=$1 component=$2
    if [ "$component" = kafka ]; then "kafka_$verb" "${3:-}"; else "${component}_$verb"; fi
}

cmd_install() {
    local t0 c
    t0=$(now)
    for c in $(components "$@"); do "${c}_install"; done
    log "install done in $(since "$t0")s"
}

cmd_status() {
    local rc=0 c
    printf '%-6s %-8s %-8s %-40s %s\n' NAME STATE PID ADDRESS WHAT
    for c in $(components "$@"); do "${c}_status" || rc=1; done
    return "$rc"
}

cmd_up() {
    local t0 c shape=single
    if [ "${1:-}" = --cluster ]; then shape=cluster; shift; fi
    components "$@" >/dev/null
    t0=$(now)
    # Install everything first (fail fast on a missing toolchain before starting anything).
    for c in $(components "$@"); do
        case $c in
            kafka) kafka_installed || kafka_install; kafka_check_java ;;
            s3) s3_installed || s3_install ;;
            pg) pg_bindir >/dev/null || pg_install ;;
            keycloak) keycloak_installed || keycloak_install ;;
        esac
    done
    local cs
    cs=$(components "$@" | tr '\n' ' ')
    if in_list kafka "$cs" || in_list s3 "$cs"; then stack_python >/dev/null; fi
    if in_list kafka "$cs"; then kafka_use_mode "$shape"; fi
    # Launch the slow ones (JVMs) first, start the others while they boot, then wait for them.
    if in_list kafka "$cs"; then kafka_launch; fi
    if in_list keycloak "$cs"; then keycloak_launch; fi
    for c in $cs; do case $c in kafka|keycloak) ;; *) "${c}_start" ;; esac; done
    if in_list kafka "$cs"; then kafka_await; kafka_provision; fi
    if in_list keycloak "$cs"; then keycloak_await; fi
    log "up in $(since "$t0")s"
    echo
    cmd_status "$@"
}

cmd_down() {
    local c
    for c in $(components "$@"); do "${c}_stop"; done
}

cmd_reset() {
    local c
    for c in $(components "$@"); do "${c}_reset"; done
    log "reset done (jars and binaries kept; 'deploy/stack.sh up' starts from empty data)"
}

cmd_logs() {
    local follow="" comps=() a files=()
    for a in "$@"; do
        case $a in -f|--follow) follow=1 ;; *) comps+=("$a") ;; esac
    done
    for a in $(components "${comps[@]+"${comps[@]}"}"); do files+=("$("${a}_logfile")"); done
    if [ -n "$follow" ]; then
        exec tail -n "${LINES_TO_SHOW:-50}" -F "${files[@]}"
    fi
    for a in "${files[@]}"; do
        if [ -f "$a" ]; then
            printf '==> %s <==\n' "$a"
            tail -n "${LINES_TO_SHOW:-50}" "$a"
        else
            printf '==> %s (no log yet) <==\n' "$a"
        fi
    done
}

cmd_env() {
    cat <<EOF
export OCOP_KAFKA_BOOTSTRAP=$(kafka_bootstrap)
export OCOP_KAFKA_REPLICATION=$(kafka_replication)
export OCOP_POSTGRES_URL=postgresql+asyncpg://$PG_USER@$STACK_HOST:$PG_PORT
export OCOP_S3_ENDPOINT=$STACK_HOST:$S3_PORT
export OCOP_STACK_DIR=$STACK_DIR
export OCOP_SECRETS_DIR=$SECRETS_DIR
export OCOP_ENV=development  # the stack's credentials are development ones
export OCOP_OIDC_ISSUER=http://$STACK_HOST:$KEYCLOAK_PORT/realms/ocop
export OCOP_OIDC_CONSOLE_CLIENT_SECRET=dev-only-console-client-secret
export OCOP_KEYCLOAK_ADMIN=$KEYCLOAK_ADMIN_USER
export OCOP_KEYCLOAK_ADMIN_PASSWORD=$KEYCLOAK_ADMIN_PASSWORD
EOF
}

cmd_smoke() {
    local c py rc=0
    py=$(stack_python)
    for c in $(components "$@"); do
        case $c in
            # shellcheck disable=SC2046  # one argument per line
            kafka) "$py" "$DEPLOY_DIR/wait_ready.py" smoke-kafka --bootstrap "$(kafka_bootstrap)" \
                       $(kafka_admin_args) || rc=1 ;;
            s3) "$py" "$DEPLOY_DIR/wait_ready.py" smoke-s3 --endpoint "$STACK_HOST:$S3_PORT" \
                    --access-key "$S3_ROOT_ACCESS_KEY" --secret-key "$(s3_root_secret)" || rc=1 ;;
            pg) pg_psql -d postgres -tAc "SELECT datname FROM pg_database WHERE datname LIKE 'ocop_%' ORDER BY 1" >&2 || rc=1 ;;
            keycloak) curl -fsS "http://$STACK_HOST:$KEYCLOAK_PORT/realms/ocop/protocol/openid-connect/certs" >&2 || rc=1 ;;
        esac
    done
    return "$rc"
}

main() {
    [ $# -ge 1 ] || usage
    local cmd=$1; shift
    # validate component names here: a die() inside $(components ...) would only end a subshell
    case $cmd in
        install|down|status|reset|smoke) components "$@" >/dev/null ;;
        logs) local a; for a in "$@"; do case $a in -f|--follow) ;; *) components "$a" >/dev/null ;; esac; done ;;
    esac
    case $cmd in
        install) lock; cmd_install "$@" ;;
        up) lock; cmd_up "$@" ;;
        down) lock; cmd_down "$@" ;;
        status) cmd_status "$@" ;;
        logs) cmd_logs "$@" ;;
        reset) lock; cmd_reset "$@" ;;
        start) one_component start "$@"; lock; act start "$@" ;;
        stop) one_component stop "$@"; lock; act stop "$@" ;;
        restart) one_component restart "$@"; lock; act stop "$@"; act start "$@" ;;
        kill) one_component kill "$@"; lock; act kill "$@" ;;
        controller) kafka_active_controller || die "kafka: no running node knows the active controller" ;;
        env) cmd_env ;;
        smoke) cmd_smoke "$@" ;;
        -h|--help|help) usage 0 ;;
        *) log "unknown command '$cmd'"; usage ;;
    esac
}

main "$@"
