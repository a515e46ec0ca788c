#!/usr/bin/env bash
# Fetch (once) and run a real single-node Apache Kafka broker (KRaft, broker+controller) on 127.0.0.1.
#
#   scripts/kafka-server.sh start  <datadir> <port> [controller-port] [sasl-port]
#   scripts/kafka-server.sh stop   <datadir>          # SIGTERM, SIGKILL after 60 s
#   scripts/kafka-server.sh kill9  <datadir>          # SIGKILL the broker (fault tests)
#   scripts/kafka-server.sh status <datadir>          # exit 0 when running and listening
#   scripts/kafka-server.sh fetch                     # only download the jars
#
# The jars come from Maven Central through scripts/kafka/pom.xml and are cached under
# ~/.cache/pdo/kafka-<version>/ (PDO_CACHE_DIR overrides ~/.cache/pdo). The datadir holds
# server.properties, the KRaft metadata + topic data (data/), the broker log (logs/server.log),
# the JVM's stdout/stderr (logs/stdout.log) and kafka.pid. A datadir that is already formatted is
# never formatted again, so start after kill9 keeps every committed record.
# Environment: KAFKA_START_TIMEOUT (s, default 120), KAFKA_HEAP_OPTS (default -Xms256m -Xmx512m),
# PDO_OWNER_PID (stop the broker when that process is gone).
# Topics are never auto-created (`pdo kafka provision` creates them) and ACLs are enforced
# (StandardAuthorizer): PLAINTEXT clients are User:ANONYMOUS, a super user, so tests act
# as the cluster's administrator there; the SASL_PLAINTEXT listener (sasl-port) has
# the users admin (super user, password admin-secret), nobody (no rights, nobody-secret)
# and any "name:password" of KAFKA_SASL_USERS (comma-separated), held to their ACLs.
# They authenticate with SCRAM-SHA-256 or SCRAM-SHA-512 (credentials stored in the KRaft
# metadata at format time, `kafka-storage format --add-scram`) or with PLAIN.
set -euo pipefail

KAFKA_VERSION=4.0.1
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$SCRIPT_DIR/kafka/pom.xml"
CACHE_ROOT="${PDO_CACHE_DIR:-$HOME/.cache/pdo}"
KAFKA_HOME="$CACHE_ROOT/kafka-$KAFKA_VERSION"
LIBS="$KAFKA_HOME/libs"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"

log() { printf '[kafka-server] %s\n' "$*" >&2; }
die() { printf '[kafka-server] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# --- fetching ---------------------------------------------------------------------------------

pom_digest() { sha256sum "$POM" | cut -d' ' -f1; }

fetch() {
    local want have tmp
    want="$(pom_digest)"
    have="$(cat "$LIBS/.pom.sha256" 2>/dev/null || true)"
    if [[ -d "$LIBS" && "$want" == "$have" ]]; then
        return 0
    fi
    mkdir -p "$KAFKA_HOME"
    # one fetch at a time, even across concurrent test sessions (fd closed before the JVM starts)
    exec 8>"$KAFKA_HOME/.fetch.lock"
    flock 8
    have="$(cat "$LIBS/.pom.sha256" 2>/dev/null || true)"
    if [[ -d "$LIBS" && "$want" == "$have" ]]; then
        exec 8>&-
        return 0
    fi
    command -v mvn >/dev/null || die "mvn (Apache Maven) is not on PATH; it fetches the Kafka jars"
    command -v java >/dev/null || die "java (17+) is not on PATH"
    tmp="$(mktemp -d "$KAFKA_HOME/libs.tmp.XXXXXX")"
    log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $LIBS (once)"
    if ! mvn -q -B -f "$POM" dependency:copy-dependencies \
        -DoutputDirectory="$tmp" -DincludeScope=runtime >"$KAFKA_HOME/fetch.log" 2>&1; then
        tail -n 40 "$KAFKA_HOME/fetch.log" >&2 || true
        rm -rf "$tmp"
        die "could not fetch the Kafka jars (full log: $KAFKA_HOME/fetch.log)"
    fi
    ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 \
        || { rm -rf "$tmp"; die "kafka_2.13-$KAFKA_VERSION.jar missing after the fetch"; }
    chmod 755 "$tmp"
    printf '%s\n' "$want" >"$tmp/.pom.sha256"
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
    log "jars cached in $LIBS"
    exec 8>&-
}

# --- helpers ----------------------------------------------------------------------------------

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_of() {
    local pidfile="$1/kafka.pid" pid
    [[ -f "$pidfile" ]] || return 1
    pid="$(cat "$pidfile")"
    [[ -n "$pid" ]] && alive "$pid" || return 1
    # guard against a recycled pid: it must be our broker
    [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" == *"kafka.Kafka"* ]] || return 1
    printf '%s\n' "$pid"
}

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

write_configs() {
    local datadir="$1" port="$2" cport="$3" sport="$4" users="" pair
    for pair in admin:admin-secret nobody:nobody-secret ${KAFKA_SASL_USERS//,/ }; do
        users="$users user_${pair%%:*}=\"${pair#*:}\""
    done
    cat >"$datadir/server.properties" <<EOF
# generated by scripts/kafka-server.sh — single-node KRaft broker for the test suite
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport,SASL_PLAINTEXT://127.0.0.1:$sport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,SASL_PLAINTEXT://127.0.0.1:$sport
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret"$users;
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:ANONYMOUS;User:admin
allow.everyone.if.no.acl.found=false
log.dirs=$datadir/data
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# a restart after SIGKILL waits for the dead incarnation's session to expire
# (DUPLICATE_BROKER_REGISTRATION until then): keep that short, default is 9 s
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
log.segment.bytes=67108864
EOF
    cat >"$datadir/log4j2.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN" shutdownHook="disable">
  <Appenders>
    <File name="server" fileName="$datadir/logs/server.log" append="true">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="org.apache.kafka.clients" level="WARN"/>
    <Logger name="state.change.logger" level="WARN"/>
    <Root level="INFO"><AppenderRef ref="server"/></Root>
  </Loggers>
</Configuration>
EOF
}

# --- commands ---------------------------------------------------------------------------------

start() {
    local datadir="$1" port="$2" cport="${3:-}" sport="${4:-}" pid cluster_id deadline
    [[ "$port" =~ ^[0-9]+$ ]] || die "port must be a number, got '$port'"
    mkdir -p "$datadir/logs" "$datadir/data"
    datadir="$(cd "$datadir" && pwd)"
    if [[ -z "$cport" ]]; then
        cport="$(cat "$datadir/controller.port" 2>/dev/null || echo $((port + 1)))"
    fi
    [[ "$cport" =~ ^[0-9]+$ && "$cport" != "$port" ]] || die "bad controller port '$cport'"
    if [[ -z "$sport" ]]; then
        sport="$(cat "$datadir/sasl.port" 2>/dev/null || echo $((port + 2)))"
    fi
    [[ "$sport" =~ ^[0-9]+$ && "$sport" != "$port" && "$sport" != "$cport" ]] \
        || die "bad SASL port '$sport'"
    if pid="$(pid_of "$datadir")"; then
        die "a broker already runs on $datadir (pid $pid); stop it first"
    fi
    port_open "$port" && die "port $port on 127.0.0.1 is already in use"
    port_open "$cport" && die "controller port $cport on 127.0.0.1 is already in use"
    port_open "$sport" && die "SASL port $sport on 127.0.0.1 is already in use"
    fetch
    echo "$cport" >"$datadir/controller.port"
    echo "$sport" >"$datadir/sasl.port"
    write_configs "$datadir" "$port" "$cport" "$sport"

    local -a heap jvm
    read -r -a heap <<<"${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
    jvm=(java -server "${heap[@]}"
        -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
        -Djava.awt.headless=true -Dkafka.logs.dir="$datadir/logs"
        -Dlog4j2.configurationFile="$datadir/log4j2.xml"
        -cp "$LIBS/*")

    if [[ ! -f "$datadir/data/meta.properties" ]]; then
        cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
        log "formatting KRaft storage in $datadir/data (cluster id $cluster_id)"
        local -a scram=()
        local pair
        for pair in admin:admin-secret nobody:nobody-secret ${KAFKA_SASL_USERS//,/ }; do
            scram+=(--add-scram "SCRAM-SHA-256=[name=${pair%%:*},password=${pair#*:}]")
            scram+=(--add-scram "SCRAM-SHA-512=[name=${pair%%:*},password=${pair#*:}]")
        done
        # --cluster-id=<id>, not -t <id>: a random id may begin with '-' (base64url)
        if ! "${jvm[@]}" kafka.tools.StorageTool format --cluster-id="$cluster_id" \
            -c "$datadir/server.properties" "${scram[@]}" >"$datadir/logs/format.log" 2>&1; then
            cat "$datadir/logs/format.log" >&2
            die "kafka-storage format failed"
        fi
    fi

    log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$port (controller $cport), datadir $datadir"
    : >>"$datadir/logs/server.log"
    local mark
    mark="$(wc -l <"$datadir/logs/server.log")"
    nohup "${jvm[@]}" kafka.Kafka "$datadir/server.properties" \
        >>"$datadir/logs/stdout.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$datadir/kafka.pid"
    start_watchdog "$pid"

    local t0=$SECONDS
    deadline=$((SECONDS + START_TIMEOUT))
    while :; do
        if ! alive "$pid"; then
            log "broker exited during start-up; last lines of its logs:"
            tail -n 30 "$datadir/logs/stdout.log" >&2 || true
            tail -n 30 "$datadir/logs/server.log" >&2 || true
            rm -f "$datadir/kafka.pid"
            die "Kafka failed to start (logs in $datadir/logs)"
        fi
        # grep -c reads to the end: grep -q would SIGPIPE tail, and pipefail would hide the match
        if port_open "$port" && tail -n "+$((mark + 1))" "$datadir/logs/server.log" \
            | grep -c 'Kafka Server started' >/dev/null; then
            break
        fi
        if ((SECONDS >= deadline)); then
            log "broker not ready after ${START_TIMEOUT}s; last lines of its log:"
            tail -n 40 "$datadir/logs/server.log" >&2 || true
            tail -n 20 "$datadir/logs/stdout.log" >&2 || true
            kill -9 "$pid" 2>/dev/null || true
            rm -f "$datadir/kafka.pid"
            die "Kafka did not become ready within ${START_TIMEOUT}s"
        fi
        sleep 0.2
    done
    log "Kafka ready on 127.0.0.1:$port (pid $pid) after $((SECONDS - t0))s"
    echo "127.0.0.1:$port"
}

stop() {
    local datadir="$1" pid i
    if ! pid="$(pid_of "$datadir")"; then
        rm -f "$datadir/kafka.pid"
        log "no broker running on $datadir"
        return 0
    fi
    log "stopping broker pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 600; i++)); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        log "broker did not stop within 60s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid"
    fi
    rm -f "$datadir/kafka.pid"
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

kill9() {
    local datadir="$1" pid
    pid="$(pid_of "$datadir")" || die "no broker running on $datadir"
    log "SIGKILL broker pid $pid"
    kill -KILL "$pid"
    wait_gone "$pid"
    rm -f "$datadir/kafka.pid"
}

status() {
    local datadir="$1" pid port
    if pid="$(pid_of "$datadir")"; then
        port="$(sed -n 's#^advertised.listeners=PLAINTEXT://127.0.0.1:\([0-9]*\).*#\1#p' "$datadir/server.properties")"
        if port_open "$port"; then
            echo "running pid=$pid bootstrap=127.0.0.1:$port"
            return 0
        fi
        echo "starting pid=$pid (port $port not open yet)"
        return 1
    fi
    echo "stopped"
    return 3
}

cmd="${1:-}"
case "$cmd" in
start) [[ $# -ge 3 ]] || usage; start "$2" "$3" "${4:-}" "${5:-}" ;;
stop) [[ $# -ge 2 ]] || usage; stop "$2" ;;
kill9) [[ $# -ge 2 ]] || usage; kill9 "$2" ;;
status) [[ $# -ge 2 ]] || usage; status "$2" ;;
fetch) fetch ;;
*) usage ;;
esac
