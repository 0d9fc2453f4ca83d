#!/usr/bin/env bash
# Install (when missing) and start what the test suite needs: PostgreSQL, Redis and Chromium.
# Idempotent: safe to run when everything is already up. Needs root (or sudo) for apt and services.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core fontconfig)
if [ "${#need[@]}" -gt 0 ]; then
  echo "Installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b >/dev/null
fi

if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  $SUDO pg_createcluster "$version" main >/dev/null
fi
$SUDO service postgresql start >/dev/null
$SUDO service redis-server start >/dev/null

for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 && break
  sleep 1
done
pg_isready -h 127.0.0.1
for _ in $(seq 1 30); do
  redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break
  sleep 1
done
redis-cli -h 127.0.0.1 ping

# The app's role: password login over TCP, CREATEDB so pytest-django can make test_portal(_gwN).
(
  cd /
  unset PGHOST PGUSER PGPASSWORD PGDATABASE
  $SUDO runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'portal') THEN
    CREATE ROLE portal LOGIN PASSWORD 'portal' CREATEDB;
  END IF;
  -- The application role the tests connect as to prove what it cannot do (tests/test_db_roles.py).
  -- Created here, so that `portal` needs no CREATEROLE; grants are made per test database.
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'portal_app_test') THEN
    CREATE ROLE portal_app_test LOGIN PASSWORD 'portal_app_test' NOINHERIT;
  END IF;
END
$$;
SQL
  if ! $SUDO runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'portal'" | grep -q 1; then
    $SUDO runuser -u postgres -- createdb -O portal portal
  fi
)
echo "PostgreSQL, Redis and Chromium are ready."
