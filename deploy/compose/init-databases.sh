#!/usr/bin/env bash
# PostgreSQL first-start script for docker-compose.yml (mounted into /docker-entrypoint-initdb.d/,
# so the official image runs it once, when the data volume is empty).
#
# One database per service, each owned by its own login role, and no one else may connect:
# registry, inspection and credit never share tables. Passwords come from the environment
# (REGISTRY_DB_PASSWORD, INSPECTION_DB_PASSWORD, CREDIT_DB_PASSWORD); nothing is hard-coded.
# Idempotent: roles and databases that exist are left alone (their passwords are re-set).
set -euo pipefail

create_service_database() {
    local name="$1" password="$2"
    if [[ -z "$password" ]]; then
        echo "init-databases: no password for $name (set ${name^^}_DB_PASSWORD)" >&2
        exit 1
    fi
    psql --no-psqlrc -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" \
         --dbname "${POSTGRES_DB:-postgres}" \
         --set=name="$name" --set=password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'name')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'name', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'name') \gexec
SQL
    echo "init-databases: database $name ready"
}

create_service_database registry "${REGISTRY_DB_PASSWORD:-}"
create_service_database inspection "${INSPECTION_DB_PASSWORD:-}"
create_service_database credit "${CREDIT_DB_PASSWORD:-}"
