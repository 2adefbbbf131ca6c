#!/bin/sh
# airflow-init: everything that must hold before any other Airflow service starts. Runs as root
# (it fixes the volumes' ownership) on every `docker compose up`, then exits 0; every step is
# idempotent. Any failure stops here, and docker compose starts nothing that depends on it.
set -eu
here=$(dirname "$0")

echo "airflow-init: checking secrets"
sh "$here/check-secrets.sh"

echo "airflow-init: migrating Airflow's metadata database (with the FAB auth manager's tables)"
airflow db migrate

# The admin account is created once; its password is reset on every start, so the one in .env
# is the one that works (a password changed in the UI is replaced on the next start).
echo "airflow-init: admin account $AIRFLOW_ADMIN_USERNAME"
airflow users create --role Admin --username "$AIRFLOW_ADMIN_USERNAME" \
    --email "$AIRFLOW_ADMIN_EMAIL" --firstname crosswarn --lastname operator \
    --password "$AIRFLOW_ADMIN_PASSWORD"
airflow users reset-password --username "$AIRFLOW_ADMIN_USERNAME" \
    --password "$AIRFLOW_ADMIN_PASSWORD"

# The command prints the ledger URL, password included: keep it out of the logs.
echo "airflow-init: migrating the warning ledger (database crosswarn)"
crosswarn ledger migrate >/dev/null

# Volumes created before the image had these directories are owned by root; only what is not
# already the airflow user's (uid 50000, gid 0) is changed, so this stays quick on a full archive.
echo "airflow-init: data and log directories"
mkdir -p /data/archive /data/work /data/out /data/cache /opt/airflow/logs
find /data /opt/airflow/logs \( ! -user 50000 -o ! -group 0 \) -exec chown 50000:0 {} +

echo "airflow-init: done"
