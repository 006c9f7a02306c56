# shellcheck shell=bash
# The stack's credentials: one password (and key) per service and per purpose, made once with
# the OS's random source into $STACK_DIR/secrets (mode 700, files 600), read by the services
# through OCOP_SECRETS_DIR. Sourced by deploy/stack.sh.
#
#   secrets/postgres/superuser            the cluster administrator (deploy tooling, tests)
#   secrets/<service>/postgres-password   each service's login role (owner of its database)
#   secrets/s3/root-secret-key            the S3 server's root account (deploy tooling only)
#   secrets/kafka/admin-password          Kafka's administrator (the broker itself, provisioning)
#   secrets/<service>/kafka-password      each service's SCRAM-SHA-512 user
#   secrets/kafka/ca.pem, ca-key.pem      the stack's certificate authority (deploy/tls.py)
#   secrets/<service>/s3-secret-key       the S3 account of a service that keeps files

SECRETS_DIR=$STACK_DIR/secrets
SECRET_SERVICES="registry scoring certification trade reporting"

secret_new() {  # secret_new FILE: 32 random bytes as URL-safe text, if FILE does not exist yet
    local file=$1
    [ -s "$file" ] && return 0
    mkdir -p "$(dirname "$file")"
    chmod 700 "$SECRETS_DIR" "$(dirname "$file")"
    (umask 077; head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$file.tmp" && mv "$file.tmp" "$file")
}

secret_read() { head -n1 "$1"; }  # the current value (the first line)

secrets_ensure() {
    local s
    mkdir -p "$SECRETS_DIR"; chmod 700 "$SECRETS_DIR"
    secret_new "$SECRETS_DIR/postgres/superuser"
    for s in $SECRET_SERVICES; do secret_new "$SECRETS_DIR/$s/postgres-password"; done
    secret_new "$SECRETS_DIR/s3/root-secret-key"
    secret_new "$SECRETS_DIR/kafka/admin-password"
    for s in $SECRET_SERVICES; do secret_new "$SECRETS_DIR/$s/kafka-password"; done
    for s in $S3_SERVICES; do secret_new "$SECRETS_DIR/$s/s3-secret-key"; done
}
