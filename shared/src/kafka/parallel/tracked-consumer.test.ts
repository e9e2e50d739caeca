import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import fc from 'fast-check';
import pino from 'pino';
import { FakeBroker, FakeConsumer, type Step } from '../../../test/fake-port.ts';
import type { ConsumedRecord, OutgoingRecord } from '../port.ts';
import { decodeDoneOffsets } from './partition-tracker.ts';
import type { TransactionReport } from './commit-loop.ts';
import { startTrackedConsumer, type TrackedConsumer } from './tracked-consumer.ts';

const GROUP = 'g';
const TOPIC = 'in';
const logger = pino({ level: 'silent' });

interface Pending {
  resolve: (records: OutgoingRecord[]) => void;
  reject: (error: unknown) => void;
  record: ConsumedRecord;
}

/** The core on the fake port, with a handler the test finishes record by record. */
async function harness(options: { windowOf?: (topic: string) => number | undefined; callTimeoutMs?: number; handoverMs?: number; maxWindow?: number; maxBuffered?: number; leaseMs?: number; stallMs?: number; now?: () => number } = {}) {
  const broker = new FakeBroker();
  const consumer = new FakeConsumer();
  const pending = new Map<string, Pending>();
  const handled: string[] = [];
  const fatal: unknown[] = [];
  const transactions: TransactionReport[] = [];
  const id = (partition: number, offset: number) => `${partition}:${offset}`;
  const tracked = await startTrackedConsumer({
    consumer,
    producer: broker.producer(),
    offsets: broker.offsetsPort(),
    groupId: GROUP,
    topics: [TOPIC],
    logger,
    maxBuffered: options.maxBuffered ?? 1_000,
    maxWindow: options.maxWindow ?? 1_000,
    ...(options.windowOf ? { windowOf: options.windowOf } : {}),
    commitIntervalMs: 1,
    maxRecordBytes: 10_000,
    membershipLeaseMs: options.leaseMs ?? 60_000,
    handoverMs: options.handoverMs ?? 0,
    ...(options.callTimeoutMs ? { kafkaCallTimeoutMs: options.callTimeoutMs } : {}),
    stallTimeoutMs: options.stallMs ?? 60_000,
    ...(options.now ? { now: options.now } : {}),
    onFatal: (error) => fatal.push(error),
    onTransaction: (transaction) => transactions.push(transaction),
    handler: {
      handle: (record, signal) =>
        new Promise<OutgoingRecord[]>((resolve, reject) => {
          handled.push(id(record.partition, record.offset));
          pending.set(id(record.partition, record.offset), { resolve, reject, record });
          signal.addEventListener('abort', () => pending.delete(id(record.partition, record.offset)), { once: true });
        }),
      failed: (record) => [{ topic: 'dlq', message: { key: id(record.partition, record.offset), value: 'failed' } }],
      quarantine: (record, info) => ({ topic: 'quarantine', message: { key: record.message.key ?? null, value: info.reason } }),
    },
  });
  /** Finishes records (all pending by default) with one outcome record keyed partition:offset. */
  const finish = (ids: string[] = [...pending.keys()], value = (key: string) => `out ${key}`) => {
    for (const key of ids) {
      const entry = pending.get(key);
      if (!entry) continue;
      pending.delete(key);
      entry.resolve([{ topic: 'out', message: { key, value: value(key) } }]);
    }
  };
  const committed = (partition: number) => broker.committedOffset(GROUP, TOPIC, partition)?.offset ?? -1;
  const outcomes = () => {
    const counts = new Map<string, number>();
    for (const record of broker.committedRecords) {
      const key = String(record.message.key);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  };
  return { broker, consumer, tracked, pending, handled, fatal, transactions, finish, committed, outcomes, id };
}

/** Polls a condition (the commit loop runs on timers); fails the test after a generous bound. */
async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Every offset below the committed one (and each finished one above it) has exactly one outcome, and no other offset has one. */
function assertExactlyOnce(h: Awaited<ReturnType<typeof harness>>, partitions: number[], upTo: number) {
  const counts = h.outcomes();
  for (const partition of partitions) {
    const entry = h.broker.committedOffset(GROUP, TOPIC, partition);
    const done = decodeDoneOffsets(entry?.offset ?? 0, entry?.metadata);
    for (let offset = 0; offset < upTo; offset++) {
      const key = `${partition}:${offset}`;
      const isDone = offset < (entry?.offset ?? 0) || done.has(offset);
      const seen = counts.get(key) ?? 0;
      if (isDone) assert.equal(seen, 1, `${key} is committed, so its outcome must be there exactly once (seen ${seen})`);
      else assert.equal(seen, 0, `${key} is not committed, so its outcome must not be there (seen ${seen})`);
    }
  }
}

const running: TrackedConsumer[] = [];
afterEach(async () => {
  for (const tracked of running.splice(0)) await tracked.stop();
});
const track = async (options?: Parameters<typeof harness>[0]) => {
  const h = await harness(options);
  running.push(h.tracked);
  h.consumer.assign({ memberId: 'm1', partitions: [{ topic: TOPIC, partition: 0 }, { topic: TOPIC, partition: 1 }] });
  return h;
};

describe('tracked consumer on the Kafka port', () => {
  it('commits each outcome once, with the lowest unfinished offset, whatever the finishing order', async () => {
    const h = await track();
    await h.consumer.deliver(TOPIC, 0, [0, 1, 2, 3, 4]);
    h.finish(['0:3', '0:1', '0:4']);
    await until(() => h.broker.committedOffset(GROUP, TOPIC, 0)?.metadata !== undefined, 'a commit');
    assert.equal(h.committed(0), 0, 'offset 0 is unfinished, so the commit stays at 0');
    assert.deepEqual([...decodeDoneOffsets(0, h.broker.committedOffset(GROUP, TOPIC, 0)!.metadata)].sort(), [1, 3, 4]);
    h.finish();
    await until(() => h.committed(0) === 5, 'offset 5');
    assertExactlyOnce(h, [0], 5);
  });

  for (const step of ['begin', 'send', 'sendOffsets'] as const) {
    it(`a transaction failing at ${step} is aborted and its outcomes committed later, once`, async () => {
      const h = await track();
      h.broker.failNext({ step });
      await h.consumer.deliver(TOPIC, 0, [0, 1, 2]);
      h.finish();
      await until(() => h.committed(0) === 3, 'offset 3');
      assertExactlyOnce(h, [0], 3);
      assert.equal(h.fatal.length, 0);
    });
  }

  it('reports every transaction, with its records and whether it committed (the services\' transaction metrics)', async () => {
    const h = await track();
    h.broker.failNext({ step: 'send' });
    await h.consumer.deliver(TOPIC, 0, [0, 1, 2]);
    h.finish();
    await until(() => h.committed(0) === 3, 'offset 3');
    const failed = h.transactions.filter((t) => t.outcome === 'failed');
    const committed = h.transactions.filter((t) => t.outcome === 'committed');
    assert.equal(failed.length, 1, 'the transaction whose send failed');
    assert.equal(committed.reduce((sum, t) => sum + t.records, 0), 3, 'the three outcomes, committed once');
    assert.ok(h.transactions.every((t) => t.durationMs >= 0));
  });

  it('a failed abort after a failed send leaves nothing committed past an unproduced outcome', async () => {
    const h = await track();
    h.broker.failNext({ step: 'send' });
    h.broker.failNext({ step: 'abort' });
    await h.consumer.deliver(TOPIC, 0, [0, 1, 2]);
    h.finish();
    await until(() => h.committed(0) === 3, 'offset 3');
    assertExactlyOnce(h, [0], 3);
  });

  it('a commit that landed and then reported failure is settled from the committed offsets, not redone', async () => {
    const h = await track();
    h.broker.failNext({ step: 'commit', landed: true });
    await h.consumer.deliver(TOPIC, 0, [0, 1, 2]);
    h.finish();
    await until(() => h.committed(0) === 3, 'offset 3');
    await h.consumer.deliver(TOPIC, 0, [3]);
    h.finish();
    await until(() => h.committed(0) === 4, 'offset 4');
    assertExactlyOnce(h, [0], 4);
  });

  it('a commit that failed without landing is redone once the producer is reset', async () => {
    const h = await track();
    h.broker.failNext({ step: 'commit' });
    h.broker.failNext({ step: 'reset' });
    await h.consumer.deliver(TOPIC, 0, [0, 1, 2]);
    h.finish();
    await until(() => h.committed(0) === 3, 'offset 3');
    assertExactlyOnce(h, [0], 3);
  });

  it('a commit call that never answers counts as failed and is settled, not waited on for ever', async () => {
    const h = await track({ callTimeoutMs: 50 });
    h.broker.failNext({ step: 'commit', hang: true });
    await h.consumer.deliver(TOPIC, 0, [0, 1]);
    h.finish();
    await until(() => h.committed(0) === 2, 'offset 2');
    assertExactlyOnce(h, [0], 2);
  });

  it('a fenced producer is fatal: another instance owns the transactional id', async () => {
    const h = await track();
    h.broker.failNext({ step: 'begin', kind: 'fenced' });
    await h.consumer.deliver(TOPIC, 0, [0]);
    h.finish();
    await until(() => h.fatal.length === 1, 'the fatal error');
  });

  it('a record the broker refuses is quarantined; the others of its transaction commit', async () => {
    const h = await track();
    h.broker.maxValueBytes = 100;
    await h.consumer.deliver(TOPIC, 0, [0, 1, 2, 3]);
    await h.consumer.deliver(TOPIC, 1, [0, 1]);
    h.finish(undefined, (key) => (key === '0:2' ? 'x'.repeat(500) : `out ${key}`));
    await until(() => h.committed(0) === 4 && h.committed(1) === 2, 'both partitions committed');
    const quarantined = h.broker.committedRecords.filter((r) => r.topic === 'quarantine');
    assert.equal(quarantined.length, 1);
    assert.match(String(quarantined[0]!.message.value), /refused a record of \d+ bytes/);
    assert.equal(h.outcomes().get('0:2'), 1, 'the quarantine record takes the place of the refused one');
    assert.equal(h.fatal.length, 0, 'no exit');
  });

  it('an outcome record over the size limit is quarantined before it is sent', async () => {
    const h = await track();
    await h.consumer.deliver(TOPIC, 0, [0, 1]);
    h.finish(undefined, (key) => (key === '0:0' ? 'x'.repeat(20_000) : `out ${key}`));
    await until(() => h.committed(0) === 2, 'offset 2');
    const quarantined = h.broker.committedRecords.filter((r) => r.topic === 'quarantine');
    assert.equal(quarantined.length, 1);
    assert.match(String(quarantined[0]!.message.value), /exceeds the 10000-byte limit/);
    assert.equal(h.broker.rejections, 0, 'never sent, never refused');
  });

  it('an exception in the handler becomes its failed() outcome, not an exit', async () => {
    const h = await track();
    await h.consumer.deliver(TOPIC, 0, [0, 1]);
    h.pending.get('0:0')!.reject(new Error('boom'));
    h.finish(['0:1']);
    await until(() => h.committed(0) === 2, 'offset 2');
    assert.deepEqual(
      h.broker.committedRecords.map((r) => r.topic).sort(),
      ['dlq', 'out'],
    );
    assert.equal(h.fatal.length, 0);
  });

  it('a revoked partition: in-flight outcomes are dropped, never committed, and its pause is cleared', async () => {
    const h = await track({ maxWindow: 4 });
    await h.consumer.deliver(TOPIC, 0, [0, 1, 2, 3, 4, 5]);
    assert.ok(h.consumer.paused.has(`${TOPIC}:0`), 'the window paused the partition');
    h.finish(['0:0']);
    await until(() => h.committed(0) === 1, 'offset 1');
    h.consumer.doubt();
    h.consumer.assign({ memberId: 'm1', partitions: [{ topic: TOPIC, partition: 1 }] });
    assert.ok(!h.consumer.paused.has(`${TOPIC}:0`), 'the pause went with the partition');
    assert.equal(h.pending.size, 0, 'its handlers were aborted');
    assert.equal(h.tracked.buffered, 0, 'nothing of it is kept');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(h.committed(0), 1, 'nothing committed after the revocation');
    assertExactlyOnce(h, [0], 6);
  });

  it('a topic given a smaller window pauses its partitions at that window, and resumes them once half of it is committed', async () => {
    const h = await track({ maxWindow: 100, windowOf: (topic) => (topic === TOPIC ? 4 : undefined) });
    await h.consumer.deliver(TOPIC, 0, [0, 1, 2, 3, 4, 5]);
    assert.ok(h.consumer.paused.has(`${TOPIC}:0`), 'paused at 4 offsets, not 100');
    assert.deepEqual(h.handled, ['0:0', '0:1', '0:2', '0:3']);
    h.finish();
    await until(() => h.committed(0) === 4, 'offset 4');
    await until(() => !h.consumer.paused.has(`${TOPIC}:0`), 'resumed');
  });

  it('tells how far a partition was read and whether reading it stopped on its window or a full buffer', async () => {
    const h = await track({ maxWindow: 4 });
    assert.equal(h.tracked.reading(TOPIC, 0), undefined, 'not held yet');
    await h.consumer.deliver(TOPIC, 0, [0, 1, 2]);
    assert.deepEqual(h.tracked.reading(TOPIC, 0), { next: 3, stopped: false });
    await h.consumer.deliver(TOPIC, 0, [3, 4, 5]);
    assert.deepEqual(h.tracked.reading(TOPIC, 0), { next: 4, stopped: true }, 'paused on its window before offset 4');
    h.finish();
    await until(() => h.tracked.reading(TOPIC, 0)?.stopped === false, 'resumed once the window is committed');

    const full = await track({ maxBuffered: 2 });
    await full.consumer.deliver(TOPIC, 1, [0, 1]);
    assert.deepEqual(full.tracked.reading(TOPIC, 1), { next: 2, stopped: true }, 'the buffer is full');
  });

  it('a partition reassigned to a new member id restarts from the committed offset and skips finished ones', async () => {
    const h = await track();
    await h.consumer.deliver(TOPIC, 0, [0, 1, 2, 3]);
    h.finish(['0:0', '0:1', '0:3']);
    await until(() => h.committed(0) === 2, 'offset 2');
    h.consumer.doubt();
    h.consumer.assign({ memberId: 'm1-new', partitions: [{ topic: TOPIC, partition: 0 }] });
    h.handled.length = 0;
    await h.consumer.deliver(TOPIC, 0, [2, 3, 4]);
    assert.deepEqual(h.handled, ['0:2', '0:4'], 'offset 3 was finished and committed in the metadata');
    h.finish();
    await until(() => h.committed(0) === 5, 'offset 5');
    assertExactlyOnce(h, [0], 5);
  });

  it('reads a partition new to this member only after the handover pause, so a previous owner\'s last commit counts', async () => {
    const h = await track({ handoverMs: 150 });
    // The previous owner's commit lands while this member waits out the handover.
    setTimeout(() => h.broker.offsets.set(`${GROUP}/${TOPIC}/0`, { offset: 2, metadata: '' }), 50);
    await h.consumer.deliver(TOPIC, 0, [0, 1, 2, 3]);
    assert.deepEqual(h.handled, ['0:2', '0:3'], 'offsets 0 and 1 were the previous owner\'s');
    h.finish();
    await until(() => h.committed(0) === 4, 'offset 4');
  });

  it('reads offsets for a new assignment only once its own earlier commits are complete (a coordinator failed over mid-commit)', async () => {
    const h = await track();
    h.broker.lateMarkers = true;
    await h.consumer.deliver(TOPIC, 0, [0, 1, 2]);
    h.finish();
    await until(() => h.broker.transactions.committed === 1, 'the commit call');
    assert.equal(h.committed(0), -1, 'its markers are not written yet');
    h.consumer.doubt('consumer crashed');
    h.consumer.assign({ memberId: 'm1-after-restart', partitions: [{ topic: TOPIC, partition: 0 }] });
    h.handled.length = 0;
    // The new coordinator finishes the transaction on its own, later than any fixed pause.
    setTimeout(() => h.broker.completePending(), 300);
    await h.consumer.deliver(TOPIC, 0, [0, 1, 2, 3]);
    assert.ok(h.broker.unstableReads > 0, 'the offsets were read while unstable, and asked again');
    assert.deepEqual(h.handled, ['0:3'], 'offsets 0–2 were committed, not redone');
    h.broker.lateMarkers = false;
    h.finish();
    await until(() => h.committed(0) === 4, 'offset 4');
    assertExactlyOnce(h, [0], 4);
  });

  it("a new owner starts only from stable offsets: a previous owner's committed transaction whose markers come late is not redone", async () => {
    const h = await harness();
    running.push(h.tracked);
    // The previous owner (another transactional id) committed offsets 0–2 with their outcomes;
    // its coordinator failed over before writing the markers.
    h.broker.lateMarkers = true;
    const previous = await h.broker.producer().begin();
    await previous.send([0, 1, 2].map((offset) => ({ topic: 'out', message: { key: `0:${offset}`, value: 'by the previous owner' } })));
    await previous.sendOffsets(GROUP, [{ topic: TOPIC, partition: 0, offset: 3, metadata: '' }]);
    await previous.commit();
    h.broker.lateMarkers = false;
    h.consumer.assign({ memberId: 'm2', partitions: [{ topic: TOPIC, partition: 0 }] });
    setTimeout(() => h.broker.completePending(), 300);
    await h.consumer.deliver(TOPIC, 0, [0, 1, 2, 3, 4]);
    assert.ok(h.broker.unstableReads > 0, 'it asked while the commit was pending');
    assert.deepEqual(h.handled, ['0:3', '0:4'], "the previous owner's offsets are not redone");
    h.finish();
    await until(() => h.committed(0) === 5, 'offset 5');
    assertExactlyOnce(h, [0], 5);
  });

  it('an ambiguous commit whose markers come late is settled as landed, not redone', async () => {
    const h = await track();
    h.broker.lateMarkers = true;
    h.broker.failNext({ step: 'commit', landed: true });
    await h.consumer.deliver(TOPIC, 0, [0, 1, 2]);
    h.finish();
    // The reset (InitProducerId) completes the pending transaction; the stable read sees it.
    await until(() => h.committed(0) === 3, 'offset 3, settled as landed');
    assert.equal(h.broker.transactions.committed, 1, 'not committed a second time');
    h.broker.lateMarkers = false;
    await h.consumer.deliver(TOPIC, 0, [3]);
    h.finish();
    await until(() => h.committed(0) === 4, 'offset 4');
    assertExactlyOnce(h, [0], 4);
  });

  it('the same member keeping a partition across a rebalance keeps its work in hand', async () => {
    const h = await track();
    await h.consumer.deliver(TOPIC, 0, [0, 1]);
    h.consumer.doubt();
    h.consumer.assign({ memberId: 'm1', partitions: [{ topic: TOPIC, partition: 0 }] });
    assert.equal(h.pending.size, 2, 'still in hand');
    h.finish();
    await until(() => h.committed(0) === 2, 'offset 2');
    assertExactlyOnce(h, [0], 2);
  });

  it('commits nothing while membership is in doubt, and resumes once the group settles', async () => {
    const h = await track();
    await h.consumer.deliver(TOPIC, 0, [0, 1]);
    h.consumer.doubt();
    h.finish();
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(h.committed(0), -1);
    h.consumer.assign({ memberId: 'm1', partitions: [{ topic: TOPIC, partition: 0 }] });
    await until(() => h.committed(0) === 2, 'offset 2');
  });

  it('commits nothing once no heartbeat was accepted within the lease', async () => {
    let clock = 1_000;
    const h = await track({ leaseMs: 100, now: () => clock });
    await h.consumer.deliver(TOPIC, 0, [0]);
    clock += 500;
    h.finish();
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(h.committed(0), -1, 'the lease lapsed');
    h.consumer.heartbeat();
    await until(() => h.committed(0) === 1, 'offset 1 after a heartbeat');
  });

  it('a member that makes no progress is declared stuck', async () => {
    let clock = 0;
    const h = await track({ stallMs: 40, now: () => clock });
    clock = 1_000;
    await until(() => h.fatal.length === 1, 'the stall', 15_000);
    assert.match(String((h.fatal[0] as Error).message), /made no progress/);
  });

  it('stopping stays in the group until the last commit, then leaves', async () => {
    const h = await harness();
    h.consumer.assign({ memberId: 'm1', partitions: [{ topic: TOPIC, partition: 0 }] });
    await h.consumer.deliver(TOPIC, 0, [0, 1]);
    await h.tracked.stop(async () => {
      assert.ok(h.consumer.pausedAll && !h.consumer.stopped, 'paused, still a member, while draining');
      h.finish();
    });
    assert.equal(h.committed(0), 2);
    assert.ok(h.consumer.stopped);
  });

  it('under random faults, rebalances and finishing orders, every outcome is committed exactly once', async () => {
    const steps: Step[] = ['begin', 'send', 'sendOffsets', 'commit', 'abort'];
    const action = fc.oneof(
      fc.record({ type: fc.constant('deliver' as const), partition: fc.integer({ min: 0, max: 1 }), count: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ type: fc.constant('finish' as const), pick: fc.integer({ min: 0, max: 100 }) }),
      fc.record({ type: fc.constant('fault' as const), step: fc.constantFrom(...steps), landed: fc.boolean() }),
      fc.record({ type: fc.constant('rebalance' as const), keep: fc.boolean(), newMember: fc.boolean() }),
    );
    await fc.assert(
      // At most three faults a run: more in a row only lengthen the commit loop's backoff.
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 40 }).filter((list) => list.filter((a) => a.type === 'fault').length <= 3), async (actions) => {
        const h = await harness();
        try {
          let member = 0;
          const next = [0, 0];
          const assignAll = () => {
            h.consumer.assign({ memberId: `m${member}`, partitions: [0, 1].map((partition) => ({ topic: TOPIC, partition })) });
            // After a new assignment the consumer fetches again from the committed offsets.
            for (const p of [0, 1]) next[p] = Math.max(0, h.committed(p));
          };
          assignAll();
          for (const a of actions) {
            if (a.type === 'deliver') {
              const offsets = Array.from({ length: a.count }, (_, i) => next[a.partition]! + i);
              next[a.partition]! += a.count;
              await h.consumer.deliver(TOPIC, a.partition, offsets);
            } else if (a.type === 'finish') {
              const keys = [...h.pending.keys()];
              if (keys.length > 0) h.finish([keys[a.pick % keys.length]!]);
            } else if (a.type === 'fault') {
              h.broker.failNext({ step: a.step, ...(a.step === 'commit' ? { landed: a.landed } : {}) });
            } else {
              h.consumer.doubt();
              if (a.newMember) member++;
              if (a.keep) assignAll();
              else {
                h.consumer.assign({ memberId: `m${member}`, partitions: [] });
                assignAll();
              }
            }
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
          // Settle: everything up to the highest delivered offset gets fetched again and finished.
          const end = Math.max(...next);
          for (let round = 0; round < 50 && [0, 1].some((p) => Math.max(0, h.committed(p)) < end); round++) {
            for (const p of [0, 1]) {
              const from = Math.max(0, h.committed(p));
              if (from < end) await h.consumer.deliver(TOPIC, p, Array.from({ length: end - from }, (_, i) => from + i));
            }
            h.finish();
            await until(() => h.pending.size === 0, 'handlers');
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          await until(() => [0, 1].every((p) => Math.max(0, h.committed(p)) >= end), 'every partition committed to the end', 15_000);
          assertExactlyOnce(h, [0, 1], end);
          assert.equal(h.fatal.length, 0);
        } finally {
          await h.tracked.stop();
        }
      }),
      { numRuns: 30, interruptAfterTimeLimit: 120_000, markInterruptAsFailure: false },
    );
  });
});
