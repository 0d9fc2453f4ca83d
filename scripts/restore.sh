#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into a NEW, empty database (it refuses to overwrite).
#   scripts/restore.sh /backups/portal-2026-11-25.dump postgres://user:pass@host:5432/portal_restored
# Then point DATABASE_URL at it and run `python manage.py check` and `migrate --check`.
set -euo pipefail
file="${1:?usage: restore.sh BACKUP_FILE TARGET_DATABASE_URL}"
target="${2:?usage: restore.sh BACKUP_FILE TARGET_DATABASE_URL}"
tables=$(psql --dbname="$target" --tuples-only --no-align \
  --command="SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
if [ "$tables" != "0" ]; then
  echo "The target database is not empty ($tables tables): restore into a new database." >&2
  exit 1
fi
pg_restore --exit-on-error --no-owner --no-privileges --dbname="$target" "$file"
echo "Restored $file into the target database."
