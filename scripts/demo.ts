// `npm run demo`: a working hookrail on this machine. Starts the broker, creates the topics,
// applies two subscriptions, starts the router, deliverer and monitor as their own
// processes, two receivers (one healthy, one flaky) and an event producer, and shows what
// happens live: delivered, retried, dead-lettered. Ctrl-C stops everything cleanly.
//   DEMO_SECONDS=60 npm run demo      stops by itself after a minute
//   DEMO_RATE=20 npm run demo         events per second (default 10)
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  baseConfigSchema,
  createKafka,
  createLogger,
  ensureTopics,
  hookrailTopicSpecs,
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
const brokers = execFileSync('bash', [join(root, 'scripts/kafka.sh'), 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  .trim()
  .split('\n')
  .at(-1)!;
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
await publishSubscriptions(producer, topics.subscriptions, parseSubscriptionsYaml(subscriptionsYaml));

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
say(`services: router :8081, deliverer :8082, monitor :8083 (/healthz /readyz /metrics; monitor /status); logs in .demo/logs/`);
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
const outcomes = new Map<string, { delivered: number; retry: number; dead: number }>();
// Not under the demo prefix, and never committing: the monitor lists only hookrail groups.
const watcher = kafka.consumer({ groupId: `demo-viewer-${randomUUID()}`, maxWaitTimeInMs: 200 });
await watcher.connect();
await watcher.subscribe({ topic: topics.attempts, fromBeginning: false });
await watcher.run({
  autoCommit: false,
  eachMessage: async ({ message }) => {
    const entry = JSON.parse(message.value!.toString()) as { subscriptionId: string; outcome: 'delivered' | 'retry' | 'dead-letter' };
    const counts = outcomes.get(entry.subscriptionId) ?? { delivered: 0, retry: 0, dead: 0 };
    if (entry.outcome === 'delivered') counts.delivered++;
    else if (entry.outcome === 'retry') counts.retry++;
    else counts.dead++;
    outcomes.set(entry.subscriptionId, counts);
  },
});

let sent = 0;
const types = ['order.created', 'order.paid', 'customer.updated'];
const producing = setInterval(() => {
  const messages = Array.from({ length: rate }, () => {
    const id = randomUUID();
    return { key: id, value: JSON.stringify({ id, type: types[sent++ % types.length], time: new Date().toISOString(), data: { amount: 42 } }) };
  });
  void producer.send({ topic: sourceTopic, messages });
}, 1_000);

const started = Date.now();
const draw = () => {
  const lines = [
    `hookrail demo — ${Math.round((Date.now() - started) / 1_000)} s — ${sent} events produced to ${sourceTopic} (Ctrl-C to stop)`,
    '',
    'subscription   tier  receiver         delivered   retried   dead-lettered',
    ...[['warehouse', 1, 'healthy'], ['partner-crm', 2, 'flaky 30%/5%']].map(([id, tier, kind]) => {
      const c = outcomes.get(String(id)) ?? { delivered: 0, retry: 0, dead: 0 };
      return `${String(id).padEnd(15)}${String(tier).padEnd(6)}${String(kind).padEnd(17)}${String(c.delivered).padStart(9)}${String(c.retry).padStart(10)}${String(c.dead).padStart(16)}`;
    }),
    '',
    `receivers: healthy ${healthyCounts.ok} ok; flaky ${flakyCounts.ok} ok / ${flakyCounts.failed} failed`,
    `try: npm run hookrail -- --prefix ${prefix} --brokers ${brokers} dlq inspect`,
  ];
  if (process.stdout.isTTY) process.stdout.write(`\x1b[2J\x1b[H${lines.join('\n')}\n`);
  else say(lines[0] + ' | ' + lines.slice(3, 5).join(' | '));
};
const drawing = setInterval(draw, process.stdout.isTTY ? 1_000 : 5_000);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(producing);
  clearInterval(drawing);
  draw();
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
