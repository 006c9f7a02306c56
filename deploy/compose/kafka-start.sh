#!/usr/bin/env bash
# docker-compose.yml's Kafka (apache/kafka image, as its user appuser): renders the broker's
# configuration from deploy/kafka/server.properties.in (as deploy/lib/kafka.sh does) with
# deploy/compose/kafka.properties in place of its listener lines, formats the storage with the
# administrator's SCRAM credential when it has none, and starts the broker.
#
# Reads from the secrets volume's kafka/ folder (mounted read-only): admin-password, broker.pem
# (key + certificate chain, the PEM key store), ca.pem. Writes the configuration (mode 600: it
# holds the administrator's password) and client.properties, the healthcheck's admin sign-in,
# into $OCOP_KAFKA_CONF (default /tmp/ocop-kafka).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KAFKA_HOME=${KAFKA_HOME:-/opt/kafka}
SECRETS=${OCOP_KAFKA_SECRETS:-/run/secrets/ocop/kafka}
DATA=${OCOP_KAFKA_DATA:-/var/lib/kafka/data}
CONF=${OCOP_KAFKA_CONF:-/tmp/ocop-kafka}
TEMPLATE=${OCOP_KAFKA_TEMPLATE:-$HERE/../kafka/server.properties.in}
OVERRIDES=${OCOP_KAFKA_OVERRIDES:-$HERE/kafka.properties}
: "${CLUSTER_ID:?CLUSTER_ID is not set (docker-compose.yml sets it)}"

die() { printf '[kafka-start] ERROR: %s\n' "$*" >&2; exit 1; }
log() { printf '[kafka-start] %s\n' "$*" >&2; }

for f in admin-password broker.pem ca.pem; do
    [ -r "$SECRETS/$f" ] || die "cannot read $SECRETS/$f as $(id -un) (uid $(id -u)): did secrets-init run? (it gives kafka/ to uid OCOP_KAFKA_UID, 1000)"
done
password=$(head -n1 "$SECRETS/admin-password")
[[ $password =~ ^[A-Za-z0-9_-]+$ ]] || die "$SECRETS/admin-password must be URL-safe base64 (as deploy/lib/secrets.sh makes it)"

umask 077
mkdir -p "$CONF" "$DATA"
# The template, without the keys kafka.properties replaces, then kafka.properties.
{
    sed -e "s#@LOG_DIR@#$DATA#g" -e "s#@HOST@#127.0.0.1#g" -e "s#@PORT@#9092#g" \
        -e "s#@CONTROLLER_PORT@#9093#g" -e "s#@BROKER_PORT@#9094#g" \
        -e "s#@NODE_ID@#1#g" -e "s#@VOTERS@#1@127.0.0.1:9093#g" -e "s#@REPLICATION@#1#g" -e "s#@MIN_ISR@#1#g" \
        -e "s#@KEYSTORE@#$SECRETS/broker.pem#g" -e "s#@ADMIN_PASSWORD@#$password#g" "$TEMPLATE" |
        awk -F= 'NR == FNR { if ($0 !~ /^[[:space:]]*(#|$)/) replaced[$1] = 1; next }
                 !($1 in replaced)' "$OVERRIDES" -
    printf '\n# ---- deploy/compose/kafka.properties ----\n'
    cat "$OVERRIDES"
} >"$CONF/server.properties.tmp"
if grep -nE '@[A-Z_]+@' "$CONF/server.properties.tmp" >&2; then
    die "placeholders left in the rendered configuration (new ones in server.properties.in?)"
fi
mv "$CONF/server.properties.tmp" "$CONF/server.properties"

cat >"$CONF/client.properties" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$password";
ssl.truststore.type=PEM
ssl.truststore.location=$SECRETS/ca.pem
PROPS

# The administrator exists from the first start (SCRAM users live in the metadata log, which a
# broker with an authorizer and no user could not be asked to change). Storage made without it
# (an older compose file, another password) is formatted again, as deploy/lib/kafka.sh does:
# its topics are lost; kafka-provision makes them again.
mark=$(printf '%s' "$password" | sha256sum | cut -c1-16)
if [ -f "$DATA/meta.properties" ] && [ "$(cat "$DATA/.ocop-admin" 2>/dev/null)" != "$mark" ]; then
    log "the storage has no administrator for SASL: formatting it again (its topics are lost)"
    (shopt -s dotglob nullglob; rm -rf "${DATA:?}"/*)
fi
if [ ! -f "$DATA/meta.properties" ]; then
    log "formatting $DATA (cluster id $CLUSTER_ID) with the administrator's SCRAM-SHA-512 credential"
    "$KAFKA_HOME/bin/kafka-storage.sh" format -t "$CLUSTER_ID" -c "$CONF/server.properties" \
        --add-scram "SCRAM-SHA-512=[name=admin,password=$password]" ||
        die "kafka-storage.sh format failed"
    printf '%s\n' "$mark" >"$DATA/.ocop-admin"
fi

exec "$KAFKA_HOME/bin/kafka-server-start.sh" "$CONF/server.properties"
