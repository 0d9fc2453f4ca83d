#!/usr/bin/env bash
# Back up the portal's PostgreSQL database to one compressed, self-contained file.
#   DATABASE_URL=postgres://user:pass@host:5432/portal scripts/backup.sh /backups/portal-$(date +%F).dump
# Restore it with scripts/restore.sh. Encrypt and copy the file off-site (see README "Operations").
set -euo pipefail
out="${1:?usage: backup.sh OUTPUT_FILE}"
: "${DATABASE_URL:?set DATABASE_URL to the database to back up}"
pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$out" --dbname="$DATABASE_URL"
echo "Backup written to $out ($(du -h "$out" | cut -f1))"
