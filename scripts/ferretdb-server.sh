#!/usr/bin/env bash
# Build (once) and run a real FerretDB v1.24.0 MongoDB-wire server with its SQLite backend.
#
#   scripts/ferretdb-server.sh start  <datadir> <port>
#   scripts/ferretdb-server.sh stop   <datadir>        # SIGTERM, SIGKILL after 30 s
#   scripts/ferretdb-server.sh kill9  <datadir>        # SIGKILL (fault tests)
#   scripts/ferretdb-server.sh status <datadir>        # exit 0 when running and answering
#   scripts/ferretdb-server.sh build                   # only build the binary
#
# The binary is built from the Go module proxy through scripts/ferretdb/{go.mod,go.sum,tools.go}
# and cached as ~/.cache/pdo/ferretdb-v1.24.0/ferretdb (PDO_CACHE_DIR overrides ~/.cache/pdo).
# The first build takes a few minutes on 2 cores; later starts reuse the binary.
# The datadir holds the SQLite files (data/), FerretDB's state dir (state/), logs/ferretdb.log
# and ferretdb.pid. Environment: FERRETDB_START_TIMEOUT (s, default 60), FERRETDB_LOG_LEVEL
# (default WARN; INFO logs every connection), PDO_OWNER_PID (stop FerretDB when that process is gone).
set -euo pipefail

FERRETDB_VERSION=v1.24.0
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODDIR="$SCRIPT_DIR/ferretdb"
CACHE_ROOT="${PDO_CACHE_DIR:-$HOME/.cache/pdo}"
HOME_DIR="$CACHE_ROOT/ferretdb-$FERRETDB_VERSION"
BIN="$HOME_DIR/ferretdb"
START_TIMEOUT="${FERRETDB_START_TIMEOUT:-60}"

log() { printf '[ferretdb-server] %s\n' "$*" >&2; }
die() { printf '[ferretdb-server] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# --- building ---------------------------------------------------------------------------------

# bump when the build steps below change, so cached binaries are rebuilt
BUILD_RECIPE=2

build_digest() {
    { echo "recipe $BUILD_RECIPE"; cat "$MODDIR/go.mod" "$MODDIR/go.sum" "$MODDIR/tools.go"; } \
        | sha256sum | cut -d' ' -f1
}

binary_ok() {
    [[ -x "$BIN" && "$(cat "$BIN.sha256" 2>/dev/null || true)" == "$(build_digest)" ]]
}

build() {
    binary_ok && return 0
    mkdir -p "$HOME_DIR"
    # one build at a time, even across concurrent test sessions
    exec 9>"$HOME_DIR/.build.lock"
    flock 9
    binary_ok && { exec 9>&-; return 0; }
    command -v go >/dev/null || die "go is not on PATH; it builds FerretDB $FERRETDB_VERSION"

    local work blog src t0 pid
    work="$(mktemp -d "$HOME_DIR/build.XXXXXX")"
    blog="$HOME_DIR/build.log"
    log "building FerretDB $FERRETDB_VERSION (first time only; several minutes on 2 cores)"
    log "build log: $blog"
    cp "$MODDIR/go.mod" "$MODDIR/go.sum" "$MODDIR/tools.go" "$work/"
    t0=$SECONDS
    (
        cd "$work"
        export GOFLAGS=-mod=mod
        # FerretDB panics at start when the binary's main module is FerretDB itself and
        # build/version/version.txt is absent (it is generated, never in the module zip).
        # Build from a writable copy of the module that carries the version file.
        go mod download github.com/FerretDB/FerretDB
        src="$(go list -m -f '{{.Dir}}' github.com/FerretDB/FerretDB)"
        cp -r "$src" ferretdb-src
        chmod -R u+w ferretdb-src
        echo "$FERRETDB_VERSION" >ferretdb-src/build/version/version.txt
        echo "pdo-source" >ferretdb-src/build/version/package.txt
        # Let _id lookups use the unique _id index: FerretDB 1.24 indexes the expression
        # sjson->"_id" but queries sjson->'$._id', which SQLite never matches to the index,
        # so every get/replace by _id scanned the whole table. Same JSON value, one form.
        meta=ferretdb-src/internal/backends/sqlite/metadata/metadata.go
        grep -q "IDColumn = DefaultColumn + \"->'\$._id'\"" "$meta"
        sed -i "s|IDColumn = DefaultColumn + \"->'\$._id'\"|IDColumn = DefaultColumn + \"->'_id'\"|" "$meta"
        grep -q "IDColumn = DefaultColumn + \"->'_id'\"" "$meta"
        go mod edit -replace github.com/FerretDB/FerretDB=./ferretdb-src
        go build -v -trimpath -o "$work/ferretdb" github.com/FerretDB/FerretDB/cmd/ferretdb
    ) >"$blog" 2>&1 &
    pid=$!
    local next=$((SECONDS + 15))
    while kill -0 "$pid" 2>/dev/null; do
        sleep 1
        if ((SECONDS >= next)) && kill -0 "$pid" 2>/dev/null; then
            log "still building ($((SECONDS - t0))s): $(tail -n 1 "$blog" 2>/dev/null | cut -c1-100)"
            next=$((SECONDS + 15))
        fi
    done
    if ! wait "$pid"; then
        tail -n 40 "$blog" >&2 || true
        rm -rf "$work"
        die "FerretDB build failed (full log: $blog)"
    fi
    "$work/ferretdb" --version >/dev/null 2>&1 \
        || { "$work/ferretdb" --version >&2 || true; rm -rf "$work"; die "built binary does not run"; }
    mv -f "$work/ferretdb" "$BIN"
    build_digest >"$BIN.sha256"
    rm -rf "$work"
    log "built $BIN in $((SECONDS - t0))s"
    exec 9>&-
}

# --- helpers ----------------------------------------------------------------------------------

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_of() {
    local pidfile="$1/ferretdb.pid" pid
    [[ -f "$pidfile" ]] || return 1
    pid="$(cat "$pidfile")"
    [[ -n "$pid" ]] && alive "$pid" || return 1
    [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" == *"--handler=sqlite"* ]] || return 1
    printf '%s\n' "$pid"
}

port_of() { cat "$1/ferretdb.port" 2>/dev/null; }

# A real MongoDB `ping`: an OP_MSG {ping: 1, $db: "admin"} over the wire protocol, passing when
# the reply holds {ok: 1.0}. (`ferretdb ping` needs --setup-username, i.e. auth; pure bash here
# keeps the script free of Python or mongosh.)
ping_server() (
    local port="$1" len reply
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
    # shellcheck disable=SC2016 # a literal "$db" field name
    printf '%b' '\x33\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\xdd\x07\x00\x00' \
        '\x00\x00\x00\x00\x00\x1e\x00\x00\x00\x10ping\x00\x01\x00\x00\x00' \
        '\x02$db\x00\x06\x00\x00\x00admin\x00\x00' >&3
    len="$(timeout 5 dd bs=1 count=4 status=none <&3 | od -An -tu4 | tr -d ' \n')"
    [[ "$len" =~ ^[0-9]+$ ]] && ((len > 16 && len < 65536)) || exit 1
    reply="$(timeout 5 dd bs=1 count=$((len - 4)) status=none <&3 | od -An -tx1 | tr -d ' \n')"
    [[ "$reply" == *016f6b00000000000000f03f* ]]
) 2>/dev/null

# Stop the server when the process that asked for it (PDO_OWNER_PID, e.g. a pytest session) dies
# without stopping it, so a test run killed hard leaves no server behind.
start_watchdog() {
    local pid="$1" owner="${PDO_OWNER_PID:-}"
    [[ -n "$owner" ]] && kill -0 "$owner" 2>/dev/null || return 0
    # shellcheck disable=SC2016 # $1/$2 are the inner script's arguments
    nohup bash -c '
        while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 2; done
        kill -0 "$2" 2>/dev/null || exit 0
        kill -TERM "$2"
        for _ in $(seq 1 150); do kill -0 "$2" 2>/dev/null || exit 0; sleep 0.2; done
        kill -KILL "$2"' pdo-watchdog "$owner" "$pid" >/dev/null 2>&1 </dev/null &
}

# alive = some thread of the process still runs. A killed server lingers as a zombie until its
# reaper (often init) collects it, and a zombie leader's other threads may still hold its ports.
alive() {
    local states
    states="$(grep -hs '^State:' /proc/"$1"/task/*/status 2>/dev/null || true)"
    [[ "$states" =~ State:[[:space:]]+[^ZX] ]]
}

wait_gone() {
    local i
    for ((i = 0; i < 100; i++)); do
        alive "$1" || return 0
        sleep 0.05
    done
    die "process $1 is still alive"
}

# --- commands ---------------------------------------------------------------------------------

start() {
    local datadir="$1" port="$2" pid deadline t0
    [[ "$port" =~ ^[0-9]+$ ]] || die "port must be a number, got '$port'"
    mkdir -p "$datadir/data" "$datadir/state" "$datadir/logs"
    datadir="$(cd "$datadir" && pwd)"
    if pid="$(pid_of "$datadir")"; then
        die "FerretDB already runs on $datadir (pid $pid); stop it first"
    fi
    port_open "$port" && die "port $port on 127.0.0.1 is already in use"
    build
    echo "$port" >"$datadir/ferretdb.port"

    log "starting FerretDB $FERRETDB_VERSION (sqlite) on 127.0.0.1:$port, datadir $datadir"
    nohup "$BIN" --handler=sqlite --sqlite-url="file:$datadir/data/" \
        --listen-addr="127.0.0.1:$port" --state-dir="$datadir/state" \
        --telemetry=disable --debug-addr=- --log-level="${FERRETDB_LOG_LEVEL:-WARN}" --log-format=text \
        >>"$datadir/logs/ferretdb.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$datadir/ferretdb.pid"
    start_watchdog "$pid"

    t0=$SECONDS
    deadline=$((SECONDS + START_TIMEOUT))
    while :; do
        if ! alive "$pid"; then
            tail -n 30 "$datadir/logs/ferretdb.log" >&2 || true
            rm -f "$datadir/ferretdb.pid"
            die "FerretDB exited during start-up (log: $datadir/logs/ferretdb.log)"
        fi
        if port_open "$port" && ping_server "$port"; then
            break
        fi
        if ((SECONDS >= deadline)); then
            tail -n 30 "$datadir/logs/ferretdb.log" >&2 || true
            kill -9 "$pid" 2>/dev/null || true
            rm -f "$datadir/ferretdb.pid"
            die "FerretDB did not answer ping within ${START_TIMEOUT}s"
        fi
        sleep 0.1
    done
    log "FerretDB ready on 127.0.0.1:$port (pid $pid) after $((SECONDS - t0))s"
    echo "mongodb://127.0.0.1:$port/"
}

stop() {
    local datadir="$1" pid i
    if ! pid="$(pid_of "$datadir")"; then
        rm -f "$datadir/ferretdb.pid"
        log "no FerretDB running on $datadir"
        return 0
    fi
    log "stopping FerretDB pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        log "FerretDB did not stop within 30s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid"
    fi
    rm -f "$datadir/ferretdb.pid"
}

kill9() {
    local datadir="$1" pid
    pid="$(pid_of "$datadir")" || die "no FerretDB running on $datadir"
    log "SIGKILL FerretDB pid $pid"
    kill -KILL "$pid"
    wait_gone "$pid"
    rm -f "$datadir/ferretdb.pid"
}

status() {
    local datadir="$1" pid port
    if pid="$(pid_of "$datadir")"; then
        port="$(port_of "$datadir")"
        if port_open "$port" && ping_server "$port"; then
            echo "running pid=$pid uri=mongodb://127.0.0.1:$port/"
            return 0
        fi
        echo "starting pid=$pid (no ping answer on port $port yet)"
        return 1
    fi
    echo "stopped"
    return 3
}

cmd="${1:-}"
case "$cmd" in
start) [[ $# -ge 3 ]] || usage; start "$2" "$3" ;;
stop) [[ $# -ge 2 ]] || usage; stop "$2" ;;
kill9) [[ $# -ge 2 ]] || usage; kill9 "$2" ;;
status) [[ $# -ge 2 ]] || usage; status "$2" ;;
build) build ;;
*) usage ;;
esac
