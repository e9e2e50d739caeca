# One image for every hookrail process: router, deliverer, monitor and the CLI.
#
#   docker build -t hookrail .
#   docker run hookrail                                   # the router (default CMD)
#   docker run hookrail services/deliverer/src/main.ts    # the deliverer
#   docker run hookrail services/monitor/src/main.ts      # the monitor
#   docker run hookrail cli/src/main.ts topics create     # the CLI
#
# There is no build step: Node 24 runs the .ts sources directly (type stripping), so the
# image holds the sources plus production dependencies. See docs/deployment.md.
#
# Without a registry (air-gapped, CI): scripts/images.sh builds a Node 24 base from Debian and
# the npm registry; pass it with --build-arg NODE_IMAGE=localhost/hookrail/node:…-bookworm-slim.
# With podman, build with --format docker: the OCI format drops HEALTHCHECK.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- deps: production node_modules only ---------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# Every workspace's package.json (npm ci refuses a lockfile whose workspaces are missing),
# then the lockfile install. This layer is rebuilt only when a manifest changes.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY services/router/package.json services/router/
COPY services/deliverer/package.json services/deliverer/
COPY services/monitor/package.json services/monitor/
COPY cli/package.json cli/
COPY test/package.json test/
COPY bench/package.json bench/
# --omit=dev: the root devDependencies (the npm `node` package, typescript, @types/node,
# standardwebhooks for tests) are for local work; the base image already is Node 24.
# --ignore-scripts: no dependency needs an install script at run time. Then the project's
# patches/ (KafkaJS's producer fix, see README "Libraries") are applied as `npm ci` does
# locally through the root postinstall; --error-on-fail stops the build if one does not apply.
COPY patches/ patches/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npx --yes patch-package@8.0.1 --error-on-fail \
 && grep -q "hookrail patch" node_modules/kafkajs/src/producer/sendMessages.js

# ---- runtime ------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="hookrail" \
      org.opencontainers.image.description="Reliable webhook delivery on Apache Kafka" \
      org.opencontainers.image.licenses="Apache-2.0"
# NODE_OPTIONS reaches every node process in the container (services, CLI, healthcheck):
# the services' timers may compute a negative delay on a late tick, which Node clamps to 1 ms
# and warns about on every occurrence; the npm scripts pass the same flag. The V8 heap is
# bounded (old space 128 MiB, semi-spaces 8 MiB): V8's defaults size it from the machine's
# memory, not the container's, and the services then grow into garbage they never collect;
# bounded, each stays under 256 MiB RSS with a 1 M-record backlog (docs/performance.md).
ENV NODE_ENV=production \
    NODE_OPTIONS="--disable-warning=TimeoutNegativeWarning --max-old-space-size=128 --max-semi-space-size=8" \
    HOOKRAIL_OPS_PORT=8080
WORKDIR /app

# node_modules (root and nested, e.g. shared/node_modules), the workspace symlinks
# (node_modules/@hookrail/* -> ../../<workspace>) and every package.json ("type": "module").
COPY --from=deps /app ./
# The sources. Files stay owned by root: the service user can read but not modify them.
# .dockerignore keeps tests (*.test.ts), bench, scripts and local state out of the context.
COPY tsconfig.json ./
COPY shared/src/ shared/src/
COPY services/router/src/ services/router/src/
COPY services/deliverer/src/ services/deliverer/src/
COPY services/monitor/src/ services/monitor/src/
COPY cli/src/ cli/src/

# The image's unprivileged user (uid 1000).
USER node

# The ops port: /healthz, /readyz, /metrics (and the monitor's /status).
EXPOSE 8080

# Liveness: the process serves /healthz. slim has no curl; node's fetch does the job. The
# port follows HOOKRAIL_OPS_PORT if it is overridden (the ops server must listen on
# 127.0.0.1 too, which the default HOOKRAIL_OPS_HOST=0.0.0.0 does).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HOOKRAIL_OPS_PORT || '8080') + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Every service stops on SIGTERM within HOOKRAIL_SHUTDOWN_DEADLINE (default 30s): it stops
# fetching, finishes or hands back in-flight work, commits and exits 0. node as PID 1 handles
# it (the services install the handler); `init: true` in compose adds tini in front anyway.
STOPSIGNAL SIGTERM

# The same image runs any process: pass the main file (and the CLI's arguments) as the command.
ENTRYPOINT ["node"]
CMD ["services/router/src/main.ts"]
