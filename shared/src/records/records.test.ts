// Every record that crosses a process boundary: encode, then parse, gives back what was
// encoded (property tests over generated records), and a record that is not one parses to a
// MalformedRecord saying why.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { attemptMessage, BREAKER_STATE_CODE, parseAttempt, type AttemptLogEntry } from './attempt.ts';
import { parseProgress, progressKey, progressMessage, type BackfillProgress } from './backfill-progress.ts';
import { encodeBreakerRecord, parseBreakerRecord, type BreakerRecord } from './breaker-state.ts';
import {
  DEAD_LETTER_ERROR_CLASSES,
  deadLetterOfRecord,
  deadLetterRecord,
  parseDeadLetter,
  type DeadLetterCause,
  type Origin,
} from './dead-letter.ts';
import { deliveryHeaders, deliveryRecord, parseDelivery, parseDeliveryMarks, type Delivery, type DeliveryMarks } from './delivery.ts';
import { disableRecord, parseDisableState, type DisableState } from './disable.ts';
import { flagRecord, parseFlag } from './flag.ts';
import { H, type RecordHeaders } from './headers.ts';
import { invalidEventRecord, parseInvalid } from './invalid.ts';
import { MalformedRecord } from './malformed.ts';
import { parkedDeliveryRecord, parkedKey, parkedPlace, parkedStateMessage, parseParkedState, splitParkedKey, type ParkedState } from './parked-state.ts';
import { parseQuarantine, QUARANTINE_VALUE_BYTES, quarantineRecord } from './quarantine.ts';

/** Headers as a consumer hands them back: bytes. */
const asRead = (headers: Record<string, string | Buffer | undefined> | RecordHeaders): RecordHeaders =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, typeof value === 'string' ? Buffer.from(value) : value]));

/** fc.record with plain objects (deepStrictEqual compares prototypes). */
const record: typeof fc.record = ((model: never, constraints: object = {}) => fc.record(model, { noNullPrototype: true, ...constraints } as never)) as never;
const text = fc.string({ maxLength: 40 });
const word = fc.string({ minLength: 1, maxLength: 40 });
const id = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
const epoch = fc.integer({ min: 0, max: 4_102_444_800_000 });
const tier = fc.constantFrom(1 as const, 2 as const, 3 as const);
const origin: fc.Arbitrary<Origin> = record({ topic: word, partition: fc.nat(1_000), offset: fc.nat().map(String) });

const delivery: fc.Arbitrary<Delivery> = record(
  {
    deliveryId: word,
    eventId: word,
    eventType: word,
    subscriptionId: id,
    tier,
    attempt: fc.nat(100),
    firstAttemptAt: epoch,
    notBefore: epoch,
    rung: fc.nat(7),
    source: text,
    eventTime: epoch,
    contentType: text,
    traceparent: text,
    orderKey: text,
    enabledAt: epoch,
    heldSince: epoch,
    spilled: fc.nat(100),
    payload: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  },
  { requiredKeys: ['deliveryId', 'eventId', 'eventType', 'subscriptionId', 'tier', 'attempt', 'source', 'eventTime', 'contentType', 'payload'] },
);

const malformed = (value: unknown, problem: RegExp) => {
  assert.ok(value instanceof MalformedRecord, `expected a MalformedRecord, got ${JSON.stringify(value)}`);
  assert.match(value.problem, problem);
};

describe('delivery records', () => {
  it('round-trip through headers, marks beside them', () => {
    const marks: fc.Arbitrary<DeliveryMarks> = record({ replayOf: text, parkedSeq: fc.nat(), backfill: text }, { requiredKeys: [] });
    fc.assert(
      fc.property(delivery, marks, (d, m) => {
        const { message } = deliveryRecord('t', d, m);
        assert.equal(message.key, d.subscriptionId);
        assert.deepEqual(parseDelivery(asRead(message.headers), message.value), d);
        assert.deepEqual(parseDeliveryMarks(asRead(message.headers)), m);
      }),
    );
  });

  it('are malformed without an id header, a payload or a known tier', () => {
    fc.assert(
      fc.property(delivery, fc.constantFrom(H.deliveryId, H.eventId, H.eventType, H.subscriptionId, H.tier), (d, name) => {
        const headers = deliveryHeaders(d);
        delete headers[name];
        malformed(parseDelivery(headers, d.payload), new RegExp(`missing header ${name}`));
      }),
    );
    fc.assert(fc.property(delivery, (d) => malformed(parseDelivery(deliveryHeaders(d), null), /no payload/)));
    fc.assert(fc.property(delivery, (d) => malformed(parseDelivery({ ...deliveryHeaders(d), [H.tier]: '4' }, d.payload), /bad hookrail-tier "4"/)));
  });
});

describe('attempt log entries', () => {
  const entry: fc.Arbitrary<AttemptLogEntry> = record(
    {
      deliveryId: word,
      eventId: text,
      eventType: text,
      subscriptionId: id,
      destination: text,
      tier,
      attempt: fc.nat(100),
      outcome: fc.constantFrom('delivered' as const, 'retry' as const, 'dead-letter' as const),
      http: fc.boolean(),
      status: fc.integer({ min: 100, max: 599 }),
      errorClass: text,
      reason: text,
      durationMs: fc.nat(60_000),
      attemptedAt: epoch,
      eventTime: epoch,
      firstAttemptAt: epoch,
      retryTopic: text,
      notBefore: epoch,
      origin,
      breaker: record({ destination: text, state: fc.constantFrom(...(Object.keys(BREAKER_STATE_CODE) as Array<keyof typeof BREAKER_STATE_CODE>)), limit: fc.nat(256) }),
    },
    { requiredKeys: ['deliveryId', 'eventId', 'eventType', 'subscriptionId', 'tier', 'attempt', 'outcome', 'http', 'durationMs', 'attemptedAt', 'eventTime', 'firstAttemptAt', 'origin'] },
  );

  it('round-trip through JSON, keyed by subscription', () => {
    fc.assert(
      fc.property(entry, (e) => {
        const message = attemptMessage(e);
        assert.equal(message.key, e.subscriptionId);
        assert.deepEqual(parseAttempt(Buffer.from(message.value)), e);
      }),
    );
  });

  it('read an older, shorter entry with defaults', () => {
    const old = { deliveryId: 'd', subscriptionId: 's', tier: 2, attempt: 1, outcome: 'retry', attemptedAt: 5 };
    assert.deepEqual(parseAttempt(JSON.stringify(old)), { ...old, http: true, durationMs: 0, eventTime: 0, firstAttemptAt: 5 });
  });

  it('are malformed when not JSON, or without ids, a known tier, attempt or outcome', () => {
    const good = { deliveryId: 'd', subscriptionId: 's', tier: 2, attempt: 1, outcome: 'retry', attemptedAt: 5 };
    malformed(parseAttempt('not json'), /not JSON/);
    malformed(parseAttempt(null), /no value/);
    malformed(parseAttempt('[1]'), /not a JSON object/);
    malformed(parseAttempt(JSON.stringify({ ...good, deliveryId: 3 })), /deliveryId/);
    malformed(parseAttempt(JSON.stringify({ ...good, tier: 7 })), /bad tier 7/);
    malformed(parseAttempt(JSON.stringify({ ...good, attempt: 'one' })), /attempt/);
    malformed(parseAttempt(JSON.stringify({ ...good, outcome: 'maybe' })), /bad outcome "maybe"/);
  });
});

describe('dead letters', () => {
  const cause: fc.Arbitrary<DeadLetterCause> = record(
    { error: fc.constantFrom(...DEAD_LETTER_ERROR_CLASSES), detail: fc.string({ maxLength: 1_000 }), origin, lastAttemptAt: epoch, status: fc.integer({ min: 100, max: 599 }) },
    { requiredKeys: ['error', 'detail', 'origin'] },
  );

  it("round-trip: the cause, and the delivery no longer waiting for a time", () => {
    fc.assert(
      fc.property(delivery, cause, (d, c) => {
        const { message } = deadLetterRecord('dlq', d, c);
        const { notBefore: _notBefore, ...dead } = d;
        const read = parseDeadLetter(asRead(message.headers), message.value);
        assert.deepEqual(read, {
          ...c,
          delivery: dead,
          about: { subscriptionId: d.subscriptionId, deliveryId: d.deliveryId, eventType: d.eventType, attempt: d.attempt },
        });
      }),
    );
  });

  it('keep a record that is not a delivery as it came, its problem beside the cause', () => {
    const record = { key: Buffer.from('k'), value: Buffer.from('junk'), headers: { [H.subscriptionId]: 'billing', other: 'x' } };
    const cause = { error: 'malformed-delivery' as const, detail: 'missing header hookrail-delivery-id', origin: { topic: 'p.tier1', partition: 2, offset: '9' } };
    const { message } = deadLetterOfRecord('dlq', record, cause);
    assert.equal(message.value, record.value);
    assert.equal(message.headers.other, 'x');
    const read = parseDeadLetter(asRead(message.headers), message.value);
    assert.ok(!(read instanceof MalformedRecord));
    assert.deepEqual({ ...read, delivery: undefined }, { ...cause, delivery: undefined, about: { subscriptionId: 'billing' } });
    malformed(read.delivery, /missing headers hookrail-delivery-id/);
  });

  it('cut the detail to 1,000 characters', () => {
    const { message } = deadLetterOfRecord('dlq', { key: null, value: null }, { error: 'internal', detail: 'x'.repeat(5_000), origin: { topic: 't', partition: 0, offset: '0' } });
    assert.equal(message.headers[H.errorDetail]!.length, 1_000);
  });

  it('are malformed without a known hookrail-error', () => {
    malformed(parseDeadLetter({}, null), /no hookrail-error header/);
    malformed(parseDeadLetter({ [H.error]: 'mystery' }, null), /unknown hookrail-error "mystery"/);
  });

  it('have every class documented in docs/architecture.md, circuit-open included', () => {
    const docs = readFileSync(new URL('../../../docs/architecture.md', import.meta.url), 'utf8');
    const row = docs.split('\n').find((line) => line.startsWith('| `hookrail-error`'));
    assert.ok(row, 'the DLQ headers row');
    for (const error of DEAD_LETTER_ERROR_CLASSES) assert.ok(row.includes(`\`${error}\``), `${error} in the docs' hookrail-error row`);
  });
});

describe('quarantine records', () => {
  it('round-trip: reason, where it was going, size, digest, cut, the consumed record', () => {
    fc.assert(
      fc.property(word, fc.nat(QUARANTINE_VALUE_BYTES * 2), fc.nat(1_000), fc.nat(), (reason, size, partition, offset) => {
        const value = Buffer.alloc(size, 7);
        const record = quarantineRecord({ topic: 'p.dlq', message: { key: 'k', value, headers: { [H.deliveryId]: 'd' } } }, { topic: 'p.dlq', reason, consumed: { topic: 'p.tier1', partition, offset }, bytes: size + 100 });
        const read = parseQuarantine(asRead(record.message.headers));
        assert.ok(!(read instanceof MalformedRecord), String(read));
        assert.deepEqual({ ...read, sha256: read.sha256.length }, { reason, topic: 'p.dlq', bytes: size + 100, sha256: 64, truncated: size > QUARANTINE_VALUE_BYTES, origin: { topic: 'p.tier1', partition, offset: String(offset) } });
        assert.equal((record.message.value as Buffer).length, Math.min(size, QUARANTINE_VALUE_BYTES));
        assert.equal(record.message.headers[H.deliveryId], 'd', 'small headers are copied');
      }),
      { numRuns: 20 },
    );
  });

  it('are malformed without their headers', () => {
    malformed(parseQuarantine({ [H.error]: 'unwritable' }), /missing quarantine/);
  });
});

describe('invalid-event records', () => {
  it('round-trip the cause beside the source record as it came', () => {
    fc.assert(
      fc.property(word, fc.string({ maxLength: 1_000 }), word, (reason, detail, source) => {
        const record = invalidEventRecord('p.invalid', { key: null, value: Buffer.from('x'), headers: { a: [Buffer.from('1'), Buffer.from('2')] } }, { reason, detail, source });
        assert.equal(String(record.message.headers.a), '1', 'the first of a repeated header');
        assert.deepEqual(parseInvalid(asRead(record.message.headers)), { reason, detail, source });
      }),
    );
    malformed(parseInvalid({}), /no hookrail-invalid-reason/);
  });
});

describe('parked deliveries and parked-state records', () => {
  const key = record({ subscriptionId: id, orderKey: fc.string({ maxLength: 20 }) });
  const state: fc.Arbitrary<ParkedState> = fc.oneof(
    record({ kind: fc.constantFrom('appended' as const, 'drained' as const), key: key.map(parkedKey), n: fc.nat() }),
    record({
      kind: fc.constant('held' as const),
      key: key.map(parkedKey),
      hold: fc.oneof(record({ state: fc.constant('held' as const), head: word, at: word }), record({ state: fc.constant('released' as const), at: word })),
    }),
  );

  it('round-trip, with colons and newlines in the order key', () => {
    fc.assert(fc.property(key, (k) => assert.deepEqual(splitParkedKey(parkedKey(k)), k)));
    fc.assert(
      fc.property(state, (s) => {
        const message = parkedStateMessage(s);
        assert.deepEqual(parseParkedState(message.key, message.value), s);
      }),
    );
    assert.equal(parkedStateMessage({ kind: 'appended', key: parkedKey({ subscriptionId: 'sub-1', orderKey: 'a:b\nc' }), n: 3 }).key, 'appended:sub-1:a:b\nc');
  });

  it('a parked delivery carries its key and number', () => {
    fc.assert(
      fc.property(delivery, key, fc.nat(), (d, k, n) => {
        const withKey = { ...d, subscriptionId: k.subscriptionId, orderKey: k.orderKey };
        const { message } = parkedDeliveryRecord('p.tier1.parked', parkedKey(k), withKey, n, { replayOf: 'p.dlq' });
        assert.equal(message.key, parkedKey(k));
        assert.deepEqual(parkedPlace(asRead(message.headers)), { key: parkedKey(k), n });
        assert.deepEqual(parseDeliveryMarks(asRead(message.headers)), { replayOf: 'p.dlq', parkedSeq: n });
      }),
    );
    assert.equal(parkedPlace(deliveryHeaders({ deliveryId: 'd', eventId: 'e', eventType: 't', subscriptionId: 's', tier: 1, attempt: 0, source: '', eventTime: 0, contentType: '', payload: Buffer.from('') })), undefined);
  });

  it('are malformed otherwise: other keys, a count under a hold key and back, a tombstone', () => {
    const held = parkedStateMessage({ kind: 'held', key: 's\nk', hold: { state: 'held', head: 'msg_1', at: 't:0:7' } }).value;
    malformed(parseParkedState('held:s:k', '3'), /hold/);
    malformed(parseParkedState('appended:s:k', held), /count/);
    malformed(parseParkedState('drained:s:k', undefined), /tombstone/);
    malformed(parseParkedState('drained:s:k', ''), /count/);
    malformed(parseParkedState('parked:s:k', '1'), /key/);
    malformed(parseParkedState('appended:s', '1'), /key/);
    malformed(parseParkedState(undefined, '1'), /key/);
    malformed(parseParkedState('held:s:k', 'held'), /not JSON/);
    malformed(parseParkedState('held:s:k', '{"held":"msg_1"}'), /without "at"/);
    malformed(parseParkedState('held:s:k', '{"released":"yes","at":"t:0:1"}'), /neither/);
    malformed(parseParkedState('held:s:k', 'null'), /not an object/);
  });
});

describe('flags and disable records', () => {
  it('round-trip under their own keys', () => {
    fc.assert(
      fc.property(id, text, text, (subscription, reason, at) => {
        const { message } = flagRecord('p.subscriptions', subscription, { reason, at });
        assert.equal(message.key, `flag:${subscription}`);
        assert.deepEqual(parseFlag(Buffer.from(message.value)), { reason, at });
      }),
    );
    const state: fc.Arbitrary<DisableState> = fc.oneof(
      record({ disabled: fc.constant(true as const), reason: text, at: text, by: text }),
      record({ disabled: fc.constant(false as const), at: text, by: text }),
    );
    fc.assert(
      fc.property(id, state, (subscription, s) => {
        const { message } = disableRecord('p.subscriptions', subscription, s);
        assert.equal(message.key, `disabled:${subscription}`);
        assert.deepEqual(parseDisableState(message.value), s);
      }),
    );
  });

  it('are malformed when not their JSON', () => {
    malformed(parseFlag('not json'), /not JSON/);
    malformed(parseFlag('{"reason":"r"}'), /not \{reason, at\}/);
    malformed(parseDisableState('{"disabled":true,"at":"t","by":"cli"}'), /reason when disabled/);
  });
});

describe('backfill progress', () => {
  const range = record({ topic: word, partition: fc.nat(100), start: fc.nat(), end: fc.nat(), next: fc.nat() });
  const progress: fc.Arbitrary<BackfillProgress> = fc
    .record({
      kind: fc.constantFrom('backfill' as const, 'redeliver' as const),
      subscriptionId: id,
      since: epoch,
      until: fc.option(epoch, { nil: null }),
      startedAt: epoch,
      updatedAt: epoch,
      ranges: fc.array(range, { maxLength: 5 }),
      read: fc.nat(),
      routed: fc.nat(),
      undecodable: fc.nat(),
      done: fc.boolean(),
    })
    .map((p) => ({ key: progressKey(p.kind, p.subscriptionId), id: `${p.kind}-${p.subscriptionId}-${p.startedAt}`, ...p }));

  it('round-trips under its key', () => {
    fc.assert(
      fc.property(progress, (p) => {
        const message = progressMessage(p);
        assert.equal(message.key, `${p.kind}/${p.subscriptionId}`);
        assert.deepEqual(parseProgress(Buffer.from(message.value)), p);
      }),
    );
  });

  it('is malformed when a field is missing or of the wrong type', () => {
    const good = JSON.parse(progressMessage({ key: 'backfill/s', id: 'i', kind: 'backfill', subscriptionId: 's', since: 0, until: null, startedAt: 0, updatedAt: 0, ranges: [], read: 0, routed: 0, undecodable: 0, done: false }).value);
    malformed(parseProgress(JSON.stringify({ ...good, kind: 'copy' })), /bad kind "copy"/);
    malformed(parseProgress(JSON.stringify({ ...good, read: '3' })), /no number read/);
    malformed(parseProgress(JSON.stringify({ ...good, until: 'later' })), /until/);
    malformed(parseProgress(JSON.stringify({ ...good, ranges: [{ topic: 't' }] })), /ranges/);
    malformed(parseProgress(JSON.stringify({ ...good, done: 'no' })), /done/);
  });
});

describe('breaker states shared between deliverer instances', () => {
  it('round-trip, and anything else is not one', () => {
    const state: fc.Arbitrary<BreakerRecord> = fc.oneof(
      record({ state: fc.constant('open' as const), until: epoch, by: word, at: epoch }),
      record({ state: fc.constant('closed' as const), by: word, at: epoch }),
    );
    fc.assert(fc.property(state, (s) => assert.deepEqual(parseBreakerRecord(encodeBreakerRecord(s)), s)));
    for (const bad of [undefined, 'x', '1', '{}', '{"state":"open","by":"d","at":1}', '{"state":"half-open","by":"d","at":1}']) {
      assert.ok(parseBreakerRecord(bad) instanceof MalformedRecord, String(bad));
    }
  });
});
