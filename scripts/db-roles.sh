#!/usr/bin/env bash
# Create (or update the passwords of) the portal's two PostgreSQL roles and its database.
#   owner role: owns the tables, runs `manage.py migrate` and `manage.py grant_app_role` (deploy only);
#   app role:   what the web server and workers connect as; no DDL, no TRUNCATE, only SELECT and INSERT
#               on append-only tables (granted by `manage.py grant_app_role` after each migrate).
# Run as a PostgreSQL superuser (e.g. `sudo -u postgres`, or PGHOST/PGUSER/PGPASSWORD for a managed
# server's admin user). Idempotent. Passwords come from the environment, never the command line:
#   PORTAL_OWNER_PASSWORD=… PORTAL_APP_PASSWORD=… scripts/db-roles.sh [database] [owner] [app]
set -euo pipefail

database="${1:-portal}"
owner="${2:-portal_owner}"
app="${3:-portal_app}"
: "${PORTAL_OWNER_PASSWORD:?set PORTAL_OWNER_PASSWORD}"
: "${PORTAL_APP_PASSWORD:?set PORTAL_APP_PASSWORD}"

# psql reads the passwords from the environment itself (\getenv, psql 15 and later), so they are never
# on a command line (`ps` would show them); :'name' quotes them into the SQL.
export PORTAL_OWNER_PASSWORD PORTAL_APP_PASSWORD
psql -v ON_ERROR_STOP=1 -q -d postgres -v owner="$owner" -v app="$app" -v database="$database" <<'SQL'
\getenv owner_password PORTAL_OWNER_PASSWORD
\getenv app_password PORTAL_APP_PASSWORD
SELECT format('CREATE ROLE %I LOGIN', :'owner') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner')
\gexec
SELECT format('CREATE ROLE %I LOGIN', :'app') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app')
\gexec
-- Neither role may create roles or databases or bypass row security; the app role inherits nothing.
SELECT format('ALTER ROLE %I NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD %L', :'owner', :'owner_password')
\gexec
SELECT format('ALTER ROLE %I NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT PASSWORD %L', :'app', :'app_password')
\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'owner')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database')
\gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'database')
\gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'database', :'app')
\gexec
SQL

# The schema belongs to the owner (so migrations can create tables) and nobody else creates in it.
psql -v ON_ERROR_STOP=1 -q -d "$database" -v owner="$owner" -v app="$app" <<'SQL'
SELECT format('ALTER SCHEMA public OWNER TO %I', :'owner')
\gexec
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'app')
\gexec
SQL
echo "Roles $owner (owner) and $app (application) are ready on database $database."
echo "Next: migrate as $owner, then: manage.py grant_app_role $app (also as $owner)."
