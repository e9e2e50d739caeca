import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  baseConfigSchema,
  createKafka,
  createLogger,
  deliveryHeaders,
  deliveryId,
  ensureTopics,
  hookrailTopicSpecs,
  MalformedRecord,
  parseAttempt,
  publishSubscriptions,
  subscriptionSchema,
  topicNames,
  type AttemptEntry,
  type Logger,
  type Subscription,
  type SubscriptionInput,
  type Tier,
  type TopicNames,
} from '@hookrail/shared';
import type { Kafka, Message, Producer } from 'kafkajs';
import { stringify } from 'yaml';
import { brokersFromEnv } from '../../scripts/broker.ts';
import { nowMs } from './stats.ts';

let brokerList: string[] | undefined;

/** $KAFKA_BROKERS, else the project's broker (`scripts/kafka.sh start` is idempotent). */
export function brokers(): string[] {
  brokerList ??= brokersFromEnv();
  return brokerList;
}

export const quietLogger: Logger = createLogger('bench', process.env.BENCH_LOG_LEVEL ?? 'silent');

export function benchKafka(clientId = 'hookrail-bench'): Kafka {
  return createKafka({ brokers: brokers(), clientId, connectionTimeoutMs: 3_000, requestTimeoutMs: 30_000, ssl: false }, quietLogger);
}

/** A prefix no one else uses on the shared broker: `bench-<scenario>-<random>`. */
export function uniquePrefix(scenario: string): string {
  return `bench-${scenario}-${randomBytes(3).toString('hex')}`;
}

/**
 * max.message.bytes of the bench's hookrail topics (BENCH_TOPIC_MAX_MESSAGE_BYTES; 0 keeps
 * the broker's 1 MiB). A work-around: the router sends the fan-out of a whole fetched batch
 * (up to 1 MiB of events per partition, ≈2.5× that with delivery headers) as one produce
 * request, and with one subscription it all goes to one partition, so a router that falls
 * behind gets MESSAGE_TOO_LARGE, crashes and crash-loops on the same batch (reported in
 * docs/performance.md with the fix). With 8 MiB the rest of the benchmark can run.
 */
export const TOPIC_MAX_MESSAGE_BYTES = Number(process.env.BENCH_TOPIC_MAX_MESSAGE_BYTES ?? 8 * 1024 * 1024);

export const BENCH_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;

export function benchSubscription(input: Partial<SubscriptionInput> & Pick<SubscriptionInput, 'id' | 'url'>): Subscription {
  return subscriptionSchema.parse({
    source: 'bench',
    destination: input.id,
    eventTypes: ['*'],
    tier: 2,
    secrets: [BENCH_SECRET],
    ...input,
  });
}

/** A hookrail installation of its own on the shared broker: prefix, config file, topics, source topic. */
export interface Install {
  prefix: string;
  topics: TopicNames;
  source: string;
  configFile: string;
  env: Record<string, string>;
  kafka: Kafka;
  /** Deletes every topic and consumer group of the install. */
  cleanup(): Promise<void>;
}

export async function createInstall(
  kafka: Kafka,
  scenario: string,
  options: { partitions?: number; config?: Record<string, unknown>; env?: Record<string, string> } = {},
): Promise<Install> {
  const prefix = uniquePrefix(scenario);
  const partitions = options.partitions ?? 6;
  const full = { topics: { prefix, partitions }, ...options.config };
  const configFile = join(mkdtempSync(join(tmpdir(), 'hookrail-bench-')), 'hookrail.yaml');
  writeFileSync(configFile, stringify(full));
  const parsed = baseConfigSchema.parse({ kafka: { brokers: brokers() }, ...full });
  const source = `${prefix}.source`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    // The work-around of TOPIC_MAX_MESSAGE_BYTES, set when the topics are created.
    const extra: Record<string, string> = TOPIC_MAX_MESSAGE_BYTES ? { 'max.message.bytes': String(TOPIC_MAX_MESSAGE_BYTES) } : {};
    const specs = [...hookrailTopicSpecs(parsed), { name: source, partitions, replicationFactor: 1, configs: {} }].map((spec) => ({ ...spec, configs: { ...spec.configs, ...extra } }));
    await ensureTopics(admin, specs, { create: true });
  } finally {
    await admin.disconnect();
  }
  return {
    prefix,
    topics: topicNames(prefix),
    source,
    configFile,
    kafka,
    env: {
      HOOKRAIL_CONFIG: configFile,
      HOOKRAIL_HTTP_REQUIRE_HTTPS: 'false',
      HOOKRAIL_HTTP_ALLOW: 'loopback',
      HOOKRAIL_ROUTER_SOURCE_TOPICS: source,
      HOOKRAIL_SHUTDOWN_DEADLINE: '20s',
      HOOKRAIL_DELIVERER_DRAIN: '2s',
      ...options.env,
    },
    cleanup: () => deleteByPrefix(kafka, prefix),
  };
}

/** Deletes the topics and consumer groups whose names start with the prefix. */
export async function deleteByPrefix(kafka: Kafka, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((name) => name.startsWith(`${prefix}.`) || name === prefix);
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 }).catch(() => undefined);
    const { groups } = await admin.listGroups();
    const ours = groups.map((g) => g.groupId).filter((id) => id.startsWith(`${prefix}-`) || id.startsWith(`${prefix}.`));
    if (ours.length > 0) await admin.deleteGroups(ours).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

export async function createTopic(kafka: Kafka, name: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [{ name, partitions, replicationFactor: 1, configs: {} }], { create: true });
  } finally {
    await admin.disconnect();
  }
}

export async function applySubscriptions(kafka: Kafka, install: Install, subscriptions: Subscription[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await publishSubscriptions(producer, install.topics.subscriptions, subscriptions).finally(() => producer.disconnect());
}

/** The JSON of one source event; `t` is the (scheduled) send time the receiver measures from. */
export function eventPayload(t: number, n: number, type = 'bench.event'): { id: string; value: string } {
  const id = randomUUID();
  return {
    id,
    value: JSON.stringify({ id, type, time: new Date(Math.floor(t)).toISOString(), t, data: { n, customer: 'c-000123', amount: 4200, currency: 'EUR', note: 'benchmark payload, about 200 bytes' } }),
  };
}

/** Source events, as fast as the producer goes (batches of `batch`, a few in flight). */
export async function produceEvents(
  producer: Producer,
  topic: string,
  count: number,
  options: { batch?: number; concurrency?: number; type?: (n: number) => string } = {},
): Promise<void> {
  const batch = options.batch ?? 500;
  const concurrency = options.concurrency ?? 4;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const from = next;
      const to = Math.min(count, from + batch);
      next = to;
      const messages: Message[] = [];
      for (let n = from; n < to; n++) {
        const event = eventPayload(nowMs(), n, options.type?.(n));
        messages.push({ key: event.id, value: event.value });
      }
      await producer.send({ topic, acks: -1, messages });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Delivery records as the router writes them, straight to a tier topic. */
export function deliveryMessages(subscription: Subscription, from: number, to: number, spread = false, partition?: number): Message[] {
  const messages: Message[] = [];
  for (let n = from; n < to; n++) {
    const t = nowMs();
    const event = eventPayload(t, n);
    const payload = Buffer.from(event.value);
    messages.push({
      // Keyed by subscription id like the router does (one partition per subscription), or
      // by event id to spread a raw workload over every partition.
      key: spread ? event.id : subscription.id,
      ...(partition === undefined ? {} : { partition }),
      value: payload,
      headers: deliveryHeaders({
        deliveryId: deliveryId(event.id, subscription.id),
        eventId: event.id,
        eventType: 'bench.event',
        subscriptionId: subscription.id,
        tier: subscription.tier as Tier,
        attempt: 0,
        source: `bench/0/${n}`,
        eventTime: Math.floor(t),
        contentType: 'application/json',
        payload,
      }),
    });
  }
  return messages;
}

export async function produceDeliveries(
  producer: Producer,
  topic: string,
  subscription: Subscription,
  count: number,
  options: { batch?: number; concurrency?: number; acks?: number; spread?: boolean; partition?: number; onProgress?: (sent: number) => void } = {},
): Promise<void> {
  const batch = options.batch ?? 1_000;
  const concurrency = options.concurrency ?? 4;
  let next = 0;
  let sent = 0;
  const worker = async () => {
    while (next < count) {
      const from = next;
      const to = Math.min(count, from + batch);
      next = to;
      await producer.send({ topic, acks: options.acks ?? -1, messages: deliveryMessages(subscription, from, to, options.spread, options.partition) });
      sent += to - from;
      options.onProgress?.(sent);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Committed records of the attempts topic (read_committed), read until `expect` records were
 * seen, or nothing new came for `idleMs`, or `timeoutMs` passed; bounded in memory and time.
 */
export async function readAttempts(kafka: Kafka, topic: string, options: { expect?: number; idleMs?: number; timeoutMs?: number } = {}): Promise<AttemptEntry[]> {
  const entries: AttemptEntry[] = [];
  const seen = new Set<string>();
  const groupId = `bench-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, sessionTimeout: 10_000, readUncommitted: false });
  let lastNew = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        for (const message of batch.messages) {
          const key = `${batch.partition}:${message.offset}`;
          const entry = seen.has(key) ? undefined : parseAttempt(message.value);
          if (entry && !(entry instanceof MalformedRecord)) {
            seen.add(key);
            entries.push(entry);
            lastNew = Date.now();
          }
          resolveOffset(message.offset);
        }
      },
    });
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    const idleMs = options.idleMs ?? 3_000;
    while (Date.now() < deadline && entries.length < (options.expect ?? Infinity) && (entries.length === 0 || Date.now() - lastNew < idleMs)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await consumer.disconnect();
    // The throwaway group goes too.
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return entries;
}

/**
 * A large backlog of delivery records, fast: @platformatic/kafka's producer (acks=1), as the
 * KafkaJS producer is the slower of the two at building record batches with headers.
 */
export async function produceBacklog(topic: string, subscription: Subscription, count: number, onProgress?: (sent: number) => void): Promise<void> {
  const { Producer: FastProducer } = await import('@platformatic/kafka');
  const producer = new FastProducer({ clientId: 'bench-backlog', bootstrapBrokers: brokers(), acks: 1, retries: 5 });
  let next = 0;
  let sent = 0;
  const worker = async () => {
    while (next < count) {
      const from = next;
      const to = Math.min(count, from + 1_000);
      next = to;
      const messages = deliveryMessages(subscription, from, to).map((m) => ({
        topic,
        key: Buffer.from(String(m.key)),
        value: m.value as Buffer,
        headers: new Map(Object.entries(m.headers ?? {}).map(([k, v]) => [Buffer.from(k), Buffer.from(String(v))])),
      }));
      await producer.send({ messages });
      sent += to - from;
      onProgress?.(sent);
    }
  };
  try {
    await Promise.all(Array.from({ length: 4 }, worker));
  } finally {
    await producer.close();
  }
}
