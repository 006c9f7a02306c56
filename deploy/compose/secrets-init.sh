#!/usr/bin/env bash
# docker-compose.yml's `secrets-init` (one-shot, app image, as root, no network): fills the
# `secrets` volume the way deploy/stack.sh fills $OCOP_STACK_DIR/secrets, with the same functions
# (deploy/lib/secrets.sh), and makes each file readable only by the container that needs it.
#
#   deploy/compose/secrets-init.sh [DIR]      DIR: the volume (default /run/secrets/ocop)
#
# Values are made once (32 random bytes each) and kept on every later run; the broker's
# certificate is renewed by deploy/tls.py a month before it ends, or when it lacks a name.
#
#   postgres/superuser                 the cluster administrator (postgres, postgres-init)
#   <service>/postgres-password        each service's login role          } <service>/ is mounted
#   <service>/kafka-password           each service's SCRAM-SHA-512 user   } into that service
#   <service>/s3-secret-key            registry, certification: their S3 account  } only
#   trade/cursor-secret                the tills' sync cursors (OCOP_CURSOR_SECRET_FILE)
#   console/console-secret             the console's CSRF/sign-in state (OCOP_CONSOLE_SECRET_FILE)
#   kafka/admin-password               Kafka's administrator (the broker, kafka-provision)
#   kafka/ca.pem, kafka/ca-key.pem     the stack's certificate authority (deploy/tls.py)
#   kafka/broker.pem                   the broker's key and certificate chain (127.0.0.1,
#                                      localhost, kafka)
#   s3/root-secret-key                 the S3 server's root account (s3, s3-accounts)
#   public/kafka/ca.pem                a copy of the CA certificate, alone in its folder, so a
#                                      service can mount it without seeing kafka/
#
# Owners: <service>/ and console/ belong to the app image's user (OCOP_APP_UID, 10001), kafka/
# admin-password and broker.pem to the Kafka image's (OCOP_KAFKA_UID, 1000: appuser); the rest
# is root's. Isolation between services comes from the mounts (each mounts only its folder),
# not from these owners (every service runs as the same user).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=deploy/lib/common.sh
. "$HERE/../lib/common.sh"
# shellcheck source=deploy/lib/secrets.sh
. "$HERE/../lib/secrets.sh"

SECRETS_DIR=${1:-/run/secrets/ocop}       # secrets.sh's functions write under $SECRETS_DIR
APP_UID=${OCOP_APP_UID:-10001}
KAFKA_UID=${OCOP_KAFKA_UID:-1000}
PYTHON=${PYTHON:-python}
APP_DIRS="$SECRET_SERVICES console"

mkdir -p "$SECRETS_DIR"
secrets_ensure                            # the same files as deploy/stack.sh's
secret_new "$SECRETS_DIR/trade/cursor-secret"
secret_new "$SECRETS_DIR/console/console-secret"

# The broker's certificate names every address a client may use: 127.0.0.1 and localhost from
# the host (published port 9092), kafka inside the compose network (kafka:19092).
"$PYTHON" "$HERE/../tls.py" kafka --ca-dir "$SECRETS_DIR/kafka" --out "$SECRETS_DIR/kafka" \
    --name 127.0.0.1 --name localhost --name kafka >/dev/null

mkdir -p "$SECRETS_DIR/public/kafka"
if ! cmp -s "$SECRETS_DIR/kafka/ca.pem" "$SECRETS_DIR/public/kafka/ca.pem"; then
    cp "$SECRETS_DIR/kafka/ca.pem" "$SECRETS_DIR/public/kafka/ca.pem.tmp"
    mv "$SECRETS_DIR/public/kafka/ca.pem.tmp" "$SECRETS_DIR/public/kafka/ca.pem"
fi

# Modes (every run: a volume made by an older version is corrected too).
chmod 700 "$SECRETS_DIR" "$SECRETS_DIR/postgres" "$SECRETS_DIR/s3" "$SECRETS_DIR/kafka"
chmod 600 "$SECRETS_DIR/postgres/superuser" "$SECRETS_DIR/s3/root-secret-key" \
    "$SECRETS_DIR/kafka/admin-password" "$SECRETS_DIR/kafka/broker.pem" "$SECRETS_DIR/kafka/ca-key.pem"
chmod 755 "$SECRETS_DIR/public" "$SECRETS_DIR/public/kafka"
chmod 644 "$SECRETS_DIR/kafka/ca.pem" "$SECRETS_DIR/public/kafka/ca.pem"
for d in $APP_DIRS; do
    chmod 700 "$SECRETS_DIR/$d"
    chmod 600 "$SECRETS_DIR/$d"/*
done

# Owners: only root may give files away (a run as another user, e.g. a test, keeps its own).
if [ "$(id -u)" = 0 ]; then
    chown 0:0 "$SECRETS_DIR" "$SECRETS_DIR/postgres" "$SECRETS_DIR/postgres/superuser" "$SECRETS_DIR/s3" \
        "$SECRETS_DIR/s3/root-secret-key" "$SECRETS_DIR/kafka/ca.pem" "$SECRETS_DIR/kafka/ca-key.pem"
    chown -R 0:0 "$SECRETS_DIR/public"
    chown "$KAFKA_UID:$KAFKA_UID" "$SECRETS_DIR/kafka" "$SECRETS_DIR/kafka/admin-password" "$SECRETS_DIR/kafka/broker.pem"
    for d in $APP_DIRS; do chown -R "$APP_UID" "$SECRETS_DIR/$d"; done
fi

log "secrets ready in $SECRETS_DIR: $(cd "$SECRETS_DIR" && find . -type f | sort | tr '\n' ' ')"
