#!/bin/sh
# docker-compose.yml's `s3-accounts` (one-shot, versity/versitygw image, once the server is
# healthy): an S3 account for each service that keeps files, named after it, with the secret in
# <service>/s3-secret-key and the role userplus (it makes its own bucket, <OCOP_S3_BUCKET>-<service>,
# which no other account may read or write). As s3_accounts in deploy/lib/s3.sh: run on every
# `up`, an existing account gets the secret its file holds now (a changed file is a rotation).
#
# Environment: ADMIN_ACCESS_KEY (the root account's key id; its secret is s3/root-secret-key),
# OCOP_S3_ADMIN_URL (http://s3:9000), OCOP_SECRETS_DIR (/run/secrets/ocop).
set -eu

VERSITYGW=${VERSITYGW:-/app/versitygw}
URL=${OCOP_S3_ADMIN_URL:-http://s3:9000}
SECRETS=${OCOP_SECRETS_DIR:-/run/secrets/ocop}
: "${ADMIN_ACCESS_KEY:?ADMIN_ACCESS_KEY is not set (docker-compose.yml sets it)}"

die() { echo "[s3-accounts] ERROR: $*" >&2; exit 1; }
[ -s "$SECRETS/s3/root-secret-key" ] || die "cannot read $SECRETS/s3/root-secret-key: did secrets-init run?"
ADMIN_SECRET_KEY=$(head -n1 "$SECRETS/s3/root-secret-key")
export ADMIN_ACCESS_KEY ADMIN_SECRET_KEY

admin() { "$VERSITYGW" admin --endpoint-url "$URL" "$@"; }

users=$(admin list-users 2>&1) || die "cannot list the accounts: $users"
made=""
for file in "$SECRETS"/*/s3-secret-key; do
    [ -s "$file" ] || continue
    service=$(basename "$(dirname "$file")")
    secret=$(head -n1 "$file")
    if printf '%s\n' "$users" | awk 'NR > 2 {print $1}' | grep -qx "$service"; then
        admin update-user --access "$service" --secret "$secret" >/dev/null || die "cannot update the account $service"
    else
        admin create-user --access "$service" --secret "$secret" --role userplus >/dev/null ||
            die "cannot create the account $service"
    fi
    made="$made $service"
done
[ -n "$made" ] || die "no <service>/s3-secret-key in $SECRETS: did secrets-init run?"
echo "[s3-accounts] accounts (role userplus: their own buckets only):$made"
