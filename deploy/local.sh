#!/usr/bin/env bash
# The production topology on this machine, without containers, against the
# machine's own PostgreSQL and Redis: migrate once, one API server of
# API_PROCESSES uvicorn processes on one port, and WORKERS arq workers.
#
#   deploy/local.sh [start]   check PostgreSQL and Redis, create the database if
#                             needed, migrate, start everything, wait until
#                             /readyz answers 200, print the URL and the pids,
#                             and return (the processes keep running)
#   deploy/local.sh run       the same, then stay in the foreground; Ctrl-C stops
#   deploy/local.sh stop      SIGTERM to everything started, SIGKILL after
#                             STOP_GRACE seconds
#   deploy/local.sh status    what is running
#
# Environment (defaults):
#   FAIRS_DATABASE_URL  postgresql://postgres@127.0.0.1:5432/fairs_local
#                       (created when missing)
#   FAIRS_REDIS_URL     redis://127.0.0.1:6379/1 (not 0: the test suite flushes 0)
#   FAIRS_HOST, FAIRS_PORT   127.0.0.1, 8000
#   API_PROCESSES       2   uvicorn processes behind the one port
#   WORKERS             2   arq workers, FAIRS_WORKER_ID local-1, local-2, ...
#   READY_TIMEOUT       60  seconds to wait for /readyz
#   STOP_GRACE          30  seconds between SIGTERM and SIGKILL (running jobs finish)
#   LOCAL_DIR           var/local   logs (*.log), pid files (*.pid), FAIRS_VAR_DIR
#   FAIRS               .venv/bin/fairs
# Any other FAIRS_* setting (FAIRS_ENV, FAIRS_SECRET_KEY, FAIRS_DB_POOL_SIZE, ...)
# is passed through. Exit status: 0 ok, 1 failed, 2 usage, 3 PostgreSQL or Redis
# unreachable.
#
# One port, API_PROCESSES processes: uvicorn's supervisor opens the listening
# socket and its processes share it, so the kernel spreads connections over them
# (what one API container with `fairs serve --workers N` does). N API servers on
# N ports would need a proxy in front to be one URL, like compose's replicas.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

FAIRS=${FAIRS:-.venv/bin/fairs}
export FAIRS_DATABASE_URL=${FAIRS_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/fairs_local}
export FAIRS_REDIS_URL=${FAIRS_REDIS_URL:-redis://127.0.0.1:6379/1}
export FAIRS_HOST=${FAIRS_HOST:-127.0.0.1}
export FAIRS_PORT=${FAIRS_PORT:-8000}
API_PROCESSES=${API_PROCESSES:-2}
WORKERS=${WORKERS:-2}
READY_TIMEOUT=${READY_TIMEOUT:-60}
STOP_GRACE=${STOP_GRACE:-30}
RUN_DIR=${LOCAL_DIR:-var/local}
export FAIRS_VAR_DIR=${FAIRS_VAR_DIR:-$RUN_DIR/var}

log() { printf 'local.sh: %s\n' "$*" >&2; }
# die MESSAGE [STATUS]
die() {
    log "$1"
    exit "${2:-1}"
}

# Every process is started as the leader of its own process group, so a group
# signal also reaches uvicorn's processes and a worker's restart loop.
group_alive() { kill -0 -- "-$1" 2>/dev/null; }

# The pid in FILE, if it still leads a live process group.
live_pid() {
    local pid
    pid=$(<"$1") || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    group_alive "$pid" || return 1
    printf '%s\n' "$pid"
}

running() {
    local f
    for f in "$RUN_DIR"/*.pid; do
        [[ -e $f ]] && live_pid "$f" >/dev/null && return 0
    done
    return 1
}

stop_all() {
    trap '' INT TERM
    local f pid pids=() deadline
    for f in "$RUN_DIR"/*.pid; do
        [[ -e $f ]] || continue
        if pid=$(live_pid "$f"); then
            kill -TERM -- "-$pid" 2>/dev/null || true
            pids+=("$pid")
        fi
        rm -f "$f"
    done
    deadline=$((SECONDS + STOP_GRACE))
    for pid in ${pids[@]+"${pids[@]}"}; do
        while group_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
        if group_alive "$pid"; then
            log "process group $pid did not stop within ${STOP_GRACE} s; sending SIGKILL"
            kill -KILL -- "-$pid" 2>/dev/null || true
        fi
    done
    if ((${#pids[@]})); then log "stopped ${#pids[@]} process group(s)"; else log "nothing was running"; fi
}

# The pids of a process group, leader first: "123 (124 125)".
group_pids() {
    local members
    members=$(pgrep -g "$1" 2>/dev/null | grep -vx "$1" | paste -sd' ' -) || true
    printf '%s%s' "$1" "${members:+ ($members)}"
}

status() {
    local f pid found=0 alive=0
    for f in "$RUN_DIR"/*.pid; do
        [[ -e $f ]] || continue
        found=1
        if pid=$(live_pid "$f"); then
            alive=1
            printf '%-10s running  pids %s\n' "$(basename "$f" .pid)" "$(group_pids "$pid")"
        else
            printf '%-10s exited\n' "$(basename "$f" .pid)"
        fi
    done
    ((found)) || echo "nothing started (no pid files in $RUN_DIR)"
    ((alive))
}

# Python of the fairs virtualenv (asyncpg and redis are installed there).
python_of_fairs() {
    local dir
    dir=$(dirname "$(command -v "$FAIRS")")
    if [[ -x $dir/python ]]; then printf '%s\n' "$dir/python"; else command -v python3; fi
}

# PostgreSQL and Redis answer (exit 3 with the reason if not); the database is
# created when PostgreSQL answers that it does not exist.
check_services() {
    local out rc=0
    out=$("$(python_of_fairs)" - <<'PY' 2>&1
import asyncio, os, sys
from urllib.parse import urlsplit, urlunsplit

db_url = os.environ["FAIRS_DATABASE_URL"].replace("postgres://", "postgresql://", 1)
redis_url = os.environ["FAIRS_REDIS_URL"]

def where(url):
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or ''}{parts.path}"

async def postgres():
    import asyncpg
    try:
        connection = await asyncpg.connect(db_url, timeout=5)
    except asyncpg.InvalidCatalogNameError:
        parts = urlsplit(db_url)
        name = parts.path.lstrip("/")
        admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")), timeout=5)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        except asyncpg.DuplicateDatabaseError:
            pass
        finally:
            await admin.close()
        print(f"created database {name}", file=sys.stderr)
        connection = await asyncpg.connect(db_url, timeout=5)
    await connection.fetchval("SELECT 1")
    await connection.close()

if not db_url.startswith("postgresql://"):
    print("FAIRS_DATABASE_URL must be a postgresql:// URL (this is the multi-process topology)")
    sys.exit(2)
try:
    asyncio.run(postgres())
except Exception as error:  # noqa: BLE001
    print(f"PostgreSQL at {where(db_url)} is unreachable: {type(error).__name__}: {error}")
    sys.exit(3)
try:
    import redis
    redis.Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=3).ping()
except Exception as error:  # noqa: BLE001
    print(f"Redis at {where(redis_url)} is unreachable: {type(error).__name__}: {error}")
    sys.exit(3)
PY
    ) || rc=$?
    [[ -z $out ]] || log "$out"
    ((rc == 0)) || die "set FAIRS_DATABASE_URL / FAIRS_REDIS_URL, or start the service" "$rc"
}

port_free() {
    "$(python_of_fairs)" -c '
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind((sys.argv[1], int(sys.argv[2])))
except OSError:
    sys.exit(1)' "$1" "$2"
}

# spawn NAME COMMAND...: run in the background in its own process group,
# output appended to RUN_DIR/NAME.log, pid in RUN_DIR/NAME.pid.
spawn() {
    local name=$1
    shift
    set -m
    "$@" >>"$RUN_DIR/$name.log" 2>&1 </dev/null &
    set +m
    echo $! >"$RUN_DIR/$name.pid"
}

# One arq worker, restarted when it exits (arq exits when Redis restarts),
# like `restart: unless-stopped` in compose.yaml.
run_worker() {
    local rc
    export FAIRS_WORKER_ID=$1
    while true; do
        rc=0
        "$FAIRS" worker || rc=$?
        log "$(date '+%F %T') worker $1 exited with status $rc; restarting in 2 s"
        sleep 2
    done
}

http_ok() {
    if command -v curl >/dev/null; then
        curl -fsS -o /dev/null --max-time 3 "$1" 2>/dev/null
    else
        "$(python_of_fairs)" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=3)' "$1" 2>/dev/null
    fi
}

start_all() {
    local foreground=$1 host url api_pid deadline i
    command -v "$FAIRS" >/dev/null || die "no fairs command at '$FAIRS' (run 'make run' once, or set FAIRS=...)"
    [[ $API_PROCESSES =~ ^[1-9][0-9]*$ ]] || die "API_PROCESSES must be a positive integer" 2
    [[ $WORKERS =~ ^[0-9]+$ ]] || die "WORKERS must be a non-negative integer" 2
    [[ $STOP_GRACE =~ ^[0-9]+$ ]] || die "STOP_GRACE must be a number of seconds" 2
    mkdir -p "$RUN_DIR" "$FAIRS_VAR_DIR"
    running && die "already running (deploy/local.sh status); stop it with: deploy/local.sh stop"
    rm -f "$RUN_DIR"/*.pid
    port_free "$FAIRS_HOST" "$FAIRS_PORT" || die "$FAIRS_HOST:$FAIRS_PORT is in use; set FAIRS_PORT"

    check_services
    log "applying migrations"
    if ! "$FAIRS" migrate >>"$RUN_DIR/migrate.log" 2>&1; then
        tail -n 20 "$RUN_DIR/migrate.log" >&2
        die "fairs migrate failed (log: $RUN_DIR/migrate.log)"
    fi

    # Until everything is ready, any failure or signal stops what was started.
    trap stop_all EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM HUP

    spawn api "$FAIRS" serve --workers "$API_PROCESSES"
    api_pid=$(<"$RUN_DIR/api.pid")
    for ((i = 1; i <= WORKERS; i++)); do
        spawn "worker-$i" run_worker "local-$i"
    done

    host=$FAIRS_HOST
    case $host in
        0.0.0.0 | "") host=127.0.0.1 ;;
        :: | "[::]") host="[::1]" ;;
        *:*) [[ $host == \[* ]] || host="[$host]" ;;
    esac
    url="http://$host:$FAIRS_PORT"
    deadline=$((SECONDS + READY_TIMEOUT))
    until http_ok "$url/readyz"; do
        if ! group_alive "$api_pid"; then
            tail -n 20 "$RUN_DIR/api.log" >&2
            die "the API exited (log: $RUN_DIR/api.log)"
        fi
        ((SECONDS < deadline)) || die "no 200 from $url/readyz within ${READY_TIMEOUT} s (logs: $RUN_DIR/)"
        sleep 0.5
    done
    sleep 0.5 # let uvicorn finish starting its processes, so the pids below are complete

    echo "fairs: ready at $url/ ($API_PROCESSES API processes, $WORKERS workers)"
    printf 'api       pids %s\n' "$(group_pids "$api_pid")"
    for ((i = 1; i <= WORKERS; i++)); do
        printf 'worker-%-2s pids %s\n' "$i" "$(group_pids "$(<"$RUN_DIR/worker-$i.pid")")"
    done
    echo "logs and pid files in $RUN_DIR/; stop with: deploy/local.sh stop"

    if [[ $foreground != run ]]; then
        trap - EXIT INT TERM HUP # leave them running
        return 0
    fi
    log "Ctrl-C stops everything"
    while [[ -e $RUN_DIR/api.pid ]] && group_alive "$api_pid"; do sleep 1; done
    [[ -e $RUN_DIR/api.pid ]] && die "the API exited (log: $RUN_DIR/api.log)"
}

case ${1:-start} in
    start | run) start_all "${1:-start}" ;;
    stop) stop_all ;;
    status) status ;;
    *)
        echo "usage: $0 [start|run|stop|status]" >&2
        exit 2
        ;;
esac
