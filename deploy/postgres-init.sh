#!/bin/sh
# A second database for crosswarn's warning ledger beside Airflow's metadata database.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<EOSQL
CREATE ROLE crosswarn LOGIN PASSWORD '${POSTGRES_PASSWORD}';
CREATE DATABASE crosswarn OWNER crosswarn;
EOSQL
