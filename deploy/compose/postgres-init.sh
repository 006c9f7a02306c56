#!/usr/bin/env bash
# docker-compose.yml's `postgres-init` (one-shot, postgres image, after the server is healthy):
# each service's login role with the password in its secret file, and its database ocop_<service>
# owned by it, that no other role may connect to. The same SQL as deploy/stack.sh
# (pg_create_roles, pg_create_databases in deploy/lib/pg.sh), run on every `up`: a changed
# password file is a rotation, a database made before roles is handed over to its service.
#
#   deploy/compose/postgres-init.sh [SECRETS_DIR]    (default /run/secrets/ocop)
#
# Environment: PGHOST (postgres), PGPORT (5432).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=deploy/lib/common.sh
. "$HERE/../lib/common.sh"
# shellcheck source=deploy/lib/secrets.sh
. "$HERE/../lib/secrets.sh"
# shellcheck source=deploy/lib/pg.sh
. "$HERE/../lib/pg.sh"

SECRETS_DIR=${1:-/run/secrets/ocop}
export PGHOST=${PGHOST:-postgres} PGPORT=${PGPORT:-5432}

# pg.sh's functions talk to the server through pg_psql: here, over the compose network.
pg_psql() {
    PGPASSWORD=$(secret_read "$SECRETS_DIR/postgres/superuser") \
        psql -X -q -v ON_ERROR_STOP=1 -U "$PG_USER" "$@"
}

if ! out=$(pg_psql -d postgres -tAc 'select 1' 2>&1); then
    printf '%s\n' "$out" >&2
    die "cannot sign in to PostgreSQL at $PGHOST:$PGPORT as $PG_USER with secrets/postgres/superuser.
        A pg-data volume made by an older docker-compose.yml (trust, no password) cannot be used
        with passwords: remove it (docker compose down -v, or docker volume rm <project>_pg-data)."
fi
pg_create_roles
pg_create_databases
log "pg: a role and a database for each of: $SECRET_SERVICES (CONNECT revoked from PUBLIC)"
