# shellcheck shell=bash
# Apache Kafka 4.x in KRaft mode, run from the jars Maven Central serves (no tarball download).
# Sourced by deploy/stack.sh. Two shapes, remembered in $KAFKA_DIR/mode:
#   single   one combined node (broker + controller), replication factor 1: development, make test
#   cluster  three combined nodes on 127.0.0.1, ports +100 per node (9092/9192/9292 for clients),
#            a three-voter controller quorum, replication factor 3 and min.insync.replicas=2:
#            `deploy/stack.sh up --cluster`, make faults. Combined roles keep it to three JVMs
#            on a 2-core machine; a production cluster splits controllers from brokers.
#
# Clients connect over TLS (a certificate from the stack's own CA, deploy/tls.py) with
# SCRAM-SHA-512; the StandardAuthorizer allows only what the ACLs say. The administrator
# (user admin, secrets/kafka/admin-password) is seeded when the storage is formatted; each
# service's user, the topics and the ACLs are made by `ocop kafka provision` after start.

KAFKA_DIR=$STACK_DIR/kafka
KAFKA_LIBS=$KAFKA_DIR/libs
KAFKA_TLS=$KAFKA_DIR/tls
KAFKA_MODE_FILE=$KAFKA_DIR/mode
KAFKA_POM=$DEPLOY_DIR/kafka/pom.xml
KAFKA_PORT_STRIDE=100  # cluster node n listens on each base port + 100 * (n - 1)
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}
# Kafka's own defaults from kafka-run-class.sh, plus fail-fast on OOM.
KAFKA_JVM_PERFORMANCE_OPTS=${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData -Djava.awt.headless=true}

kafka_mode() {
    local mode
    mode=$(cat "$KAFKA_MODE_FILE" 2>/dev/null || true)
    printf '%s\n' "${mode:-single}"
}

kafka_nodes() { if [ "$(kafka_mode)" = cluster ]; then echo "1 2 3"; else echo 1; fi; }
kafka_replication() { if [ "$(kafka_mode)" = cluster ]; then echo 3; else echo 1; fi; }

# kafka_node <n>: point the node variables (dir, data, config, log, pid file, ports) at node n.
kafka_node() {
    local offset=$(( ($1 - 1) * KAFKA_PORT_STRIDE ))
    KAFKA_NODE=$1
    if [ "$(kafka_mode)" = cluster ]; then
        KAFKA_NODE_DIR=$KAFKA_DIR/cluster/node$1
        KAFKA_NODE_NAME=kafka$1
    else
        KAFKA_NODE_DIR=$KAFKA_DIR
        KAFKA_NODE_NAME=kafka
    fi
    KAFKA_DATA=$KAFKA_NODE_DIR/data
    KAFKA_PROPS=$KAFKA_NODE_DIR/server.properties
    KAFKA_LOG=$KAFKA_NODE_DIR/server.log
    KAFKA_PIDFILE=$KAFKA_NODE_DIR/kafka.pid
    NODE_PORT=$((KAFKA_PORT + offset))
    NODE_CONTROLLER_PORT=$((KAFKA_CONTROLLER_PORT + offset))
    NODE_BROKER_PORT=$((KAFKA_BROKER_PORT + offset))
}

# The cluster id file of the current mode (every node of a cluster is formatted with it).
kafka_cluster_id_file() {
    if [ "$(kafka_mode)" = cluster ]; then echo "$KAFKA_DIR/cluster/cluster.id"; else echo "$KAFKA_DIR/cluster.id"; fi
}

kafka_bootstrap() {  # every node's client address, comma-separated
    local n out=""
    for n in $(kafka_nodes); do
        kafka_node "$n"
        out="${out:+$out,}$STACK_HOST:$NODE_PORT"
    done
    printf '%s\n' "$out"
}

kafka_voters() {
    local n out=""
    for n in $(kafka_nodes); do
        kafka_node "$n"
        out="${out:+$out,}$n@$STACK_HOST:$NODE_CONTROLLER_PORT"
    done
    printf '%s\n' "$out"
}

# kafka_use_mode single|cluster: switch shapes (stops the other shape's nodes; data of both kept).
kafka_use_mode() {
    [ "$(kafka_mode)" = "$1" ] && return 0
    log "kafka: switching from $(kafka_mode) to $1"
    kafka_stop
    mkdir -p "$KAFKA_DIR"
    printf '%s\n' "$1" >"$KAFKA_MODE_FILE"
}

# kafka_which [node]: the nodes a command acts on (all by default), validated.
kafka_which() {
    [ $# -eq 0 ] || [ -z "$1" ] && { kafka_nodes; return 0; }
    case " $(kafka_nodes) " in
        *" $1 "*) echo "$1" ;;
        *) die "kafka: no node '$1' in the $(kafka_mode) shape (nodes: $(kafka_nodes))" ;;
    esac
}

kafka_version() {
    sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM" | head -n1
}

kafka_check_java() {
    need_cmd java "java not found: Kafka $(kafka_version) needs a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless)."
    local v
    v=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ && !n++ {print $2}') || true
    v=${v%%.*}
    [ -n "$v" ] && [ "$v" -ge 17 ] 2>/dev/null ||
        die "java is version '${v:-unknown}': Kafka $(kafka_version) needs Java 17 or newer."
}

kafka_installed() {
    local stamp=$KAFKA_LIBS/.installed
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(sha256sum "$KAFKA_POM" | cut -c1-64)" ]
}

kafka_install() {
    kafka_check_java
    if kafka_installed; then
        log "kafka: $(kafka_version) jars already in $KAFKA_LIBS"
        return 0
    fi
    need_cmd mvn "mvn not found: the Kafka jars are fetched from Maven Central with Maven 3.6+ (Debian: apt-get install maven)."
    local t0 tmp=$KAFKA_LIBS.tmp
    t0=$(now)
    log "kafka: fetching Kafka $(kafka_version) jars from Maven Central (mvn copy-dependencies) ..."
    mkdir -p "$KAFKA_DIR"
    rm -rf "$tmp"
    # -Dstyle.color=never: no ANSI escapes in CI logs.
    mvn -B -q -Dstyle.color=never -f "$KAFKA_POM" \
        org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 |
        sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2 ||
        die "kafka: mvn copy-dependencies failed (see output above)"
    ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "kafka: no kafka_2.13 jar in $tmp"
    ls "$tmp"/log4j-slf4j-impl-*.jar >/dev/null 2>&1 || die "kafka: log4j-slf4j-impl binding missing in $tmp"
    rm -rf "$KAFKA_LIBS"
    mv "$tmp" "$KAFKA_LIBS"
    sha256sum "$KAFKA_POM" | cut -c1-64 >"$KAFKA_LIBS/.installed"
    log "kafka: $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars ($(du -sh "$KAFKA_LIBS" | cut -f1)) in $(since "$t0")s"
}

kafka_pid() { pidfile_pid "$KAFKA_PIDFILE" "kafka.Kafka $KAFKA_PROPS"; }  # of the current node

kafka_render_config() {
    local replication min_isr
    replication=$(kafka_replication)
    min_isr=$(( replication > 1 ? 2 : 1 ))
    mkdir -p "$KAFKA_DATA"
    (umask 077
     sed -e "s#@LOG_DIR@#$KAFKA_DATA#g" -e "s#@HOST@#$STACK_HOST#g" \
         -e "s#@NODE_ID@#$KAFKA_NODE#g" -e "s#@VOTERS@#$(kafka_voters)#g" \
         -e "s#@PORT@#$NODE_PORT#g" -e "s#@CONTROLLER_PORT@#$NODE_CONTROLLER_PORT#g" \
         -e "s#@BROKER_PORT@#$NODE_BROKER_PORT#g" -e "s#@KEYSTORE@#$KAFKA_TLS/broker.pem#g" \
         -e "s#@REPLICATION@#$replication#g" -e "s#@MIN_ISR@#$min_isr#g" \
         -e "s#@ADMIN_PASSWORD@#$(secret_read "$SECRETS_DIR/kafka/admin-password")#g" \
         "$DEPLOY_DIR/kafka/server.properties.in" >"$KAFKA_PROPS.tmp")
    mv "$KAFKA_PROPS.tmp" "$KAFKA_PROPS"
}

# The broker's certificate (and the stack's CA the first time), renewed a month before it ends.
kafka_tls() {
    "$(stack_python)" "$DEPLOY_DIR/tls.py" kafka --ca-dir "$SECRETS_DIR/kafka" --out "$KAFKA_TLS" \
        --name "$STACK_HOST" --name localhost >/dev/null || die "kafka: could not make the TLS certificate"
}

# wait_ready.py's arguments to connect as the administrator.
kafka_admin_args() {
    printf '%s\n' --sasl-user admin --sasl-password-file "$SECRETS_DIR/kafka/admin-password" \
        --ca-file "$SECRETS_DIR/kafka/ca.pem"
}

# Each service's user, every topic and the ACLs (idempotent; a changed password file is a
# rotation). Needs the project's Python (make setup).
kafka_provision() {
    local py out
    py=$(stack_python)
    "$py" -c 'import ocop_cli' 2>/dev/null || die "kafka: the project's Python is needed to provision Kafka (make setup)"
    log "kafka: provisioning users, topics and ACLs (ocop kafka provision)"
    out=$(OCOP_SECRETS_DIR=$SECRETS_DIR OCOP_KAFKA_BOOTSTRAP="$(kafka_bootstrap)" \
        OCOP_KAFKA_REPLICATION="$(kafka_replication)" OCOP_KAFKA_NAMESPACE= \
        COLUMNS=200 "$py" -m ocop_cli.main kafka provision 2>&1) || { printf '%s\n' "$out" >&2; die "kafka: provisioning failed"; }
}

kafka_java() {  # kafka_java <heap opts> <main class> <args...>
    local heap=$1; shift
    # shellcheck disable=SC2086  # word splitting of the option strings is intended
    java $heap $KAFKA_JVM_PERFORMANCE_OPTS ${KAFKA_OPTS:-} \
        -Dlog4j2.configurationFile="$DEPLOY_DIR/kafka/log4j2.properties" \
        -Dkafka.logs.dir="$KAFKA_DIR" \
        -cp "$KAFKA_LIBS/*" "$@"
}

kafka_format() {
    local mark cid
    mark=$(secret_read "$SECRETS_DIR/kafka/admin-password" | sha256sum | cut -c1-16)
    if [ -f "$KAFKA_DATA/meta.properties" ]; then
        [ "$(cat "$KAFKA_DATA/.ocop-admin" 2>/dev/null)" = "$mark" ] && return 0
        # Made before SCRAM (or for another admin password): its administrator cannot be seeded
        # into formatted storage, and the stack's data is disposable.
        log "kafka: the storage has no administrator for SASL: formatting it again (its topics are lost)"
        rm -rf "$KAFKA_DATA"; mkdir -p "$KAFKA_DATA"
    fi
    cid=$(cat "$(kafka_cluster_id_file)" 2>/dev/null || true)
    # 16 random bytes, base64url without padding = what 'kafka-storage.sh random-uuid' prints.
    # Like Kafka's Uuid.randomUuid(), never start with '-': the CLI parser would take it
    # for an option ("argument --cluster-id/-t: expected one argument").
    while ! [[ $cid =~ ^[A-Za-z0-9_][A-Za-z0-9_-]{21}$ ]]; do
        cid=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    done
    printf '%s\n' "$cid" >"$(kafka_cluster_id_file)"
    log "$KAFKA_NODE_NAME: formatting $KAFKA_DATA (cluster id $cid)"
    printf '\n===== %s: kafka.tools.StorageTool format\n' "$(date '+%F %T')" >>"$KAFKA_LOG"
    kafka_java -Xmx256m kafka.tools.StorageTool format -g -t "$cid" -c "$KAFKA_PROPS" \
        --add-scram "SCRAM-SHA-512=[name=admin,password=$(secret_read "$SECRETS_DIR/kafka/admin-password")]" \
        >>"$KAFKA_LOG" 2>&1 || { log_tail "$KAFKA_LOG" 20; die "kafka: storage format failed"; }
    printf '%s\n' "$mark" >"$KAFKA_DATA/.ocop-admin"
}

# kafka_launch [node]: start the nodes that are not running (no waiting); KAFKA_LAUNCHED
# lists those it started, with their start time.
KAFKA_LAUNCHED=""
kafka_launch() {
    local n pid
    KAFKA_LAUNCHED=""
    kafka_installed || kafka_install
    kafka_check_java
    secrets_ensure
    kafka_tls
    for n in $(kafka_which "${1:-}"); do
        kafka_node "$n"
        if pid=$(kafka_pid); then
            log "$KAFKA_NODE_NAME: already running (pid $pid)"
            continue
        fi
        rm -f "$KAFKA_PIDFILE"
        ensure_port_free "$KAFKA_NODE_NAME" "$NODE_PORT"
        ensure_port_free "$KAFKA_NODE_NAME-controller" "$NODE_CONTROLLER_PORT"
        ensure_port_free "$KAFKA_NODE_NAME-broker" "$NODE_BROKER_PORT"
        kafka_render_config
        kafka_format
        # shellcheck disable=SC2086  # word splitting of the option strings is intended
        start_daemon "$KAFKA_PIDFILE" "$KAFKA_LOG" \
            java $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS ${KAFKA_OPTS:-} \
            -Dlog4j2.configurationFile="$DEPLOY_DIR/kafka/log4j2.properties" \
            -Dkafka.logs.dir="$KAFKA_NODE_DIR" \
            -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_PROPS"
        KAFKA_LAUNCHED="$KAFKA_LAUNCHED $n:$(now)"
        log "$KAFKA_NODE_NAME: started pid $(cat "$KAFKA_PIDFILE")"
    done
}

# kafka_await: wait until a real client call works on each node kafka_launch started.
kafka_await() {
    local entry pid
    for entry in $KAFKA_LAUNCHED; do
        kafka_node "${entry%%:*}"
        pid=$(cat "$KAFKA_PIDFILE")
        log "$KAFKA_NODE_NAME: waiting for the broker (aiokafka metadata + group coordinator) ..."
        # shellcheck disable=SC2046  # one argument per line
        if ! wait_ready kafka --bootstrap "$STACK_HOST:$NODE_PORT" --pid "$pid" --timeout "$KAFKA_READY_TIMEOUT" \
                $(kafka_admin_args); then
            log_tail "$KAFKA_LOG" 60
            die "$KAFKA_NODE_NAME: not ready after ${KAFKA_READY_TIMEOUT}s or exited (log: $KAFKA_LOG)"
        fi
        log "$KAFKA_NODE_NAME: ready on $STACK_HOST:$NODE_PORT in $(since "${entry#*:}")s"
    done
}

kafka_start() {  # kafka_start [node]
    kafka_launch "${1:-}"
    kafka_await
}

kafka_stop() {  # kafka_stop [node]
    local n pid
    for n in $(kafka_which "${1:-}"); do
        kafka_node "$n"
        if pid=$(kafka_pid); then
            log "$KAFKA_NODE_NAME: stopping pid $pid (SIGTERM, controlled shutdown)"
            stop_pid "$KAFKA_NODE_NAME" "$pid" "$STOP_TIMEOUT"
        else
            log "$KAFKA_NODE_NAME: not running"
        fi
        rm -f "$KAFKA_PIDFILE"
        wait_port_closed "$NODE_PORT" 10 || log "$KAFKA_NODE_NAME: WARNING: port $NODE_PORT still open"
    done
}

kafka_kill() {  # kafka_kill [node]
    local n pid
    for n in $(kafka_which "${1:-}"); do
        kafka_node "$n"
        if pid=$(kafka_pid); then
            log "$KAFKA_NODE_NAME: SIGKILL pid $pid"
            kill_pid "$pid"
        fi
        rm -f "$KAFKA_PIDFILE"
    done
}

# The node id of the quorum's leader (the active controller), from the quorum state each
# running node keeps on disk (the newest epoch wins); nothing when no node knows one.
kafka_active_controller() {
    local n best_epoch=-1 best_leader="" state leader epoch
    for n in $(kafka_nodes); do
        kafka_node "$n"
        kafka_pid >/dev/null || continue
        state=$(cat "$KAFKA_DATA/__cluster_metadata-0/quorum-state" 2>/dev/null) || continue
        leader=$(printf '%s' "$state" | sed -n 's/.*"leaderId":\(-\{0,1\}[0-9]*\).*/\1/p')
        epoch=$(printf '%s' "$state" | sed -n 's/.*"leaderEpoch":\([0-9]*\).*/\1/p')
        if [ -n "$leader" ] && [ "$leader" -ge 0 ] && [ "${epoch:--1}" -gt "$best_epoch" ]; then
            best_epoch=$epoch; best_leader=$leader
        fi
    done
    [ -n "$best_leader" ] && printf '%s\n' "$best_leader"
}

kafka_status() {
    local n pid rc=0 controller what
    controller=$(kafka_active_controller || true)
    for n in $(kafka_nodes); do
        kafka_node "$n"
        what="Kafka $(kafka_version) KRaft $(kafka_mode), node $n"
        [ "$n" = "$controller" ] && what="$what (active controller)"
        if pid=$(kafka_pid); then
            printf '%-6s %-8s %-8s %-40s %s\n' "$KAFKA_NODE_NAME" running "$pid" "$STACK_HOST:$NODE_PORT" "$what, SASL_SSL SCRAM-SHA-512 + ACLs (broker :$NODE_BROKER_PORT, controller :$NODE_CONTROLLER_PORT)"
        else
            printf '%-6s %-8s %-8s %-40s %s\n' "$KAFKA_NODE_NAME" stopped - "$STACK_HOST:$NODE_PORT" "$what"
            rc=1
        fi
    done
    return "$rc"
}

kafka_reset() {  # the data of both shapes (only the current one can be running)
    kafka_stop
    log "kafka: deleting the data of both shapes"
    rm -rf "$KAFKA_DIR/data" "$KAFKA_DIR/cluster.id" "$KAFKA_DIR/server.properties" "$KAFKA_DIR/server.log" \
        "$KAFKA_DIR/cluster" "$KAFKA_MODE_FILE"
}

kafka_logfile() {  # every node's log of the current shape
    local n
    for n in $(kafka_nodes); do kafka_node "$n"; printf '%s\n' "$KAFKA_LOG"; done
}
