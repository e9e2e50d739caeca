#!/usr/bin/env bash
# Local Apache Kafka broker (KRaft, one combined broker+controller node) for
# development, demos and tests. The jars come from Maven Central through
# kafka/pom.xml; no Docker, no downloads from anywhere else.
#
# Usage: scripts/kafka.sh <command> [args]
#   fetch            resolve the jars into the lib dir (only if missing or kafka/pom.xml changed)
#   start            fetch if needed, format storage if needed, start the broker in the
#                    background and wait until it serves requests; prints the bootstrap
#                    address (e.g. 127.0.0.1:9092) as the LAST line on stdout. Idempotent.
#   stop             SIGTERM, wait up to KAFKA_STOP_TIMEOUT (30s), then SIGKILL. Exit 0 if not running.
#   status           "running pid=N address=HOST:PORT home=DIR" (exit 0) or "stopped" (exit 3),
#                    naming any other broker running on this machine (its address and home)
#   logs [-n N] [--no-follow]
#                    tail the broker log (follows by default)
#   reset            stop, then delete data, logs and rendered config (keeps the jars)
#   run <class|alias> [args...]
#                    run a Kafka CLI tool on the same classpath. Aliases:
#                    topics, groups, console-producer, console-consumer,
#                    producer-perf, consumer-perf, api-versions, storage
#   address          print the bootstrap address
#   await            wait until the (already started) broker answers
#
# A three-node cluster on loopback (tests of broker failures; KRaft, every node a combined
# broker+controller, a 3-voter controller quorum, internal topics with replication factor 3
# and min ISR 2, min.insync.replicas 2 by default):
#   cluster start    start every node that is not running (fresh: formatted with one cluster
#                    id), wait until each answers; prints the bootstrap list as the LAST line
#   cluster stop     stop every node (SIGTERM all at once, SIGKILL after KAFKA_STOP_TIMEOUT);
#                    names a node that could not be stopped and exits 1
#   cluster status   one line per node: "node N running pid=P address=H:P" or "node N stopped"
#                    (followed by the nodes of this cluster still running); exit 0 if all run,
#                    3 otherwise
#   cluster kill N   SIGKILL node N (a crash), once its pid is checked to be that node's
#                    broker; says so and exits 1 when the node is not running; returns once
#                    the process is gone. `cluster start` brings it back
#   cluster address  print the bootstrap list
#   cluster reset    stop, then delete every node's data
#
# Environment:
#   KAFKA_HOME_DIR          data/log/pid folder (default <repo>/.kafka); a second broker
#                           needs its own KAFKA_HOME_DIR and ports
#   KAFKA_PORT              PLAINTEXT port on 127.0.0.1 (default: the port this home's broker
#                           was last started with, else 9092)
#   KAFKA_CONTROLLER_PORT   CONTROLLER port on 127.0.0.1 (default: likewise, else 9093)
#   KAFKA_LIB_DIR           jar folder (default <repo>/.kafka/lib, shared by all brokers)
#   KAFKA_NODES             nodes of `cluster` (default 3)
#   KAFKA_CLUSTER_PORT      first port of `cluster` (default 19092): node N listens on
#                           127.0.0.1:<port+2(N-1)> (19092, 19094, 19096), its controller on
#                           the next port (19093, 19095, 19097); data in KAFKA_HOME_DIR/node<N>
#                           (KAFKA_HOME_DIR defaults to <repo>/.kafka-cluster for `cluster`)
#   KAFKA_START_TIMEOUT     seconds `start` waits for readiness (default 90)
#   KAFKA_STOP_TIMEOUT      seconds `stop` waits after SIGTERM (default 30)
#   KAFKA_PORT_FREE_TIMEOUT seconds `start` waits for the ports of a broker of this home that
#                           died (stale pid file) to be freed (default 30)
#   KAFKA_HEAP_OPTS         broker heap (default "-Xms256m -Xmx1g")
#   KAFKA_JVM_OPTS          extra broker JVM options
#   JAVA_HOME               Java 17+ (else `java` on PATH)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
CONF_SRC_DIR="$REPO_ROOT/kafka"
POM="$CONF_SRC_DIR/pom.xml"

SELF="${BASH_SOURCE[0]}"
HOME_DIR="${KAFKA_HOME_DIR:-$REPO_ROOT/.kafka}"
LIB_DIR="${KAFKA_LIB_DIR:-$REPO_ROOT/.kafka/lib}"
# The ports a home's broker was started with (written by `start`): status, stop and address
# find it again without KAFKA_PORT being repeated.
PORTS_FILE="$HOME_DIR/ports"
remembered_port() { [[ -f "$PORTS_FILE" ]] && sed -n "s/^$1=\([0-9]*\)$/\1/p" "$PORTS_FILE" | head -n1; }
PORT="${KAFKA_PORT:-$(remembered_port KAFKA_PORT || true)}"
PORT="${PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$(remembered_port KAFKA_CONTROLLER_PORT || true)}"
CONTROLLER_PORT="${CONTROLLER_PORT:-9093}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
PORT_FREE_TIMEOUT="${KAFKA_PORT_FREE_TIMEOUT:-30}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"
# One node of a cluster (set by `cluster`); a lone broker is node 1 of a quorum of one.
NODE_ID="${KAFKA_NODE_ID:-1}"
QUORUM_VOTERS="${KAFKA_QUORUM_VOTERS:-1@127.0.0.1:$CONTROLLER_PORT}"
REPLICATION="${KAFKA_REPLICATION:-1}"
MIN_ISR="${KAFKA_MIN_ISR:-1}"
START_WAIT="${KAFKA_START_WAIT:-1}"

HOST=127.0.0.1
ADDRESS="$HOST:$PORT"
DATA_DIR="$HOME_DIR/data"
LOG_DIR="$HOME_DIR/logs"
PID_FILE="$HOME_DIR/kafka.pid"
CONFIG="$HOME_DIR/server.properties"
PROBE_CONFIG="$HOME_DIR/probe-admin.properties"
OUT_FILE="$LOG_DIR/kafka.out"
SERVER_LOG="$LOG_DIR/server.log"
STAMP_FILE="$LIB_DIR/.stamp"

if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA="java"
fi

log() { echo "kafka.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

need_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (set JAVA_HOME or put Java 17+ on PATH)"
}

# ---------------------------------------------------------------- fetch

# What the lib dir must have been built from: the pinned version + the pom's hash.
kafka_version() {
  sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1
}
wanted_stamp() {
  echo "kafka=$(kafka_version) pom-sha256=$(sha256sum "$POM" | cut -d' ' -f1)"
}
lib_is_current() {
  [[ -f "$STAMP_FILE" ]] && [[ "$(cat "$STAMP_FILE")" == "$(wanted_stamp)" ]] &&
    compgen -G "$LIB_DIR/kafka_2.13-*.jar" >/dev/null
}

cmd_fetch() {
  lib_is_current && return 0
  command -v mvn >/dev/null 2>&1 || die "mvn not found (Maven is needed to fetch the Kafka jars)"
  mkdir -p "$(dirname "$LIB_DIR")"
  # Serialize concurrent fetches (e.g. parallel test brokers).
  exec 9>"$LIB_DIR.lock"
  flock 9
  if lib_is_current; then exec 9>&-; return 0; fi
  log "fetching Kafka $(kafka_version) jars with Maven into $LIB_DIR ..."
  local tmp="$LIB_DIR.tmp.$$" mvn_log
  mvn_log="$(mktemp)"
  rm -rf "$tmp"
  if ! mvn -q -B -f "$POM" dependency:copy-dependencies \
      -DoutputDirectory="$tmp" -DincludeScope=runtime >"$mvn_log" 2>&1; then
    cat "$mvn_log" >&2
    rm -rf "$tmp" "$mvn_log"
    die "Maven could not resolve the Kafka jars (see output above)"
  fi
  rm -f "$mvn_log"
  wanted_stamp >"$tmp/.stamp"
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
  exec 9>&-
  log "jars ready ($(ls "$LIB_DIR"/*.jar | wc -l) files)"
}

# ---------------------------------------------------------------- process helpers

read_pid() { [[ -f "$PID_FILE" ]] && tr -dc '0-9' <"$PID_FILE" || true; }

# True if $1 is a live (non-zombie) broker process started with THIS home's config.
is_our_broker() {
  local pid="$1" state
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [[ "$state" != "Z" ]] || return 1
  # Guard against pid reuse: must be kafka.Kafka with our config file.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $CONFIG" || return 1
}

running_pid() {
  local pid
  pid="$(read_pid)"
  if is_our_broker "$pid"; then echo "$pid"; fi
}

port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

tool_java() {
  # Short-lived CLI JVMs: C1 only and a small heap start noticeably faster.
  "$JAVA" -Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -cp "$LIB_DIR/*" "$@"
}

# ONE real admin request: list topics with short client timeouts.
broker_answers() {
  tool_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$ADDRESS" \
    --command-config "$PROBE_CONFIG" --list >/dev/null 2>&1
}

render_config() {
  mkdir -p "$HOME_DIR" "$DATA_DIR" "$LOG_DIR"
  sed -e "s|@KAFKA_PORT@|$PORT|g" \
      -e "s|@KAFKA_CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
      -e "s|@DATA_DIR@|$DATA_DIR|g" \
      -e "s|@NODE_ID@|$NODE_ID|g" \
      -e "s|@QUORUM_VOTERS@|$QUORUM_VOTERS|g" \
      -e "s|@REPLICATION@|$REPLICATION|g" \
      -e "s|@MIN_ISR@|$MIN_ISR|g" \
      "$CONF_SRC_DIR/server.properties" >"$CONFIG.tmp"
  mv "$CONFIG.tmp" "$CONFIG"
  cat >"$PROBE_CONFIG" <<EOF
request.timeout.ms=5000
default.api.timeout.ms=10000
retry.backoff.ms=200
EOF
}

# Kafka Uuid: 16 random bytes, URL-safe base64 without padding, not starting with '-'.
new_cluster_id() {
  local id
  while :; do
    id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && { echo "$id"; return; }
  done
}

format_storage_if_needed() {
  [[ -f "$DATA_DIR/meta.properties" ]] && return 0
  local cid out
  cid="${KAFKA_CLUSTER_ID:-$(new_cluster_id)}"
  log "formatting KRaft storage in $DATA_DIR (cluster id $cid)"
  if ! out="$(tool_java kafka.tools.StorageTool format --cluster-id "$cid" --config "$CONFIG" 2>&1)"; then
    echo "$out" >&2
    die "formatting the storage failed"
  fi
}

fail_start() {
  log "error: $1"
  log "broker output: $OUT_FILE"
  log "broker log:    $SERVER_LOG"
  if [[ -s "$OUT_FILE" ]]; then log "--- last lines of $OUT_FILE"; tail -n 20 "$OUT_FILE" >&2; fi
  if [[ -s "$SERVER_LOG" ]]; then
    log "--- last ERROR/WARN lines of $SERVER_LOG"
    grep -E '\] (ERROR|WARN) ' "$SERVER_LOG" | tail -n 15 >&2 || true
  fi
  exit 1
}

wait_until_ready() {
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    if ! is_our_broker "$pid"; then
      rm -f "$PID_FILE"
      fail_start "the broker process (pid $pid) exited during startup"
    fi
    if port_open "$PORT" && broker_answers; then
      return 0
    fi
    if ((SECONDS >= deadline)); then
      fail_start "the broker (pid $pid) did not answer on $ADDRESS within ${START_TIMEOUT}s (it is still running; 'scripts/kafka.sh stop' to end it)"
    fi
    sleep 0.5
  done
}

# ---------------------------------------------------------------- commands

cmd_start() {
  need_java
  cmd_fetch
  local pid
  pid="$(running_pid)"
  if [[ -n "$pid" ]]; then
    # Already started (maybe by a concurrent `start` that is still waiting).
    if ! port_open "$PORT"; then wait_until_ready "$pid"; fi
    log "already running (pid $pid)"
    echo "$ADDRESS"
    return 0
  fi
  # A broker of this home that was just killed can hold its ports a while after its main
  # thread is gone (a JVM's other threads are still exiting, more so on a busy machine):
  # wait for them then, but not for a port some other program holds.
  local free_wait=0
  if [[ -f "$PID_FILE" ]]; then
    log "removing stale pid file $PID_FILE"
    rm -f "$PID_FILE"
    free_wait="$PORT_FREE_TIMEOUT"
  fi
  local p waited
  for p in "$PORT" "$CONTROLLER_PORT"; do
    waited=0
    while port_open "$p"; do
      if ((waited >= free_wait)); then
        die "port $HOST:$p is already in use by another process (another broker? set KAFKA_PORT / KAFKA_CONTROLLER_PORT / KAFKA_HOME_DIR)"
      fi
      ((waited == 0)) && log "port $HOST:$p is still held by the broker that stopped; waiting up to ${free_wait}s for it"
      sleep 1
      waited=$((waited + 1))
    done
  done

  render_config
  format_storage_if_needed
  printf 'KAFKA_PORT=%s\nKAFKA_CONTROLLER_PORT=%s\n' "$PORT" "$CONTROLLER_PORT" >"$PORTS_FILE"

  local t0=$SECONDS
  rm -f "$PID_FILE"
  # New session (setsid) so a Ctrl-C / SIGHUP of the caller does not reach the broker.
  # The inner shell writes its own pid and execs java, so the pid file holds the JVM's
  # pid even when setsid has to fork.
  # shellcheck disable=SC2086 # HEAP_OPTS / KAFKA_JVM_OPTS are word lists on purpose
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    "$JAVA" $HEAP_OPTS \
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$CONF_SRC_DIR/log4j2.properties" \
    -Dkafka.logs.dir="$LOG_DIR" \
    ${KAFKA_JVM_OPTS:-} \
    -cp "$LIB_DIR/*" kafka.Kafka "$CONFIG" \
    </dev/null >"$OUT_FILE" 2>&1 &
  local i
  for i in $(seq 1 50); do [[ -s "$PID_FILE" ]] && break; sleep 0.1; done
  pid="$(read_pid)"
  [[ -n "$pid" ]] || fail_start "the broker process did not start"
  if [[ "$START_WAIT" == 0 ]]; then
    log "started broker pid $pid (not waiting: KAFKA_START_WAIT=0)"
    echo "$ADDRESS"
    return 0
  fi
  log "started broker pid $pid, waiting up to ${START_TIMEOUT}s for $ADDRESS ..."
  wait_until_ready "$pid"
  log "ready after $((SECONDS - t0))s (log: $SERVER_LOG)"
  echo "$ADDRESS"
}

cmd_stop() {
  local pid
  pid="$(running_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  log "stopping broker pid $pid ..."
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while is_our_broker "$pid"; do
    if ((SECONDS >= deadline)); then
      log "still alive after ${STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      local i
      for i in $(seq 1 50); do is_our_broker "$pid" || break; sleep 0.1; done
      break
    fi
    sleep 0.2
  done
  is_our_broker "$pid" && die "could not stop pid $pid"
  rm -f "$PID_FILE"
  log "stopped"
}

# Every kafka.Kafka process on this machine started by this script (any home):
# "pid address home" per line.
all_brokers() {
  local dir cmdline config port
  for dir in /proc/[0-9]*; do
    cmdline="$( { tr '\0' ' ' <"$dir/cmdline"; } 2>/dev/null)" || continue
    [[ "$cmdline" == *" kafka.Kafka "* ]] || continue
    config="${cmdline##* kafka.Kafka }"
    config="${config%% *}"
    port="$(sed -n 's|^listeners=PLAINTEXT://[^:]*:\([0-9]*\).*|\1|p' "$config" 2>/dev/null | head -n1)"
    echo "${dir#/proc/} $HOST:${port:-?} $(dirname "$config")"
  done
}

# SIGKILL this home's broker (a crash), after checking the pid is it; returns once it is gone.
# Exit 3 when it is not running.
cmd_kill_node() {
  local pid i
  pid="$(running_pid)"
  [[ -n "$pid" ]] || return 3
  kill -KILL "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do is_our_broker "$pid" || break; sleep 0.1; done
  is_our_broker "$pid" && die "pid $pid did not exit after SIGKILL"
  log "node $NODE_ID (pid $pid) killed"
}

cmd_status() {
  local pid others
  pid="$(running_pid)"
  if [[ -n "$pid" ]]; then
    if port_open "$PORT"; then
      echo "running pid=$pid address=$ADDRESS home=$HOME_DIR"
    else
      echo "running pid=$pid address=$ADDRESS home=$HOME_DIR (not accepting connections yet)"
    fi
    return 0
  fi
  # A node of a cluster names only the other nodes of its cluster (KAFKA_STATUS_SCOPE).
  others="$(all_brokers | awk -v scope="${KAFKA_STATUS_SCOPE:-}" 'index($3, scope) == 1')"
  if [[ -n "$others" ]]; then
    echo "stopped (no broker from $HOME_DIR); other brokers $([[ -n "${KAFKA_STATUS_SCOPE:-}" ]] && echo "of this cluster" || echo "on this machine"):"
    while read -r other_pid other_address other_home; do
      echo "  pid=$other_pid address=$other_address home=$other_home (KAFKA_HOME_DIR=$other_home to manage it)"
    done <<<"$others"
  elif port_open "$PORT"; then
    echo "stopped (no broker from $HOME_DIR; but something else listens on $ADDRESS)"
  else
    echo "stopped"
  fi
  return 3
}

cmd_logs() {
  local n=100 follow=1
  while (($#)); do
    case "$1" in
      -n) n="$2"; shift 2 ;;
      --no-follow) follow=0; shift ;;
      *) die "logs: unknown option $1" ;;
    esac
  done
  [[ -f "$SERVER_LOG" ]] || die "no log yet at $SERVER_LOG"
  if ((follow)); then exec tail -n "$n" -F "$SERVER_LOG"; else tail -n "$n" "$SERVER_LOG"; fi
}

cmd_reset() {
  cmd_stop
  # Only what this script creates: never rm -rf an arbitrary KAFKA_HOME_DIR.
  rm -rf "$DATA_DIR" "$LOG_DIR" "$CONFIG" "$PROBE_CONFIG" "$PID_FILE" "$PORTS_FILE"
  rmdir "$HOME_DIR" 2>/dev/null || true
  log "reset $HOME_DIR (jars kept in $LIB_DIR)"
}

cmd_run() {
  (($#)) || die "run: need a main class or alias"
  local cls="$1"; shift
  case "$cls" in
    topics) cls=org.apache.kafka.tools.TopicCommand ;;
    groups) cls=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
    console-producer) cls=org.apache.kafka.tools.ConsoleProducer ;;
    console-consumer) cls=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
    producer-perf) cls=org.apache.kafka.tools.ProducerPerformance ;;
    consumer-perf) cls=org.apache.kafka.tools.ConsumerPerformance ;;
    api-versions) cls=org.apache.kafka.tools.BrokerApiVersionsCommand ;;
    storage) cls=kafka.tools.StorageTool ;;
  esac
  need_java
  cmd_fetch
  # shellcheck disable=SC2086
  exec "$JAVA" ${KAFKA_TOOL_OPTS:--Xmx512m} -cp "$LIB_DIR/*" "$cls" "$@"
}

cmd_await() {
  local pid
  pid="$(running_pid)"
  [[ -n "$pid" ]] || die "no broker running in $HOME_DIR"
  wait_until_ready "$pid"
  echo "$ADDRESS"
}

# ---------------------------------------------------------------- cluster

CLUSTER_NODES="${KAFKA_NODES:-3}"
CLUSTER_PORT="${KAFKA_CLUSTER_PORT:-19092}"
CLUSTER_HOME="${KAFKA_HOME_DIR:-$REPO_ROOT/.kafka-cluster}"

cluster_voters() {
  local i voters=""
  for ((i = 1; i <= CLUSTER_NODES; i++)); do
    voters+="${voters:+,}$i@$HOST:$((CLUSTER_PORT + 2 * (i - 1) + 1))"
  done
  echo "$voters"
}

cluster_address() {
  local i list=""
  for ((i = 1; i <= CLUSTER_NODES; i++)); do list+="${list:+,}$HOST:$((CLUSTER_PORT + 2 * (i - 1)))"; done
  echo "$list"
}

# Runs this script's single-node command $2 for node $1 of the cluster.
on_node() {
  local i="$1"; shift
  local min_isr=$((CLUSTER_NODES >= 3 ? 2 : 1))
  KAFKA_HOME_DIR="$CLUSTER_HOME/node$i" \
    KAFKA_PORT=$((CLUSTER_PORT + 2 * (i - 1))) \
    KAFKA_CONTROLLER_PORT=$((CLUSTER_PORT + 2 * (i - 1) + 1)) \
    KAFKA_NODE_ID="$i" \
    KAFKA_QUORUM_VOTERS="$(cluster_voters)" \
    KAFKA_REPLICATION="$((CLUSTER_NODES < 3 ? CLUSTER_NODES : 3))" \
    KAFKA_MIN_ISR="$min_isr" \
    KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}" \
    KAFKA_CLUSTER_ID="$CLUSTER_ID" \
    KAFKA_STATUS_SCOPE="$CLUSTER_HOME/" \
    bash "$SELF" "$@"
}

cmd_cluster() {
  local sub="${1:-}" i
  (($#)) && shift
  mkdir -p "$CLUSTER_HOME"
  CLUSTER_ID=""
  if [[ -f "$CLUSTER_HOME/cluster.id" ]]; then CLUSTER_ID="$(cat "$CLUSTER_HOME/cluster.id")"; fi
  case "$sub" in
    start)
      need_java
      cmd_fetch
      if [[ -z "$CLUSTER_ID" ]]; then
        CLUSTER_ID="$(new_cluster_id)"
        echo "$CLUSTER_ID" >"$CLUSTER_HOME/cluster.id"
      fi
      # Every node first (none answers before a quorum of controllers is up), then wait for each.
      for ((i = 1; i <= CLUSTER_NODES; i++)); do KAFKA_START_WAIT=0 on_node "$i" start >/dev/null; done
      for ((i = 1; i <= CLUSTER_NODES; i++)); do on_node "$i" await >/dev/null; done
      log "cluster of $CLUSTER_NODES nodes ready"
      cluster_address
      ;;
    stop)
      # Every node at once; a node that could not be stopped is named and the exit is 1.
      local -a pids=()
      local failed=""
      for ((i = 1; i <= CLUSTER_NODES; i++)); do on_node "$i" stop & pids[i]=$!; done
      for ((i = 1; i <= CLUSTER_NODES; i++)); do wait "${pids[i]}" || failed+="${failed:+, }node $i"; done
      [[ -z "$failed" ]] || die "cluster stop: could not stop $failed (see above)"
      ;;
    status)
      local all=0 line
      for ((i = 1; i <= CLUSTER_NODES; i++)); do
        if line="$(on_node "$i" status)"; then echo "node $i $line"; else echo "node $i $line"; all=3; fi
      done
      return "$all"
      ;;
    kill)
      i="${1:-}"
      [[ "$i" =~ ^[0-9]+$ ]] && ((i >= 1 && i <= CLUSTER_NODES)) || die "cluster kill: expected a node number from 1 to $CLUSTER_NODES"
      on_node "$i" kill-node || die "cluster kill: node $i is not running (nothing killed)"
      ;;
    address) cluster_address ;;
    reset)
      cmd_cluster stop
      for ((i = 1; i <= CLUSTER_NODES; i++)); do on_node "$i" reset; done
      rm -f "$CLUSTER_HOME/cluster.id"
      rmdir "$CLUSTER_HOME" 2>/dev/null || true
      ;;
    *) die "cluster: expected start, stop, status, kill N, address or reset" ;;
  esac
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
}

main() {
  local cmd="${1:-}"
  (($#)) && shift
  case "$cmd" in
    fetch) need_java; cmd_fetch ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    reset) cmd_reset ;;
    run) cmd_run "$@" ;;
    address) echo "$ADDRESS" ;;
    await) cmd_await ;;
    kill-node) cmd_kill_node ;;
    cluster) cmd_cluster "$@" ;;
    -h | --help | help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
