#!/bin/sh
# Log retention: delete Airflow's log files older than AIRFLOW_LOG_RETENTION_DAYS days
# (default 30) under LOGS_DIR (default /opt/airflow/logs), then the directories left empty
# for as long. Airflow 3.3 has no retention setting for local task logs; the log-groomer
# service runs this daily (deploy/every.sh).
set -eu

dir=${LOGS_DIR:-/opt/airflow/logs}
days=${AIRFLOW_LOG_RETENTION_DAYS:-30}
case $days in
    '' | *[!0-9]* | 0)
        echo "prune-logs: AIRFLOW_LOG_RETENTION_DAYS must be a whole number of days >= 1, not '$days'" >&2
        exit 2
        ;;
esac

removed=$(find "$dir" -type f -mtime +"$days" -print -delete | wc -l)
# Only old empty directories: a fresh one may be about to receive its first log file.
find "$dir" -mindepth 1 -type d -empty -mtime +"$days" -delete
echo "prune-logs: removed $removed log files older than $days days from $dir"
