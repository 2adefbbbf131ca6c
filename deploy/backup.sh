#!/bin/sh
# Back up the warning ledger (database crosswarn) with pg_dump, from the directory holding
# docker-compose.yml, while the stack runs. Restore: README, "Deployment".
#
# Usage: deploy/backup.sh [DIR]   (default: backups)
# Writes DIR/crosswarn-ledger-YYYYMMDDTHHMMSSZ.dump (pg_dump's custom format), complete or not
# at all, prints its path, and deletes dumps in DIR older than BACKUP_KEEP_DAYS (default 30).
# COMPOSE names the compose command (default "docker compose"; "docker-compose" for v1).
set -eu

dir=${1:-backups}
keep=${BACKUP_KEEP_DAYS:-30}
compose=${COMPOSE:-docker compose}

mkdir -p "$dir"
file="$dir/crosswarn-ledger-$(date -u +%Y%m%dT%H%M%SZ).dump"
# The airflow role is the server's superuser; inside the container it connects over the socket.
# shellcheck disable=SC2086  # $compose is a command and its arguments
if ! $compose exec -T postgres pg_dump --username=airflow --dbname=crosswarn --format=custom \
    >"$file.partial"; then
    rm -f "$file.partial"
    echo "backup: pg_dump of the ledger failed; no backup was written" >&2
    exit 1
fi
mv "$file.partial" "$file"
find "$dir" -name 'crosswarn-ledger-*.dump' -mtime +"$keep" -delete
echo "$file"
