#!/usr/bin/env bash
# Start LTC on this machine with nothing but Python 3.11+: a virtualenv, SQLite, the demo data,
# a Celery worker with beat on kombu's filesystem broker, and the server on 127.0.0.1:8000.
# Ctrl-C (or SIGTERM) stops everything this script started. Safe to run again.
set -euo pipefail

cd "$(dirname "$0")/.."
HOST="${LTC_HOST:-127.0.0.1}"
PORT="${LTC_PORT:-8000}"
PY=.venv/bin/python
VAR_DIR="${LTC_VAR_DIR:-var}"  # settings.py reads the same variable
LOG_DIR="$VAR_DIR/log"

say() { printf '\n==> %s\n' "$*"; }

say "Preparing the virtualenv (first run installs the runtime dependencies)"
make --no-print-directory venv-runtime PYTHON="${PYTHON:-python3}"

mkdir -p "$LOG_DIR" "$VAR_DIR/celery"

say "Migrating the database"
"$PY" manage.py migrate --noinput

# The compiled .mo files are committed; recompile only where gettext is installed.
if command -v msgfmt >/dev/null 2>&1 && [ -d locale ]; then
  "$PY" manage.py compilemessages --ignore=.venv --ignore=var >/dev/null
fi

say "Loading the demo data"
"$PY" manage.py seed_demo

port_in_use() {
  "$PY" -c 'import socket, sys; s = socket.socket(); s.settimeout(1)
sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0 else 1)' "$HOST" "$PORT"
}
answers() {
  "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" \
    >/dev/null 2>&1
}

if port_in_use; then
  echo "Port $PORT on $HOST is already in use (another LTC?). Stop it or set LTC_PORT." >&2
  exit 1
fi

# Each child runs in its own process group (job control on), so the processes it forks (the
# worker's pool, its embedded beat) can be found and stopped with it.
set -m
PGIDS=()
stopping=0
stop_all() {
  [ "$stopping" = 1 ] && return
  stopping=1
  trap - INT TERM
  echo
  echo "Stopping LTC..."
  # The leaders first: Celery's main process shuts its pool and beat down cleanly on TERM.
  for pgid in "${PGIDS[@]}"; do kill -TERM "$pgid" 2>/dev/null || true; done
  for _ in $(seq 1 75); do
    alive=0
    for pgid in "${PGIDS[@]}"; do kill -0 -- "-$pgid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  # Whatever is left after 15 seconds, in any of the groups.
  for pgid in "${PGIDS[@]}"; do kill -KILL -- "-$pgid" 2>/dev/null || true; done
  echo "Stopped."
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

# No pid file: a worker killed hard leaves nothing behind that could block the next start.
rm -f "$VAR_DIR"/celery/*.pid
say "Starting the Celery worker with beat (log: $LOG_DIR/celery.log)"
.venv/bin/celery -A ltc worker -B --loglevel=info --concurrency=1 \
  --hostname "ltc@%h" >>"$LOG_DIR/celery.log" 2>&1 &
PGIDS+=("$!")

say "Starting the web server (log: $LOG_DIR/server.log)"
"$PY" manage.py runserver "$HOST:$PORT" --noreload >>"$LOG_DIR/server.log" 2>&1 &
PGIDS+=("$!")

for _ in $(seq 1 60); do
  answers "http://$HOST:$PORT/api/schema/" && break
  if ! kill -0 "${PGIDS[1]}" 2>/dev/null; then
    echo "The web server did not start; see $LOG_DIR/server.log:" >&2
    tail -n 20 "$LOG_DIR/server.log" >&2
    exit 1
  fi
  sleep 0.5
done

cat <<EOF

  LTC is running at http://$HOST:$PORT/ — log in as rep1 / demo1234
  (also manager, marketing, rep2, rep3, solution, delivery, finance, admin; same password).
  API docs: http://$HOST:$PORT/api/docs/    Logs: $LOG_DIR/server.log, $LOG_DIR/celery.log
  Press Ctrl-C to stop.

EOF

# Stay until Ctrl-C, or until one of the two stops on its own (then stop the other too).
set +e
wait -n "${PGIDS[@]}"
status=$?
if [ "$stopping" = 0 ]; then
  echo "A process stopped unexpectedly (exit $status); see $LOG_DIR/." >&2
  exit 1
fi
