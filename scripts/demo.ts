// `npm run demo`: a working hookrail on this machine. Starts the broker, creates the topics,
// applies two subscriptions, starts the router, deliverer and monitor as their own
// processes, two receivers (one healthy, one flaky) and an event producer, and shows what
// happens live, in events per subscription: delivered, retrying, dead-lettered, pending.
// Ctrl-C stops everything cleanly.
//   DEMO_SECONDS=60 npm run demo      stops by itself after a minute
//   DEMO_RATE=20 npm run demo         events per second (default 10)
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from './broker.ts';
import { createTally, tallyTable } from './demo/tally.ts';
import {
  baseConfigSchema,
  createKafka,
  createLogger,
  ensureTopics,
  hookrailTopicSpecs,
  MalformedRecord,
  matchSubscriptions,
  parseAttempt,
  parseSubscriptionsYaml,
  publishSubscriptions,
  topicNames,
} from '@hookrail/shared';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const demoDir = join(root, '.demo');
const seconds = Number(process.env.DEMO_SECONDS ?? 0);
const rate = Number(process.env.DEMO_RATE ?? 10);
const prefix = 'hookrail-demo';
const sourceTopic = 'demo.events';
mkdirSync(join(demoDir, 'logs'), { recursive: true });

const say = (text: string) => process.stdout.write(`${text}\n`);

// 1. The broker.
say('starting Kafka (scripts/kafka.sh start) …');
const brokers = startBroker({}, { quiet: false });
const logger = createLogger('demo', 'error');
const config = baseConfigSchema.parse({ kafka: { brokers: [brokers] }, topics: { prefix, partitions: 3 }, tiers: { 2: { retries: 3 } } });
const kafka = createKafka(config.kafka, logger, 'hookrail-demo');
const topics = topicNames(prefix);

// 2. Two receivers on loopback: one healthy, one flaky (30 % 503, 5 % 400 for good).
interface Counts { requests: number; ok: number; failed: number }
const startReceiver = async (answer: () => number, counts: Counts): Promise<{ server: Server; url: string }> => {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      counts.requests++;
      const status = answer();
      if (status < 300) counts.ok++;
      else counts.failed++;
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks` };
};
const healthyCounts: Counts = { requests: 0, ok: 0, failed: 0 };
const flakyCounts: Counts = { requests: 0, ok: 0, failed: 0 };
const healthy = await startReceiver(() => 200, healthyCounts);
const flaky = await startReceiver(() => {
  const roll = Math.random();
  return roll < 0.05 ? 400 : roll < 0.35 ? 503 : 200;
}, flakyCounts);

// 3. Topics and subscriptions (written to .demo/subscriptions.yaml as an example file).
const admin = kafka.admin();
await admin.connect();
await ensureTopics(admin, [...hookrailTopicSpecs(config), { name: sourceTopic, partitions: 3, replicationFactor: 1, configs: {} }], { create: true });
await admin.disconnect();
const secret = `whsec_${Buffer.from(randomUUID() + randomUUID()).subarray(0, 32).toString('base64')}`;
const subscriptionsYaml = `subscriptions:
  - id: warehouse
    source: shop
    destination: data-warehouse
    url: ${healthy.url}
    eventTypes: ["*"]
    tier: 1
    secrets: ["${secret}"]
  - id: partner-crm
    source: shop
    destination: partner-crm
    url: ${flaky.url}
    eventTypes: ["order.*"]
    tier: 2
    secrets: ["${secret}"]
`;
writeFileSync(join(demoDir, 'subscriptions.yaml'), subscriptionsYaml);
const producer = kafka.producer({ idempotent: true });
await producer.connect();
const subscriptions = parseSubscriptionsYaml(subscriptionsYaml);
await publishSubscriptions(producer, topics.subscriptions, subscriptions);

// 4. The services, each its own process, logs in .demo/logs/.
const env = {
  ...process.env,
  HOOKRAIL_KAFKA_BROKERS: brokers,
  HOOKRAIL_TOPIC_PREFIX: prefix,
  HOOKRAIL_TOPIC_PARTITIONS: '3',
  HOOKRAIL_HTTP_REQUIRE_HTTPS: 'false',
  HOOKRAIL_HTTP_ALLOW: 'loopback',
  HOOKRAIL_ROUTER_SOURCE_TOPICS: sourceTopic,
  HOOKRAIL_INSTANCE_ID: 'demo',
  HOOKRAIL_OPS_HOST: '127.0.0.1',
};
const configFile = join(demoDir, 'hookrail.yaml');
writeFileSync(configFile, 'tiers:\n  2:\n    retries: 3\n');
const services: Array<{ name: string; child: ChildProcess; port: number }> = [];
for (const [index, name] of (['router', 'deliverer', 'monitor'] as const).entries()) {
  const port = 8081 + index;
  const log = openSync(join(demoDir, 'logs', `${name}.log`), 'a');
  const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', join(root, `services/${name}/src/main.ts`)], {
    env: { ...env, HOOKRAIL_OPS_PORT: String(port), HOOKRAIL_CONFIG: configFile },
    stdio: ['ignore', log, log],
  });
  services.push({ name, child, port });
}
const statusPage = `http://127.0.0.1:${services[2]!.port}/`;
say(`services: router :8081, deliverer :8082, monitor :8083 (/healthz /readyz /metrics); logs in .demo/logs/`);
say(`status page: ${statusPage}`);
for (const service of services) {
  for (let i = 0; ; i++) {
    const ready = await fetch(`http://127.0.0.1:${service.port}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (service.child.exitCode !== null) throw new Error(`${service.name} exited; see .demo/logs/${service.name}.log`);
    if (i > 300) throw new Error(`${service.name} not ready after 60 s; see .demo/logs/${service.name}.log`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// 5. Watch the delivery log; produce events at the chosen rate.
const tally = createTally();
// Not under the demo prefix, and never committing: the monitor lists only hookrail groups.
const watcher = kafka.consumer({ groupId: `demo-viewer-${randomUUID()}`, maxWaitTimeInMs: 200 });
await watcher.connect();
await watcher.subscribe({ topic: topics.attempts, fromBeginning: false });
await watcher.run({
  autoCommit: false,
  eachMessage: async ({ message }) => {
    const entry = parseAttempt(message.value);
    if (!(entry instanceof MalformedRecord)) tally.record(entry);
  },
});

let sent = 0;
/** Events sent per subscription: what the router fans out to it. */
const expected = new Map<string, number>();
const types = ['order.created', 'order.paid', 'customer.updated'];
const producing = setInterval(() => {
  const messages = Array.from({ length: rate }, () => {
    const id = randomUUID();
    const type = types[sent++ % types.length]!;
    for (const s of matchSubscriptions(subscriptions, { type, topic: sourceTopic })) expected.set(s.id, (expected.get(s.id) ?? 0) + 1);
    return { key: id, value: JSON.stringify({ id, type, time: new Date().toISOString(), data: { amount: 42 } }) };
  });
  void producer.send({ topic: sourceTopic, messages });
}, 1_000);

const started = Date.now();
const rows = () =>
  tallyTable(
    [['warehouse', 1, 'healthy'], ['partner-crm', 2, 'flaky 30%/5%']].map(([id, tier, receiver]) => ({
      id: String(id),
      tier: Number(tier),
      receiver: String(receiver),
      counts: tally.counts(String(id), expected.get(String(id)) ?? 0),
    })),
  );
let headerPrinted = false;
const draw = () => {
  const elapsed = `${Math.round((Date.now() - started) / 1_000)} s`;
  if (process.stdout.isTTY) {
    const lines = [
      `hookrail demo — ${elapsed} — ${sent} events produced to ${sourceTopic} (Ctrl-C to stop)`,
      '',
      'events per subscription:',
      ...rows(),
      '',
      `receivers: healthy ${healthyCounts.ok} ok; flaky ${flakyCounts.ok} ok / ${flakyCounts.failed} failed`,
      `status page: ${statusPage}`,
      `try: npm run hookrail -- --prefix ${prefix} --brokers ${brokers} dlq inspect`,
    ];
    process.stdout.write(`\x1b[2J\x1b[H${lines.join('\n')}\n`);
    return;
  }
  // Piped: the header row once, then a block of rows per tick, each prefixed with the time.
  const [header, ...body] = rows();
  if (!headerPrinted) say(`${'time'.padEnd(8)}${'sent'.padStart(7)}  ${header}`);
  headerPrinted = true;
  for (const row of body) say(`${elapsed.padEnd(8)}${String(sent).padStart(7)}  ${row}`);
};
const drawing = setInterval(draw, process.stdout.isTTY ? 1_000 : 5_000);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(producing);
  clearInterval(drawing);
  draw();
  say(`status page: ${statusPage}`);
  say('\nstopping: SIGTERM to the services …');
  for (const service of services) service.child.kill('SIGTERM');
  const codes = await Promise.all(services.map((s) => new Promise<number | null>((resolve) => (s.child.exitCode !== null ? resolve(s.child.exitCode) : s.child.once('exit', resolve)))));
  say(`services exited with ${services.map((s, i) => `${s.name}=${codes[i]}`).join(', ')}; Kafka keeps running (npm run kafka -- stop)`);
  await watcher.disconnect();
  await producer.disconnect();
  healthy.server.close();
  flaky.server.close();
  process.exit(codes.every((code) => code === 0) ? 0 : 1);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
if (seconds > 0) setTimeout(() => void stop(), seconds * 1_000);
