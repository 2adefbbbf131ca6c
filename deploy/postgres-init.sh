#!/bin/sh
# A second database, crosswarn, for the warning ledger beside Airflow's metadata database, owned
# by its own role with its own password (LEDGER_DB_PASSWORD). The postgres image runs this once,
# when it initialises an empty data volume; for a volume initialised earlier, see the README
# (Deployment: changing a database password).
set -e
: "${LEDGER_DB_PASSWORD:?LEDGER_DB_PASSWORD is not set}"
# psql variables quote the password and the database name (:'...' and :"..."), whatever they hold.
psql -v ON_ERROR_STOP=1 -v ledger_password="$LEDGER_DB_PASSWORD" -v airflow_db="$POSTGRES_DB" \
    --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'EOSQL'
CREATE ROLE crosswarn LOGIN PASSWORD :'ledger_password';
CREATE DATABASE crosswarn OWNER crosswarn;
-- Each role reaches only its own database (the airflow role is the superuser and reaches both).
REVOKE ALL ON DATABASE crosswarn FROM PUBLIC;
REVOKE ALL ON DATABASE :"airflow_db" FROM PUBLIC;
EOSQL
