import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  baseConfigSchema,
  deliveryHeaders,
  deliveryId,
  ensureTopics,
  headersToStrings,
  hookrailTopicSpecs,
  publishSubscriptions,
  readToEnd,
  topicNames,
  type Subscription,
  type SubscriptionInput,
  subscriptionSchema,
  type TopicNames,
} from '@hookrail/shared';
import type { Kafka } from 'kafkajs';
import { stringify } from 'yaml';
import { testBrokers } from './kafka.ts';

/** A hookrail installation of its own on the shared test broker: prefix, config file, topics. */
export interface TestInstall {
  prefix: string;
  topics: TopicNames;
  configFile: string;
  env: Record<string, string>;
}

export async function createTestInstall(kafka: Kafka, prefix: string, config: Record<string, unknown> = {}): Promise<TestInstall> {
  const full = { topics: { prefix, partitions: 3 }, ...config };
  const configFile = join(mkdtempSync(join(tmpdir(), 'hookrail-test-')), 'hookrail.yaml');
  writeFileSync(configFile, stringify(full));
  const parsed = baseConfigSchema.parse({ kafka: { brokers: testBrokers() }, ...full });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, hookrailTopicSpecs(parsed), { create: true }).finally(() => admin.disconnect());
  return {
    prefix,
    topics: topicNames(prefix),
    configFile,
    env: { HOOKRAIL_CONFIG: configFile, HOOKRAIL_HTTP_REQUIRE_HTTPS: 'false', HOOKRAIL_HTTP_ALLOW: 'loopback', HOOKRAIL_SHUTDOWN_DEADLINE: '30s' },
  };
}

export const TEST_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

export function testSubscription(input: Partial<SubscriptionInput> & Pick<SubscriptionInput, 'id' | 'url'>): Subscription {
  return subscriptionSchema.parse({
    source: 'test',
    destination: input.id,
    eventTypes: ['*'],
    tier: 3,
    secrets: [TEST_SECRET],
    ...input,
  });
}

export async function applySubscriptions(kafka: Kafka, install: TestInstall, subscriptions: Subscription[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await publishSubscriptions(producer, install.topics.subscriptions, subscriptions).finally(() => producer.disconnect());
}

/** Delivery records as the router would write them, straight to the tier topic. */
export async function produceDeliveries(kafka: Kafka, install: TestInstall, subscription: Subscription, count: number): Promise<string[]> {
  return produceDeliveryRecords(kafka, install, subscription, count, (eventId, i) => ({ body: { id: eventId, type: 'test.event', n: i } }));
}

/** As `produceDeliveries`, each body (and ordering key, for ordered subscriptions) given by `event`. */
export async function produceDeliveryRecords(
  kafka: Kafka,
  install: TestInstall,
  subscription: Subscription,
  count: number,
  event: (eventId: string, index: number) => { body: Record<string, unknown>; orderKey?: string },
): Promise<string[]> {
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const ids: string[] = [];
  const messages = Array.from({ length: count }, (_, i) => {
    const eventId = randomUUID();
    const { body, orderKey } = event(eventId, i);
    const message = deliveryMessage(subscription, eventId, body, orderKey);
    ids.push(message.deliveryId);
    return message;
  });
  for (let i = 0; i < messages.length; i += 500) {
    await producer.send({ topic: install.topics.tier(subscription.tier), acks: -1, messages: messages.slice(i, i + 500) });
  }
  await producer.disconnect();
  return ids;
}

/** One delivery record as the router writes it to the subscription's tier topic. */
export function deliveryMessage(subscription: Subscription, eventId: string, body: Record<string, unknown>, orderKey?: string) {
  const id = deliveryId(eventId, subscription.id);
  const payload = Buffer.from(JSON.stringify(body));
  const headers = deliveryHeaders({
    deliveryId: id,
    eventId,
    eventType: 'test.event',
    subscriptionId: subscription.id,
    tier: subscription.tier,
    attempt: 0,
    source: 'test/0/0',
    eventTime: Date.now(),
    contentType: 'application/json',
    ...(orderKey === undefined ? {} : { orderKey }),
    payload,
  });
  return { deliveryId: id, key: subscription.id, value: payload, headers };
}

/**
 * Deliveries at a steady rate for each subscription until stopped: every 50 ms, the due number
 * of each, their bodies carrying `sentAt` (epoch ms) so receivers can measure end-to-end
 * latency. Sends overlap (a slow send never delays the next tick's records). Returns the
 * delivery ids per subscription.
 */
export async function startPacedDeliveries(kafka: Kafka, install: TestInstall, subscriptions: Subscription[], perSecond: number) {
  const producer = kafka.producer();
  await producer.connect();
  const ids = new Map<string, string[]>(subscriptions.map((s) => [s.id, []]));
  const started = Date.now();
  const sends = new Set<Promise<unknown>>();
  let sent = 0;
  let failure: unknown;
  const tick = () => {
    const due = Math.floor(((Date.now() - started) * perSecond) / 1_000) - sent;
    if (due <= 0) return;
    sent += due;
    const byTopic = new Map<string, Array<ReturnType<typeof deliveryMessage>>>();
    for (const subscription of subscriptions) {
      const topic = install.topics.tier(subscription.tier);
      if (!byTopic.has(topic)) byTopic.set(topic, []);
      for (let i = 0; i < due; i++) {
        const message = deliveryMessage(subscription, randomUUID(), { sentAt: Date.now(), subscription: subscription.id });
        ids.get(subscription.id)!.push(message.deliveryId);
        byTopic.get(topic)!.push(message);
      }
    }
    const send = producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) }).catch((error: unknown) => void (failure ??= error));
    sends.add(send);
    void send.finally(() => sends.delete(send));
  };
  const timer = setInterval(tick, 50);
  return {
    ids,
    async stop() {
      clearInterval(timer);
      await Promise.all(sends);
      await producer.disconnect();
      if (failure) throw failure;
    },
  };
}

export interface ReadRecord {
  partition: number;
  offset: string;
  key: string | undefined;
  value: string;
  headers: Record<string, string>;
}

/** Every committed record of a topic (read_committed), from the beginning to its end now, each
 * once: a batch the reader is handed again (after a leader change, say) is not a duplicate in
 * the log, so records are kept by partition and offset. */
export async function readAll(kafka: Kafka, topic: string): Promise<ReadRecord[]> {
  const records = new Map<string, ReadRecord>();
  await readToEnd({
    kafka,
    topic,
    groupId: `test-reader-${randomUUID()}`,
    onBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        records.set(`${batch.partition}:${message.offset}`, {
          partition: batch.partition,
          offset: message.offset,
          key: message.key?.toString(),
          value: message.value?.toString() ?? '',
          headers: headersToStrings(message.headers),
        });
      }
    },
  });
  return [...records.values()];
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
