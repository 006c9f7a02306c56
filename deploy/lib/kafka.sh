# shellcheck shell=bash
# Apache Kafka 4.x, KRaft single combined node (broker + controller), run from the jars
# Maven Central serves (no tarball download). Sourced by deploy/stack.sh.
#
# Clients connect over TLS (a certificate from the stack's own CA, deploy/tls.py) with
# SCRAM-SHA-512; the StandardAuthorizer allows only what the ACLs say. The administrator
# (user admin, secrets/kafka/admin-password) is seeded when the storage is formatted; each
# service's user, the topics and the ACLs are made by `ocop kafka provision` after start.

KAFKA_DIR=$STACK_DIR/kafka
KAFKA_LIBS=$KAFKA_DIR/libs
KAFKA_DATA=$KAFKA_DIR/data
KAFKA_PROPS=$KAFKA_DIR/server.properties
KAFKA_LOG=$KAFKA_DIR/server.log
KAFKA_PIDFILE=$KAFKA_DIR/kafka.pid
KAFKA_TLS=$KAFKA_DIR/tls
KAFKA_POM=$DEPLOY_DIR/kafka/pom.xml
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}
# Kafka's own defaults from kafka-run-class.sh, plus fail-fast on OOM.
KAFKA_JVM_PERFORMANCE_OPTS=${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData -Djava.awt.headless=true}

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

kafka_pid() { pidfile_pid "$KAFKA_PIDFILE" "kafka.Kafka $KAFKA_PROPS"; }

kafka_render_config() {
    mkdir -p "$KAFKA_DATA"
    (umask 077
     sed -e "s#@LOG_DIR@#$KAFKA_DATA#g" -e "s#@HOST@#$STACK_HOST#g" \
         -e "s#@PORT@#$KAFKA_PORT#g" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" \
         -e "s#@BROKER_PORT@#$KAFKA_BROKER_PORT#g" -e "s#@KEYSTORE@#$KAFKA_TLS/broker.pem#g" \
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
    out=$(OCOP_SECRETS_DIR=$SECRETS_DIR OCOP_KAFKA_BOOTSTRAP="$STACK_HOST:$KAFKA_PORT" OCOP_KAFKA_NAMESPACE= \
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
    cid=$(cat "$KAFKA_DIR/cluster.id" 2>/dev/null || true)
    # 16 random bytes, base64url without padding = what 'kafka-storage.sh random-uuid' prints.
    # Like Kafka's Uuid.randomUuid(), never start with '-': the CLI parser would take it
    # for an option ("argument --cluster-id/-t: expected one argument").
    while ! [[ $cid =~ ^[A-Za-z0-9_][A-Za-z0-9_-]{21}$ ]]; do
        cid=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    done
    printf '%s\n' "$cid" >"$KAFKA_DIR/cluster.id"
    log "kafka: formatting $KAFKA_DATA (cluster id $cid)"
    printf '\n===== %s: kafka.tools.StorageTool format\n' "$(date '+%F %T')" >>"$KAFKA_LOG"
    kafka_java -Xmx256m kafka.tools.StorageTool format -g -t "$cid" -c "$KAFKA_PROPS" \
        --add-scram "SCRAM-SHA-512=[name=admin,password=$(secret_read "$SECRETS_DIR/kafka/admin-password")]" \
        >>"$KAFKA_LOG" 2>&1 || { log_tail "$KAFKA_LOG" 20; die "kafka: storage format failed"; }
    printf '%s\n' "$mark" >"$KAFKA_DATA/.ocop-admin"
}

# kafka_launch: start the JVM if not running (no waiting); sets KAFKA_T0 when it launched.
KAFKA_T0=""
kafka_launch() {
    local pid
    KAFKA_T0=""
    if pid=$(kafka_pid); then
        log "kafka: already running (pid $pid)"
        return 0
    fi
    rm -f "$KAFKA_PIDFILE"
    ensure_port_free kafka "$KAFKA_PORT"
    ensure_port_free kafka-controller "$KAFKA_CONTROLLER_PORT"
    ensure_port_free kafka-broker "$KAFKA_BROKER_PORT"
    kafka_installed || kafka_install
    kafka_check_java
    secrets_ensure
    kafka_tls
    kafka_render_config
    kafka_format
    KAFKA_T0=$(now)
    # shellcheck disable=SC2086  # word splitting of the option strings is intended
    start_daemon "$KAFKA_PIDFILE" "$KAFKA_LOG" \
        java $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS ${KAFKA_OPTS:-} \
        -Dlog4j2.configurationFile="$DEPLOY_DIR/kafka/log4j2.properties" \
        -Dkafka.logs.dir="$KAFKA_DIR" \
        -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_PROPS"
    log "kafka: started pid $(cat "$KAFKA_PIDFILE")"
}

# kafka_await: wait until a real client call works (only if kafka_launch started it).
kafka_await() {
    local pid
    [ -n "$KAFKA_T0" ] || return 0
    pid=$(cat "$KAFKA_PIDFILE")
    log "kafka: waiting for the broker (aiokafka metadata + group coordinator) ..."
    # shellcheck disable=SC2046  # one argument per line
    if ! wait_ready kafka --bootstrap "$STACK_HOST:$KAFKA_PORT" --pid "$pid" --timeout "$KAFKA_READY_TIMEOUT" \
            $(kafka_admin_args); then
        log_tail "$KAFKA_LOG" 60
        die "kafka: not ready after ${KAFKA_READY_TIMEOUT}s or exited (log: $KAFKA_LOG)"
    fi
    log "kafka: ready on $STACK_HOST:$KAFKA_PORT in $(since "$KAFKA_T0")s"
}

kafka_start() {
    kafka_launch
    kafka_await
}

kafka_stop() {
    local pid
    if pid=$(kafka_pid); then
        log "kafka: stopping pid $pid (SIGTERM, controlled shutdown)"
        stop_pid kafka "$pid" "$STOP_TIMEOUT"
    else
        log "kafka: not running"
    fi
    rm -f "$KAFKA_PIDFILE"
    wait_port_closed "$KAFKA_PORT" 10 || log "kafka: WARNING: port $KAFKA_PORT still open"
}

kafka_kill() {
    local pid
    if pid=$(kafka_pid); then
        log "kafka: SIGKILL pid $pid"
        kill_pid "$pid"
    fi
    rm -f "$KAFKA_PIDFILE"
}

kafka_status() {
    local pid
    if pid=$(kafka_pid); then
        printf '%-6s %-8s %-8s %-40s %s\n' kafka running "$pid" "$STACK_HOST:$KAFKA_PORT" "Kafka $(kafka_version) KRaft, SASL_SSL SCRAM-SHA-512 + ACLs (broker :$KAFKA_BROKER_PORT, controller :$KAFKA_CONTROLLER_PORT)"
    else
        printf '%-6s %-8s %-8s %-40s %s\n' kafka stopped - "$STACK_HOST:$KAFKA_PORT" "Kafka $(kafka_version)"
        return 1
    fi
}

kafka_reset() {
    kafka_stop
    log "kafka: deleting $KAFKA_DATA"
    rm -rf "$KAFKA_DATA" "$KAFKA_DIR/cluster.id" "$KAFKA_PROPS" "$KAFKA_LOG"
}

kafka_logfile() { printf '%s\n' "$KAFKA_LOG"; }
