#!/usr/bin/env bash
# The production topology on one machine, without containers, against the
# machine's own PostgreSQL and Redis: migrate, API_PROCESSES API processes and
# WORKERS arq workers.
#
#   deploy/local.sh [start]   start, wait for /readyz, stay in the foreground;
#                             Ctrl-C stops everything it started
#   deploy/local.sh stop      stop what a start left running (from another shell)
#   deploy/local.sh status
#
# Environment (defaults): FAIRS (.venv/bin/fairs),
#   FAIRS_DATABASE_URL (postgresql://postgres@127.0.0.1:5432/fairs_local),
#   FAIRS_REDIS_URL (redis://127.0.0.1:6379/1), FAIRS_HOST (127.0.0.1),
#   FAIRS_PORT (8000), API_PROCESSES (2), WORKERS (2), READY_TIMEOUT (60).
# Logs and pid files go to var/local/.
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
RUN_DIR=var/local

log() { printf 'local.sh: %s\n' "$*" >&2; }
die() {
    log "$*"
    exit 1
}

# Every process is started as the leader of its own process group, so a group
# signal also reaches uvicorn's worker processes.
group_alive() { kill -0 -- "-$1" 2>/dev/null; }

# The pid in FILE, if it still leads a live process group that we started.
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
    deadline=$((SECONDS + 30))
    for pid in ${pids[@]+"${pids[@]}"}; do
        while group_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
        if group_alive "$pid"; then
            log "process group $pid did not stop in 30 s; killing it"
            kill -KILL -- "-$pid" 2>/dev/null || true
        fi
    done
    ((${#pids[@]} == 0)) || log "stopped ${#pids[@]} process group(s)"
}

status() {
    local f pid found=0
    for f in "$RUN_DIR"/*.pid; do
        [[ -e $f ]] || continue
        found=1
        if pid=$(live_pid "$f"); then
            printf '%-12s running  pid %s\n' "$(basename "$f" .pid)" "$pid"
        else
            printf '%-12s exited\n' "$(basename "$f" .pid)"
        fi
    done
    ((found)) || echo "nothing started (no pid files in $RUN_DIR)"
}

create_database() {
    local url=${FAIRS_DATABASE_URL%%\?*} db out
    case $url in
        postgres://* | postgresql://*) ;;
        *)
            log "FAIRS_DATABASE_URL is not PostgreSQL; not creating a database"
            return 0
            ;;
    esac
    db=${url##*/}
    [[ -n $db && $db != *[@:]* ]] || die "FAIRS_DATABASE_URL names no database: $url"
    command -v createdb >/dev/null || die "createdb not found (install the PostgreSQL client)"
    # Host, port and user come from the URL; with the default URL this is
    # createdb -h 127.0.0.1 -p 5432 -U postgres fairs_local.
    if ! out=$(createdb --maintenance-db="${url%/*}/postgres" "$db" 2>&1); then
        case $out in
            *"already exists"*) ;;
            *) die "createdb $db failed: $out" ;;
        esac
    fi
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
        python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=3)' "$1" 2>/dev/null
    fi
}

start_all() {
    local host url api_pid deadline i
    command -v "$FAIRS" >/dev/null || die "no fairs command at '$FAIRS' (run 'make run' once, or set FAIRS=...)"
    [[ $API_PROCESSES =~ ^[1-9][0-9]*$ ]] || die "API_PROCESSES must be a positive integer"
    [[ $WORKERS =~ ^[0-9]+$ ]] || die "WORKERS must be a non-negative integer"
    mkdir -p "$RUN_DIR"
    running && die "already running (see deploy/local.sh status); stop it with: deploy/local.sh stop"
    rm -f "$RUN_DIR"/*.pid

    create_database
    log "applying migrations"
    if ! "$FAIRS" migrate >>"$RUN_DIR/migrate.log" 2>&1; then
        tail -n 20 "$RUN_DIR/migrate.log" >&2
        die "fairs migrate failed (log: $RUN_DIR/migrate.log)"
    fi

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
        sleep 1
    done

    log "listening on $url/ ($API_PROCESSES API processes, $WORKERS workers)"
    log "logs and pids in $RUN_DIR/; Ctrl-C or 'deploy/local.sh stop' stops everything"
    while [[ -e $RUN_DIR/api.pid ]] && group_alive "$api_pid"; do sleep 1; done
    [[ -e $RUN_DIR/api.pid ]] && die "the API exited (log: $RUN_DIR/api.log)"
    log "stopped"
}

case ${1:-start} in
    start) start_all ;;
    stop) stop_all ;;
    status) status ;;
    *)
        echo "usage: $0 [start|stop|status]" >&2
        exit 2
        ;;
esac
