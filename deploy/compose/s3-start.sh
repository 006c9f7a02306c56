#!/bin/sh
# docker-compose.yml's S3 server (versity/versitygw image): the same arguments as
# deploy/lib/s3.sh, its internal IAM (--iam-dir) on: one account per service that keeps files
# (made by s3-accounts, deploy/compose/s3-accounts.sh). The root account's key id comes from
# ROOT_ACCESS_KEY (docker-compose.yml), its secret from the secrets volume (s3/, read-only),
# through the environment, not the command line.
set -eu

VERSITYGW=${VERSITYGW:-/app/versitygw}
DATA=${OCOP_S3_DATA:-/data}
LISTEN=${OCOP_S3_LISTEN:-:9000}
SECRET=${OCOP_S3_ROOT_SECRET_FILE:-/run/secrets/ocop/s3/root-secret-key}
: "${ROOT_ACCESS_KEY:?ROOT_ACCESS_KEY is not set (docker-compose.yml sets it)}"

[ -s "$SECRET" ] || { echo "[s3-start] ERROR: cannot read $SECRET: did secrets-init run?" >&2; exit 1; }
ROOT_SECRET_KEY=$(head -n1 "$SECRET")
export ROOT_SECRET_KEY
mkdir -p "$DATA/buckets" "$DATA/meta" "$DATA/iam"
chmod 700 "$DATA/iam"
exec "$VERSITYGW" --port "$LISTEN" --region us-east-1 --health /health --quiet \
    --iam-dir "$DATA/iam" posix --sidecar "$DATA/meta" "$DATA/buckets"
