-- Run once by the postgres:17 image on an empty data volume (docker-compose.yml mounts this
-- file into /docker-entrypoint-initdb.d/). Same databases as deploy/stack.sh creates locally.
-- Executed by psql, so \gexec is available: each CREATE DATABASE runs only if missing.
SELECT format('CREATE DATABASE %I', d)
FROM unnest(ARRAY['ocop_registry', 'ocop_scoring', 'ocop_certification', 'ocop_trade', 'ocop_reporting']) AS d
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = d)
\gexec
