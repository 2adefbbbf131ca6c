#!/bin/sh
# Run a command every INTERVAL seconds, for ever: the watchdog and the log groomer services.
#
# Usage: every.sh INTERVAL COMMAND [ARG...]
# Waits one interval first (the rest of the stack is still starting), then runs the command,
# and again after each interval. A failing run is reported and the loop goes on: the command's
# own exit status is its alarm. The loop touches $EVERY_HEARTBEAT (default /tmp/every.alive)
# at start and after each run, so a healthcheck can tell a hung command from a live loop.
set -u

if [ $# -lt 2 ]; then
    echo "usage: every.sh INTERVAL COMMAND [ARG...]" >&2
    exit 2
fi
interval=$1
shift
heartbeat=${EVERY_HEARTBEAT:-/tmp/every.alive}

trap 'exit 0' TERM INT
touch "$heartbeat"
while :; do
    # In the background, so that a TERM is handled at once rather than after the sleep.
    sleep "$interval" &
    wait $!
    "$@" || echo "every: '$1' exited with status $?; next run in $interval s" >&2
    touch "$heartbeat"
done
