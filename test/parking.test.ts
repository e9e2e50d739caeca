// Parking a long-blocked ordered key, against the real broker and a real receiver: one key's
// receiver fails far longer than the partition's window lasts, while the other keys of the same
// ordered subscription flow past it (they would stall at deliverer.maxWindow without parking);
// the deliverer is SIGKILLed and restarted while the key is parked; then the receiver recovers
// and the key's events arrive in order, none lost.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { H, type Subscription } from '@hookrail/shared';
import { testKafka, uniquePrefix } from './support/kafka.ts';
import { checkOrder } from './support/order-check.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { startService, type RunningProcess } from './support/services.ts';
import { applySubscriptions, createTestInstall, eventually, produceDeliveryRecords, readAll, testSubscription, type TestInstall } from './support/topics.ts';

const KEYS = 21;
const BLOCKED = 'key-0';
/** Per key in the first batch: 420 events, four times the window below. */
const PER_KEY = 20;
/** More of every key produced while the deliverer is down. */
const LATER_PER_KEY = 3;
const MAX_WINDOW = 100;
const PARK_AFTER = 20;

interface Seen {
  key: string;
  seq: number;
  at: number;
  ok: boolean;
}

describe('parking a long-blocked ordered key', () => {
  let kafka: Kafka;
  let install: TestInstall;
  let receiver: Receiver;
  let subscription: Subscription;
  const deliverers: RunningProcess[] = [];
  const seen: Seen[] = [];
  const acked = new Set<string>();
  let blockedFails = true;

  before(async () => {
    kafka = testKafka();
    // Tier 2 with four retries (1 s, 4 s, 16 s, 64 s): the head fails for over a minute in place.
    install = await createTestInstall(kafka, uniquePrefix('parking'), { tiers: { 2: { retries: 4 } } });
    receiver = await startReceiver((request) => {
      const { k: key, seq } = JSON.parse(request.body.toString()) as { k: string; seq: number };
      const status = key === BLOCKED && blockedFails ? 503 : 200;
      seen.push({ key, seq, at: Date.now(), ok: status === 200 });
      if (status === 200) acked.add(`${key}/${seq}`);
      return { status };
    });
    subscription = testSubscription({ id: 'ordered', url: receiver.url, tier: 2, maxInFlight: 64, ordered: { key: '$.k' } });
    await applySubscriptions(kafka, install, [subscription]);
  });

  after(async () => {
    for (const deliverer of deliverers) await deliverer.stop('SIGKILL');
    await receiver?.close();
  });

  const produce = (from: number, perKey: number) =>
    produceDeliveryRecords(kafka, install, subscription, KEYS * perKey, (id, i) => {
      const body = { id, k: `key-${i % KEYS}`, seq: from + Math.floor(i / KEYS) };
      return { body, orderKey: body.k };
    });

  const startDeliverer = async () => {
    const deliverer = startService('deliverer', {
      ...install.env,
      HOOKRAIL_DELIVERER_TIERS: '2',
      HOOKRAIL_INSTANCE_ID: 'd1',
      HOOKRAIL_DELIVERER_MAX_WINDOW: String(MAX_WINDOW),
      HOOKRAIL_DELIVERER_PARK_AFTER: String(PARK_AFTER),
    });
    deliverers.push(deliverer);
    await deliverer.ready();
    return deliverer;
  };
  const othersAcked = (perKey: number) => [...acked].filter((a) => !a.startsWith(`${BLOCKED}/`) && Number(a.split('/')[1]) < perKey).length;

  it('delivers the other keys while one key is blocked far past the window, keeps the key parked across a SIGKILL, and delivers it in order once it recovers', async () => {
    const startedAt = Date.now();
    await produce(0, PER_KEY);
    const first = await startDeliverer();

    // Without parking the partition would pause at 100 offsets behind the blocked head.
    const others = (KEYS - 1) * PER_KEY;
    await eventually(() => (othersAcked(PER_KEY) === others ? true : undefined), 120_000, 'every other key delivered while key-0 fails');
    const deliveredWhileBlocked = othersAcked(PER_KEY);
    assert.equal(seen.filter((s) => s.key === BLOCKED && s.ok).length, 0, 'key-0 is still blocked');
    // The blocked head and every event behind it wait in the parking topic (once their transactions committed).
    const parked = await eventually(
      async () => {
        const records = (await readAll(kafka, install.topics.parked(2))).filter((r) => r.headers[H.subscriptionId] === subscription.id);
        return records.length === PER_KEY ? records : undefined;
      },
      30_000,
      'key-0 parked',
      500,
    );
    assert.deepEqual(
      parked.map((r) => JSON.parse(r.value).seq),
      Array.from({ length: PER_KEY }, (_, i) => i),
      'in order',
    );

    // The parked head is retried from the parking topic, continuing its ladder (1 s, then 4 s).
    await eventually(() => (seen.filter((s) => s.key === BLOCKED).length >= 3 ? true : undefined), 60_000, 'key-0 retried from the parking topic');

    // Killed while the key is parked; more events of every key meanwhile; restarted.
    assert.equal(await first.stop('SIGKILL'), 'SIGKILL');
    await produce(PER_KEY, LATER_PER_KEY);
    const blockedBeforeRestart = seen.filter((s) => s.key === BLOCKED).length;
    await startDeliverer();
    const allOthers = (KEYS - 1) * (PER_KEY + LATER_PER_KEY);
    await eventually(() => (othersAcked(PER_KEY + LATER_PER_KEY) === allOthers ? true : undefined), 120_000, 'the other keys\' later events delivered');
    assert.equal(seen.filter((s) => s.key === BLOCKED && s.ok).length, 0, 'key-0 is still blocked after the restart');

    blockedFails = false;
    const total = KEYS * (PER_KEY + LATER_PER_KEY);
    const dead = await eventually(
      async () => {
        const letters = (await readAll(kafka, install.topics.dlq)).filter((r) => r.headers[H.subscriptionId] === subscription.id);
        const ended = new Set([...acked, ...letters.map((r) => `${JSON.parse(r.value).k}/${JSON.parse(r.value).seq}`)]);
        return ended.size === total ? new Set(letters.map((r) => `${JSON.parse(r.value).k}/${JSON.parse(r.value).seq}`)) : undefined;
      },
      240_000,
      'every event delivered or dead-lettered',
      500,
    );

    const { violations, duplicates, repeatsPerKey } = checkOrder(seen, Array.from({ length: KEYS }, (_, k) => `key-${k}`), dead);
    const blockedAttempts = seen.filter((s) => s.key === BLOCKED).length;
    console.log(
      [
        `parking: ${total} events on ${KEYS} keys in ${((Date.now() - startedAt) / 1_000).toFixed(1)} s (maxWindow ${MAX_WINDOW}, parkAfter ${PARK_AFTER})`,
        `parking: other keys delivered while ${BLOCKED} was blocked: ${deliveredWhileBlocked} before the kill, ${allOthers} in all; ${PER_KEY} events of ${BLOCKED} parked in order`,
        `parking: ${acked.size} delivered, ${dead.size} dead-lettered, ${total - new Set([...acked, ...dead]).size} lost; ${blockedAttempts} requests for ${BLOCKED}`,
        `parking: order violations ${violations}; requests of ${BLOCKED} before the restart ${blockedBeforeRestart}, after ${blockedAttempts - blockedBeforeRestart}; duplicates ${duplicates} on ${repeatsPerKey.size} keys, at most ${Math.max(0, ...repeatsPerKey.values())} on one key`,
      ].join('\n'),
    );
    assert.equal(violations, 0, 'no event of a key is delivered before an earlier one ended');
    assert.equal(new Set([...acked, ...dead]).size, total, 'nothing lost');
    assert.ok(Math.max(0, ...repeatsPerKey.values()) <= 1, 'a kill redoes at most the one delivery a key had in flight');
    assert.ok(deliveredWhileBlocked > MAX_WINDOW, 'more events of other keys delivered past the blocked head than the window holds');
    const parkedInAll = (await readAll(kafka, install.topics.parked(2))).filter((r) => r.headers[H.subscriptionId] === subscription.id);
    assert.equal(parkedInAll.length, PER_KEY + LATER_PER_KEY, 'the restarted deliverer knew key-0 was parked: its later events went behind the parked ones');
    const blockedDelivered = seen.filter((s) => s.key === BLOCKED && s.ok).map((s) => s.seq);
    assert.deepEqual([...new Set(blockedDelivered)], Array.from({ length: PER_KEY + LATER_PER_KEY }, (_, i) => i).filter((seq) => !dead.has(`${BLOCKED}/${seq}`)), 'the blocked key in order');

    // Drained: the key's next event is delivered directly again, not parked.
    const last = PER_KEY + LATER_PER_KEY;
    await produceDeliveryRecords(kafka, install, subscription, 1, (id) => ({ body: { id, k: BLOCKED, seq: last }, orderKey: BLOCKED }));
    await eventually(() => (acked.has(`${BLOCKED}/${last}`) ? true : undefined), 60_000, 'key-0\'s next event delivered');
    const parkedAfterDrain = (await readAll(kafka, install.topics.parked(2))).filter((r) => r.headers[H.subscriptionId] === subscription.id);
    assert.equal(parkedAfterDrain.length, PER_KEY + LATER_PER_KEY, 'the drained key is no longer parked');
  });
});

// A restart must not park keys that merely fail once: the restarted lane re-reads what it had
// already passed (from the committed offset up), and a head that fails once right after has
// not been blocking for parkAfter offsets (issue 19, item 6).
describe('parking after a restart', () => {
  const RESTART_KEYS = 40;
  const RESTART_PER_KEY = 45;
  /** The default deliverer.parkAfter: the restarted lane re-reads more than this. */
  const DEFAULT_PARK_AFTER = 1_000;
  let kafka: Kafka;
  let install: TestInstall;
  let receiver: Receiver;
  let subscription: Subscription;
  const deliverers: RunningProcess[] = [];
  const acked = new Set<string>();
  const seen: Seen[] = [];
  /** After the restart, every key's first request is answered 503 (its head retries in place once). */
  let restarted = false;
  const failedOnce = new Set<string>();

  before(async () => {
    kafka = testKafka();
    install = await createTestInstall(kafka, uniquePrefix('parkrestart'), { tiers: { 2: { retries: 3 } } });
    receiver = await startReceiver((request) => {
      const { k: key, seq } = JSON.parse(request.body.toString()) as { k: string; seq: number };
      let status = 200;
      if (restarted && !failedOnce.has(key)) {
        failedOnce.add(key);
        status = 503;
      }
      seen.push({ key, seq, at: Date.now(), ok: status === 200 });
      if (status === 200) acked.add(`${key}/${seq}`);
      return { status };
    });
    subscription = testSubscription({ id: 'ordered', url: receiver.url, tier: 2, maxInFlight: 64, ordered: { key: '$.k' } });
    await applySubscriptions(kafka, install, [subscription]);
  });

  after(async () => {
    for (const deliverer of deliverers) await deliverer.stop('SIGKILL');
    await receiver?.close();
  });

  const startDeliverer = async () => {
    const deliverer = startService('deliverer', { ...install.env, HOOKRAIL_DELIVERER_TIERS: '2', HOOKRAIL_INSTANCE_ID: 'r1' });
    deliverers.push(deliverer);
    await deliverer.ready();
    return deliverer;
  };

  /** The group's committed offset and the log's end, for the subscription's one partition. */
  const offsets = async () => {
    const topic = install.topics.tier(2);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const partition = (await readAll(kafka, topic))[0]!.partition;
      const [committed] = await admin.fetchOffsets({ groupId: `${install.prefix}-deliverer-tier2`, topics: [topic] });
      const ends = await admin.fetchTopicOffsets(topic);
      return {
        committed: Number(committed!.partitions.find((p) => p.partition === partition)!.offset),
        end: Number(ends.find((p) => p.partition === partition)!.high),
      };
    } finally {
      await admin.disconnect();
    }
  };

  it('parks no key when the heads a restarted lane re-reads fail once each', async () => {
    const startedAt = Date.now();
    const total = RESTART_KEYS * RESTART_PER_KEY;
    await produceDeliveryRecords(kafka, install, subscription, total, (id, i) => {
      const body = { id, k: `key-${i % RESTART_KEYS}`, seq: Math.floor(i / RESTART_KEYS) };
      return { body, orderKey: body.k };
    });
    const first = await startDeliverer();
    await eventually(() => (acked.size >= 150 ? true : undefined), 60_000, '150 events delivered');
    assert.equal(await first.stop('SIGKILL'), 'SIGKILL');
    const atKill = await offsets();
    const deliveredAtKill = acked.size;
    assert.ok(atKill.end - atKill.committed > DEFAULT_PARK_AFTER, `the restarted lane re-reads more than parkAfter offsets (${atKill.committed} to ${atKill.end})`);

    restarted = true;
    const second = await startDeliverer();
    // 40 quick 503s open the endpoint's breaker: its cool-down is part of the wait.
    await eventually(() => (acked.size === total ? true : undefined), 240_000, 'every event delivered').catch((error: unknown) => {
      const missing = new Map<string, number[]>();
      for (let i = 0; i < total; i++) {
        const key = `key-${i % RESTART_KEYS}`;
        const seq = Math.floor(i / RESTART_KEYS);
        if (!acked.has(`${key}/${seq}`)) missing.set(key, [...(missing.get(key) ?? []), seq]);
      }
      const warnings = second.logs.filter((l) => l.level === 'warn' || l.level === 'error').slice(-15).map((l) => JSON.stringify(l));
      throw new Error(`${String(error)} (${acked.size} of ${total} delivered; missing ${JSON.stringify([...missing])})\n${warnings.join('\n')}`);
    });
    const finishedAt = Date.now();

    const parked = (await readAll(kafka, install.topics.parked(2))).filter((r) => r.headers[H.subscriptionId] === subscription.id);
    const parkedKeys = new Set(parked.map((r) => r.headers[H.orderKey]));
    const parkWarnings = second.logs.filter((l) => String(l.msg).startsWith('ordered key parked')).length;
    const breakerOpened = second.logs.filter((l) => String(l.msg).startsWith('circuit breaker opened')).length;
    const { violations, duplicates } = checkOrder(seen, Array.from({ length: RESTART_KEYS }, (_, k) => `key-${k}`), new Set());
    console.log(
      [
        `parking after a restart: ${total} events on ${RESTART_KEYS} keys in ${((finishedAt - startedAt) / 1_000).toFixed(1)} s; killed at ${deliveredAtKill} delivered, ` +
          `committed offset ${atKill.committed}, log end ${atKill.end} (${atKill.end - atKill.committed} offsets re-read from the commit, parkAfter ${DEFAULT_PARK_AFTER})`,
        `parking after a restart: ${failedOnce.size} heads answered 503 once after the restart; keys parked ${parkedKeys.size} (${parked.length} parked records, ${parkWarnings} park warnings)`,
        `parking after a restart: order violations ${violations}, duplicates ${duplicates}; the endpoint's breaker opened ${breakerOpened} times`,
      ].join('\n'),
    );
    assert.equal(failedOnce.size, RESTART_KEYS, 'every key\'s head failed once after the restart');
    assert.equal(violations, 0, 'in order per key');
    assert.equal(parkedKeys.size, 0, 'no key parked for one 503 after a restart');
  });
});
