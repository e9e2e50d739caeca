import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseConfigSchema, createLogger, H, headerString, MalformedRecord, parkedDeliveryRecord, parkedStateMessage, parseParkedState, parseSubscription, topicNames, type Delivery, type OutgoingRecord } from '@hookrail/shared';
import { attemptDelivery, type AttemptDependencies } from '../attempt.ts';
import { createDispatcher } from '../dispatch/dispatcher.ts';
import type { HttpSender } from '../http/sender.ts';
import { createOrderedDeliveries, type Parking } from './ordered-delivery.ts';
import { createHolds, createParkedCounts } from './parking-rules.ts';

const topics = topicNames('t');
const subscription = parseSubscription({
  id: 'sub',
  source: 's',
  destination: 'd',
  url: 'http://127.0.0.1:1/hook',
  eventTypes: ['*'],
  tier: 2,
  secrets: [`whsec_${Buffer.alloc(32, 1).toString('base64')}`],
  maxInFlight: 8,
  ordered: { key: '$.k' },
});
const TOPIC = topics.tier(2);

/** A lane's ordered path with a scripted receiver: each delivery id answers its statuses in turn. */
function setup(script: Record<string, number[]>, onDeadLetter: 'continue' | 'park' = 'continue', options: { parking?: Parking; read?: Read; clockBehindMs?: number } = {}) {
  const sent: string[] = [];
  const warnings: Array<Record<string, unknown>> = [];
  const sender: HttpSender = {
    async send(request) {
      const id = String(request.headers['webhook-id']);
      sent.push(id);
      return { status: script[id]?.shift() ?? 200, durationMs: 1 };
    },
    async close() {},
  };
  // The clock runs 16 s behind: retries on the 1 s, 4 s and 16 s rungs are due at once.
  const deps: AttemptDependencies = {
    config: baseConfigSchema.parse({ kafka: { brokers: ['127.0.0.1:9092'] } }),
    topics,
    sender,
    userAgent: 'test',
    jitterRatio: 0.1,
    random: () => 0,
    now: () => Date.now() - (options.clockBehindMs ?? 16_000),
  };
  const ordered = createOrderedDeliveries({
    dispatcher: createDispatcher({ limitFor: () => ({ maxInFlight: 8 }) }),
    attempt: (delivery, origin) => attemptDelivery(delivery, subscription, origin, deps),
    topics,
    onAttempt: () => {},
    logger: createLogger('test', 'warn', { write: (line: string) => void warnings.push(JSON.parse(line)) }),
    ...(options.parking ? { parking: options.parking } : {}),
  });
  const controller = new AbortController();
  const { read } = options;
  let offset = 0;
  /** Records of other (unordered) subscriptions read: they take offsets too. */
  const readOthers = (count: number) => {
    offset += count;
    if (read) read.next = offset;
  };
  const handle = (id: string, key: string, options: { replay?: boolean; signal?: AbortSignal } = {}) => {
    const at = offset++;
    if (read) read.next = offset;
    const delivery: Delivery = {
      deliveryId: id,
      eventId: id,
      eventType: 'x',
      subscriptionId: 'sub',
      tier: 2,
      attempt: 0,
      source: 'src/0/0',
      eventTime: 0,
      contentType: 'application/json',
      orderKey: key,
      payload: Buffer.from(JSON.stringify({ k: key })),
    };
    const result = ordered.handle({
      delivery,
      ordered: { key: '$.k', onDeadLetter },
      origin: { topic: TOPIC, partition: 0, offset: String(at) },
      replay: options.replay ?? false,
      signal: options.signal ?? controller.signal,
    });
    return { offset: at, result, commit: () => ordered.committed(TOPIC, 0, [at]) };
  };
  return { sent, handle, readOthers, ordered, controller, warnings };
}

/** How far the lane read the tier partition, as the core tells it. */
interface Read {
  next: number;
  stopped: boolean;
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 20));
const errorOf = (records: OutgoingRecord[]) => headerString(records.find((r) => r.topic === topics.dlq)?.message.headers, H.error);

describe('ordered deliveries in a lane', () => {
  it('retries a failing head in place while other keys are delivered, and keeps its key in order', async () => {
    const { sent, handle } = setup({ a1: [503, 503] });
    const a1 = handle('a1', 'a');
    const a2 = handle('a2', 'a');
    const b1 = handle('b1', 'b');
    (await b1.result, b1.commit());
    const records = await a1.result;
    assert.deepEqual(
      records.map((r) => r.topic),
      [topics.attempts, topics.attempts, topics.attempts],
      'three attempts logged with the outcome; no record for a delay topic',
    );
    assert.equal(JSON.parse(String(records[0]!.message.value)).retryTopic, undefined);
    await settled();
    assert.deepEqual(sent.filter((id) => id.startsWith('a')), ['a1', 'a1', 'a1'], 'a2 waits while a1 is not committed');
    a1.commit();
    await a2.result;
    assert.deepEqual(sent.filter((id) => id.startsWith('a')), ['a1', 'a1', 'a1', 'a2']);
    assert.ok(sent.indexOf('b1') < sent.lastIndexOf('a1'), 'the other key was delivered while a1 was retried');
  });

  it('continues with the next event of a key after its head is dead-lettered, by default', async () => {
    const { sent, handle } = setup({ a1: [400] });
    const a1 = handle('a1', 'a');
    const a2 = handle('a2', 'a');
    assert.equal(errorOf(await a1.result), 'permanent');
    a1.commit();
    assert.equal(errorOf(await a2.result), undefined);
    assert.deepEqual(sent, ['a1', 'a2']);
  });

  it('parks a key after its dead head: the rest and later events are dead-lettered as parked until a replay arrives', async () => {
    const { sent, handle } = setup({ a1: [400] }, 'park');
    const a1 = handle('a1', 'a');
    const a2 = handle('a2', 'a');
    assert.equal(errorOf(await a1.result), 'permanent');
    a1.commit();
    const parked = await a2.result;
    assert.equal(errorOf(parked), 'parked');
    assert.match(headerString(parked.find((r) => r.topic === topics.dlq)!.message.headers, H.errorDetail)!, /a1 before it was dead-lettered; replay .*hookrail dlq replay --subscription sub/);
    assert.equal(errorOf(await handle('a3', 'a').result), 'parked');
    const b1 = handle('b1', 'b');
    assert.equal(errorOf(await b1.result), undefined, 'other keys are not parked');
    const replayed = handle('a2', 'a', { replay: true });
    assert.equal(errorOf(await replayed.result), undefined);
    assert.deepEqual(sent, ['a1', 'b1', 'a2']);
  });

  it('lets the next event start when the head is revoked, and drops revoked waiting events', async () => {
    const { sent, handle } = setup({ a1: [503, 503, 503] });
    const revoked = new AbortController();
    const a1 = handle('a1', 'a', { signal: revoked.signal });
    const a2 = handle('a2', 'a', { signal: revoked.signal });
    const a3 = handle('a3', 'a');
    revoked.abort(new Error('revoked'));
    await assert.rejects(a1.result, /revoked/);
    await assert.rejects(a2.result, /revoked/);
    await a3.result;
    await settled();
    assert.equal(sent.filter((id) => id === 'a2').length, 0);
    assert.equal(sent.at(-1), 'a3');
  });

  it('warns when events pile up behind the head of a key, before the window of its partition fills', async () => {
    const { handle, warnings } = setup({ a0: [503, 503, 503] });
    handle('a0', 'a');
    for (let i = 1; i <= 100; i++) handle(`a${i}`, 'a');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.waiting, 100);
    assert.equal(warnings[0]!.orderKey, 'a');
    assert.match(String(warnings[0]!.msg), /maxWindow/);
  });
});

describe('parking a long-blocked ordered key', () => {
  const PARKED = topics.parked(2);
  const STATE = topics.parkedState(2);
  const parkingFor = (holds = createHolds()) => {
    const counts = createParkedCounts();
    const read: Read = { next: 0, stopped: false };
    const parking: Parking = {
      parkAfter: 3,
      reading: () => ({ ...read }),
      isParkingTopic: (topic) => topic === PARKED,
      isParked: (key) => counts.isParked(key),
      append: (key, delivery) => [parkedDeliveryRecord(PARKED, key, delivery, counts.append(key))],
      holdState: (key) => holds.state(key),
      writeHold: (key, hold) => (holds.write(key, hold), { topic: STATE, message: parkedStateMessage({ kind: 'held', key, hold }) }),
    };
    return { counts, holds, parking, read };
  };
  /** The holds and releases among outcome records, as the state topic's reader parses them. */
  const holdsIn = (records: OutgoingRecord[]) =>
    records
      .filter((r) => r.topic === STATE)
      .flatMap((r) => {
        const state = parseParkedState(String(r.message.key), String(r.message.value));
        return state instanceof MalformedRecord ? [] : [state];
      });
  const parked = (records: OutgoingRecord[]) => records.filter((r) => r.topic === PARKED).map((r) => r.message.headers as Record<string, string>);

  it('moves a retrying head and its followers, in order and with the head\'s retry state, once parkAfter offsets passed it since it failed; later events of the key follow them', async () => {
    const { counts, parking, read } = parkingFor();
    // A real clock: the head's retry is due a second later, and waits for it.
    const { sent, handle } = setup({ a1: [503] }, 'continue', { parking, read, clockBehindMs: 0 });
    const a1 = handle('a1', 'a');
    const a2 = handle('a2', 'a'); // offset 1: read before the head failed, it does not count
    await settled();
    assert.deepEqual(sent, ['a1'], 'the head failed once and waits in place');
    const b1 = handle('b1', 'b');
    const b2 = handle('b2', 'b');
    await settled();
    assert.equal(counts.isParked('sub\na'), false, 'two offsets read past it since it failed');
    const b3 = handle('b3', 'b'); // offset 4: three offsets past offset 1, the newest read when the head failed
    const head = await a1.result;
    assert.equal(head[0]!.topic, topics.attempts, 'its attempt so far is logged with it');
    const [a1Parked] = parked(head);
    assert.equal(a1Parked![H.deliveryId], 'a1');
    assert.equal(a1Parked![H.attempt], '1', 'attempts so far');
    assert.ok(Number(a1Parked![H.notBefore]) > Date.now() - 5_000, 'its next due time');
    assert.equal(a1Parked![H.parkedSeq], '1');
    assert.equal(a1Parked![H.orderKey], 'a', 'its key, which its drained count is recorded under');
    assert.deepEqual(parked(await a2.result).map((h) => [h[H.deliveryId], h[H.parkedSeq]]), [['a2', '2']]);
    const a3 = handle('a3', 'a');
    assert.deepEqual(parked(await a3.result).map((h) => [h[H.deliveryId], h[H.parkedSeq]]), [['a3', '3']], 'a later event of the parked key goes behind them');
    (await b1.result, b1.commit(), await b2.result, b2.commit(), await b3.result);
    assert.deepEqual(sent, ['a1', 'b1', 'b2', 'b3'], 'the other key flowed; nothing of key a was sent again');

    counts.observe('drained', 'sub\na', 3);
    const a4 = handle('a4', 'a');
    assert.deepEqual(parked(await a4.result), [], 'drained: the key is delivered directly again');
    assert.deepEqual(sent, ['a1', 'b1', 'b2', 'b3', 'a4']);
  });

  it('does not park a head that fails once after its lane read far past it (a restarted lane re-reading), and counts from its failure', async () => {
    const { counts, parking, read } = parkingFor();
    const { sent, handle, readOthers, ordered } = setup({ a1: [503] }, 'continue', { parking, read, clockBehindMs: 0 });
    const a1 = handle('a1', 'a');
    // Re-read before the head's answer: its key's next event and ten more records.
    handle('a2', 'a');
    const others = Array.from({ length: 10 }, (_, i) => handle(`b${i}`, 'b'));
    await settled();
    assert.equal(sent[0], 'a1');
    assert.ok(sent.includes('b0'));
    assert.equal(counts.isParked('sub\na'), false, '11 offsets were read past it, before it failed');
    // Records of other subscriptions (they never reach the ordered path) count once committed.
    readOthers(2);
    ordered.committed(TOPIC, 0, [others[0]!.offset]);
    await settled();
    assert.equal(counts.isParked('sub\na'), false, 'two offsets read past it since it failed');
    readOthers(1);
    ordered.committed(TOPIC, 0, [others[1]!.offset]);
    const head = await a1.result;
    assert.deepEqual(parked(head).map((h) => h[H.deliveryId]), ['a1'], 'parkAfter (3) offsets read past it since it failed');
  });

  it('parks a head that failed again while its lane could read nothing since (its window full), though parkAfter offsets were never read past it', async () => {
    const { counts, parking, read } = parkingFor();
    const { sent, handle } = setup({ a1: [503, 503, 503] }, 'continue', { parking, read });
    const a1 = handle('a1', 'a');
    handle('b1', 'b');
    read.stopped = true;
    const head = await a1.result;
    assert.deepEqual(sent.filter((id) => id === 'a1'), ['a1', 'a1'], 'parked at its second failure');
    assert.deepEqual(parked(head).map((h) => h[H.deliveryId]), ['a1']);
    assert.equal(counts.isParked('sub\na'), true);
  });

  it('holds a key parked by a dead head in the state topic, keeps it parked after a restart, and releases it with the replay', async () => {
    const first = parkingFor();
    const before = setup({ a1: [400] }, 'park', { parking: first.parking });
    const a1 = before.handle('a1', 'a');
    const a2 = before.handle('a2', 'a');
    const dead = await a1.result;
    assert.equal(errorOf(dead), 'permanent');
    const [hold] = holdsIn(dead);
    assert.equal(hold?.kind, 'held', 'the hold goes out with the dead letter');
    assert.deepEqual(hold?.kind === 'held' && [hold.key, hold.hold], ['sub\na', { state: 'held', head: 'a1', at: `${TOPIC}:0:0` }]);
    a1.commit();
    assert.equal(errorOf(await a2.result), 'parked');

    // A restart: the memory is gone, the state topic is read back.
    const holds = createHolds();
    if (hold?.kind === 'held') holds.observe(hold.key, hold.hold);
    const after = setup({}, 'park', { parking: parkingFor(holds).parking });
    const a3 = after.handle('a3', 'a');
    const b1 = after.handle('b1', 'b');
    assert.equal(errorOf(await a3.result), 'parked', 'still parked after the restart');
    assert.deepEqual(holdsIn(await a3.result), []);
    assert.equal(errorOf(await b1.result), undefined, 'other keys deliver');

    const replay = after.handle('a1', 'a', { replay: true });
    const replayed = await replay.result;
    assert.deepEqual(holdsIn(replayed).map((h) => h?.kind === 'held' && h.hold.state), ['released'], 'the replay releases it with its outcome');
    assert.equal(errorOf(replayed), undefined);
    replay.commit();
    const a4 = after.handle('a4', 'a');
    assert.equal(errorOf(await a4.result), undefined, 'the release wins over the hold not yet read back');
    assert.deepEqual(after.sent, ['b1', 'a1', 'a4']);
  });

  it('leaves a head that is not retrying where it is', async () => {
    const { parking } = parkingFor();
    const { handle } = setup({}, 'continue', { parking, clockBehindMs: 0 });
    const results = ['a1', 'b1', 'c1', 'd1', 'e1'].map((id) => handle(id, id[0]!));
    for (const { result } of results) assert.deepEqual(parked(await result), []);
  });
});
