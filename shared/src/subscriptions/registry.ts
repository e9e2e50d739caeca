import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { retryTransient, type RetryTransientOptions } from '../kafka/retry-transient.ts';
import type { Logger } from '../logging.ts';
import { disabledId, disableKey, parseDisableState, type DisableState } from '../records/disable.ts';
import { flaggedId, flagKey, parseFlag, type SubscriptionFlag } from '../records/flag.ts';
import { MalformedRecord } from '../records/malformed.ts';
import { withDisableState } from './disable.ts';
import { parseStoredSubscription, SubscriptionError, type Subscription } from './subscription.ts';

/** Every service's live, in-memory view of the compacted subscriptions topic. */
export interface SubscriptionRegistry {
  /** Resolves once everything written before the call has been read. */
  start(): Promise<void>;
  /** The subscription, with its newest flag merged in. */
  get(id: string): Subscription | undefined;
  all(): Subscription[];
  /**
   * Why a subscription cannot be delivered to although its record exists: a secret signing
   * cannot use (the subscription is still in the view, so its events are routed and
   * dead-lettered with this reason), or a record that is not a subscription at all (kept out
   * of the view). Undefined when there is nothing wrong.
   */
  problem(id: string): string | undefined;
  /** Every such problem, by subscription id (for `subscriptions list`). */
  problems(): Array<{ id: string; problem: string }>;
  /** Called after each change (a subscription added, replaced, flagged or deleted). */
  onChange(listener: (id: string, subscription: Subscription | undefined) => void): void;
  stop(): Promise<void>;
}

/** Consumer groups of registry readers start with this; the monitor leaves them out of lag. */
export const REGISTRY_GROUP_PREFIX = 'hookrail-registry-';

export function createSubscriptionRegistry(options: {
  kafka: Kafka;
  topic: string;
  logger: Logger;
  /** Names the reader's throwaway consumer group: `hookrail-registry-<owner>-<uuid>`. */
  owner: string;
  /** Retries of transient broker errors while starting (tests shorten them). */
  retry?: RetryTransientOptions;
  /** How long start() waits to have read the topic to its end (default 120 s). */
  catchUpTimeoutMs?: number;
}): SubscriptionRegistry {
  const { kafka, topic, logger } = options;
  const subscriptions = new Map<string, Subscription>();
  const flags = new Map<string, SubscriptionFlag>();
  const states = new Map<string, DisableState>();
  const problems = new Map<string, string>();
  const listeners: Array<(id: string, subscription: Subscription | undefined) => void> = [];
  // Every reader must see the whole topic, so each gets a group of its own and never commits.
  const consumer = kafka.consumer({
    groupId: `${REGISTRY_GROUP_PREFIX}${options.owner}-${randomUUID()}`,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 500,
  });

  const view = (id: string): Subscription | undefined => {
    const subscription = subscriptions.get(id);
    const flag = flags.get(id);
    if (!subscription) return undefined;
    return withDisableState(flag ? { ...subscription, flagged: flag } : subscription, states.get(id));
  };
  const changed = (id: string) => {
    const subscription = view(id);
    for (const listener of listeners) listener(id, subscription);
  };

  const applyFlag = (id: string, value: Buffer | null) => {
    const flag = value === null ? undefined : parseFlag(value);
    if (flag instanceof MalformedRecord) logger.error({ topic, key: flagKey(id), problem: flag.problem }, 'ignoring a flag record that is not {reason, at}');
    if (flag === undefined || flag instanceof MalformedRecord) flags.delete(id);
    else flags.set(id, flag);
    changed(id);
  };

  const applyState = (id: string, value: Buffer | null) => {
    const state = value === null ? undefined : parseDisableState(value);
    if (state instanceof MalformedRecord) logger.error({ topic, key: disableKey(id), problem: state.problem }, 'ignoring a disable record that is not {disabled, at, by}');
    if (state === undefined || state instanceof MalformedRecord) states.delete(id);
    else states.set(id, state);
    changed(id);
  };

  const apply = (key: string, value: Buffer | null) => {
    const flagged = flaggedId(key);
    if (flagged !== undefined) return applyFlag(flagged, value);
    const switched = disabledId(key);
    if (switched !== undefined) return applyState(switched, value);
    problems.delete(key);
    if (value === null) {
      subscriptions.delete(key);
      return changed(key);
    }
    try {
      const { subscription, unusableSecret } = parseStoredSubscription(JSON.parse(value.toString('utf8')), `subscription ${key}`);
      if (subscription.id !== key) throw new SubscriptionError([`subscription ${key}: its id is "${subscription.id}", not its key`]);
      subscriptions.set(key, subscription);
      if (unusableSecret) {
        problems.set(key, unusableSecret);
        logger.error({ topic, key, detail: unusableSecret }, 'subscription has an unusable signing secret: its deliveries go to the DLQ until it is applied again with a good one');
      }
    } catch (error) {
      // Not a subscription: keep it out of routing, and let the deliverer say why.
      const detail = error instanceof SubscriptionError ? error.problems : [`subscription ${key}: not JSON (${String(error)})`];
      subscriptions.delete(key);
      problems.set(key, `the registry record of subscription ${key} is invalid: ${detail.join('; ')}`);
      logger.error({ topic, key, detail }, 'ignoring an invalid subscription record');
    }
    changed(key);
  };

  const retry = (what: string, step: () => Promise<void>) =>
    retryTransient(what, step, {
      onRetry: (error, attempt, delayMs) =>
        logger.warn({ topic, attempt, delayMs, error: (error as Error).message }, `${what}: transient broker error, retrying`),
      ...options.retry,
    });

  // A missing topic is not transient (KafkaJS would retry it for minutes): say so at once,
  // after one second's grace for a topic created a moment ago.
  const mustExist = async (admin: Admin) => {
    for (let look = 0; !(await admin.listTopics()).includes(topic); look++) {
      if (look >= 1) throw new Error(`the subscriptions topic ${topic} does not exist (create it with "hookrail topics create")`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  };

  const readEnds = async () => {
    let ends: Array<{ partition: number; high: string; low: string }> = [];
    await retry(`reading the end offsets of ${topic}`, async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await mustExist(admin);
        ends = await admin.fetchTopicOffsets(topic);
      } finally {
        await admin.disconnect();
      }
    });
    return ends;
  };

  return {
    async start() {
      const ends = await readEnds();
      // The offsets still to read before the view is complete, per partition.
      const waiting = new Map(
        ends.filter((end) => Number(end.high) > Number(end.low)).map((end) => [end.partition, Number(end.high)]),
      );
      let caughtUp!: () => void;
      let failed!: (error: Error) => void;
      const ready = new Promise<void>((resolve, reject) => ((caughtUp = resolve), (failed = reject)));
      if (waiting.size === 0) caughtUp();

      // Batches of only transaction markers never reach eachBatch; the end-of-batch event
      // fires for those too, so catching up is judged there.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const end = waiting.get(payload.partition);
        if (end !== undefined && Number(payload.lastOffset) >= end - 1) {
          waiting.delete(payload.partition);
          if (waiting.size === 0) caughtUp();
        }
      });
      // KafkaJS restarts the consumer after a retriable error; any other crash ends the read.
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) failed(new Error(`reading the subscriptions registry ${topic} failed: ${payload.error.message}`));
      });
      await retry(`joining the registry reader of ${topic}`, async () => {
        try {
          await consumer.connect();
          await consumer.subscribe({ topic, fromBeginning: true });
          await consumer.run({
            autoCommit: false,
            eachBatch: async ({ batch, resolveOffset }) => {
              for (const message of batch.messages) {
                if (message.key) apply(message.key.toString('utf8'), message.value);
                resolveOffset(message.offset);
              }
            },
          });
        } catch (error) {
          await consumer.disconnect().catch(() => undefined);
          throw error;
        }
      });
      const timeoutMs = options.catchUpTimeoutMs ?? 120_000;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the subscriptions registry ${topic} was not read to its end within ${timeoutMs} ms (is the broker reachable?)`)),
          timeoutMs,
        );
      });
      try {
        await Promise.race([ready, timeout]);
      } catch (error) {
        await consumer.disconnect().catch(() => undefined);
        throw error;
      } finally {
        clearTimeout(timer);
      }
      logger.info({ topic, count: subscriptions.size, problems: problems.size, flagged: flags.size }, 'subscriptions loaded');
    },
    get: view,
    all: () => [...subscriptions.keys()].map((id) => view(id)!),
    problem: (id) => problems.get(id),
    problems: () => [...problems].map(([id, problem]) => ({ id, problem })),
    onChange: (listener) => void listeners.push(listener),
    stop: () => consumer.disconnect(),
  };
}

/** Writes subscriptions (keyed by id) to the registry topic; compaction keeps the newest. */
export async function publishSubscriptions(
  producer: Producer,
  topic: string,
  subscriptions: readonly Subscription[],
): Promise<void> {
  if (subscriptions.length === 0) return;
  await producer.send({
    topic,
    acks: -1,
    messages: subscriptions.map((s) => ({ key: s.id, value: JSON.stringify(s) })),
  });
}

/** Deletes subscriptions: a tombstone per id, and one for its flag and its disable state. */
export async function deleteSubscriptions(producer: Producer, topic: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  // The subscription's flag and disable state go with it: created again later, it starts afresh.
  const keys = ids.flatMap((id) => [id, flagKey(id), disableKey(id)]);
  await producer.send({ topic, acks: -1, messages: keys.map((key) => ({ key, value: null })) });
}
