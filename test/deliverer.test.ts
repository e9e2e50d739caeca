// The deliverer against the real broker and real receivers on loopback: classification,
// the retry ladder, the DLQ, Retry-After, lateness, concurrency and signatures.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { Webhook } from 'standardwebhooks';
import { createSubscriptionRegistry, H, type Subscription } from '@hookrail/shared';
import { testKafka, testLogger, uniquePrefix } from './support/kafka.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { startService, type RunningProcess } from './support/services.ts';
import {
  applySubscriptions,
  createTestInstall,
  eventually,
  produceDeliveries,
  readAll,
  TEST_SECRET,
  testSubscription,
  type TestInstall,
} from './support/topics.ts';

describe('deliverer', () => {
  let kafka: Kafka;
  let install: TestInstall;
  let deliverer: RunningProcess;
  const receivers: Record<string, Receiver> = {};
  let releaseHeld!: () => void;
  const held = new Promise<void>((resolve) => (releaseHeld = resolve));

  before(async () => {
    kafka = testKafka();
    // Short ladders so exhaustion happens within a test: tier 2 = 1 s, 4 s; tier 3 = 1 s, 4 s.
    install = await createTestInstall(kafka, uniquePrefix('deliverer'), {
      tiers: { 1: { retries: 3 }, 2: { retries: 2 }, 3: { retries: 2 } },
    });
    receivers.flaky = await startReceiver((r) => ({ status: r.seen < 2 ? 503 : 200 }));
    receivers.down = await startReceiver(() => ({ status: 500, body: 'boom' }));
    receivers.bad = await startReceiver(() => ({ status: 400, body: 'schema mismatch' }));
    receivers.gone = await startReceiver(() => ({ status: 410 }));
    receivers.throttled = await startReceiver((r) => (r.seen === 0 ? { status: 429, headers: { 'retry-after': '3' } } : { status: 200 }));
    receivers.slow = await startReceiver(() => ({ status: 200, delayMs: 500 }));
    receivers.signed = await startReceiver(() => ({ status: 204 }));
    receivers.once = await startReceiver((r) => ({ status: r.seen === 0 ? 502 : 200 }));
    receivers.quick = await startReceiver(() => ({ status: 200 }));
    receivers.held = await startReceiver(() => ({ status: 410, after: held }));
    await applySubscriptions(kafka, install, [
      testSubscription({ id: 'flaky', url: receivers.flaky.url, tier: 2 }),
      testSubscription({ id: 'down', url: receivers.down.url, tier: 3 }),
      testSubscription({ id: 'bad', url: receivers.bad.url, tier: 3 }),
      testSubscription({ id: 'gone', url: receivers.gone.url, tier: 3 }),
      testSubscription({ id: 'throttled', url: receivers.throttled.url, tier: 1 }),
      testSubscription({ id: 'slow', url: receivers.slow.url, tier: 1, maxInFlight: 50 }),
      testSubscription({ id: 'once', url: receivers.once.url, tier: 2, maxInFlight: 100 }),
      testSubscription({ id: 'quick', url: receivers.quick.url, tier: 1 }),
      testSubscription({ id: 'quick2', url: receivers.quick.url, tier: 2 }),
      testSubscription({ id: 'rotated', url: receivers.held.url, tier: 3 }),
      testSubscription({ id: 'signed', url: receivers.signed.url, tier: 2, secrets: [`whsec_${Buffer.alloc(32, 9).toString('base64')}`, TEST_SECRET] }),
    ]);
    // Every receiver's requests are counted exactly here (100 first attempts all answered 502,
    // for one): the circuit breaker would rightly hold some back. It has its own test
    // (receiver-protection.test.ts).
    deliverer = startService('deliverer', { ...install.env, HOOKRAIL_INSTANCE_ID: 'd1', HOOKRAIL_BREAKER_ENABLED: 'false' });
    await deliverer.ready();
  });

  after(async () => {
    releaseHeld();
    const code = await deliverer?.stop();
    for (const receiver of Object.values(receivers)) await receiver.close();
    assert.equal(code, 0, 'the deliverer exits 0 on SIGTERM');
  });

  /** The registry as a service sees it: flags merged, problems named. */
  const readRegistry = async () => {
    const registry = createSubscriptionRegistry({ kafka, topic: install.topics.subscriptions, logger: testLogger, owner: 'test' });
    await registry.start();
    await registry.stop();
    return registry;
  };
  const attemptsOf = async (subscription: string) =>
    (await readAll(kafka, install.topics.attempts)).map((r) => JSON.parse(r.value)).filter((a) => a.subscriptionId === subscription);
  const deadLettersOf = async (subscription: string) =>
    (await readAll(kafka, install.topics.dlq)).filter((r) => r.headers[H.subscriptionId] === subscription);

  it('a receiver failing the first 2 attempts gets the delivery on attempt 3, with 3 attempt records', async () => {
    const sub = testSubscription({ id: 'flaky', url: receivers.flaky!.url, tier: 2 });
    const [id] = await produceDeliveries(kafka, install, sub, 1);
    await eventually(() => (receivers.flaky!.delivered.has(id!) ? true : undefined), 30_000, 'the flaky delivery');
    const attempts = await eventually(async () => {
      const list = await attemptsOf('flaky');
      return list.some((a) => a.outcome === 'delivered') ? list : undefined;
    }, 10_000, 'the delivered attempt record');
    assert.deepEqual(attempts.map((a) => [a.attempt, a.outcome, a.status]), [[1, 'retry', 503], [2, 'retry', 503], [3, 'delivered', 200]]);
    assert.equal((await deadLettersOf('flaky')).length, 0);
  });

  it('an always-500 receiver ends in exactly one DLQ record after the tier\'s attempts', async () => {
    const sub = testSubscription({ id: 'down', url: receivers.down!.url, tier: 3 });
    const [id] = await produceDeliveries(kafka, install, sub, 1);
    const [dead] = await eventually(async () => {
      const list = await deadLettersOf('down');
      return list.length > 0 ? list : undefined;
    }, 30_000, 'the dead letter');
    assert.equal(receivers.down!.requests.length, 3, 'tier 3 here: 1 attempt + 2 retries');
    const h = dead!.headers;
    assert.equal(h[H.deliveryId], id);
    assert.equal(h[H.error], 'exhausted');
    assert.equal(h[H.status], '500');
    assert.equal(h[H.attempt], '3');
    assert.match(h[H.errorDetail]!, /boom/);
    assert.equal(h[H.originalTopic], install.topics.retry(3, { name: '4s', delayMs: 4_000 }));
    assert.ok(Number(h[H.firstAttemptAt]) <= Number(h[H.lastAttemptAt]));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    assert.equal((await deadLettersOf('down')).length, 1, 'exactly one');
  });

  it('400 goes to the DLQ at once; 410 too, and flags the subscription', async () => {
    await produceDeliveries(kafka, install, testSubscription({ id: 'bad', url: receivers.bad!.url }), 1);
    await produceDeliveries(kafka, install, testSubscription({ id: 'gone', url: receivers.gone!.url }), 1);
    const bad = await eventually(async () => ((await deadLettersOf('bad')).length ? deadLettersOf('bad') : undefined), 20_000, '400 dead letter');
    assert.equal(bad[0]!.headers[H.error], 'permanent');
    assert.equal(bad[0]!.headers[H.status], '400');
    assert.equal(receivers.bad!.requests.length, 1, 'a 4xx is not retried');
    const gone = await eventually(async () => ((await deadLettersOf('gone')).length ? deadLettersOf('gone') : undefined), 20_000, '410 dead letter');
    assert.equal(gone[0]!.headers[H.error], 'gone');
    const flagged = await eventually(async () => (await readRegistry()).get('gone')?.flagged, 10_000, 'the 410 flag');
    assert.match(flagged.reason, /410 Gone/);
  });

  it('the 410 flag never undoes a secret rotation made while the delivery was in flight', async () => {
    const rotated = testSubscription({ id: 'rotated', url: receivers.held!.url, tier: 3 });
    await produceDeliveries(kafka, install, rotated, 1);
    // The deliverer has read the subscription (secret A) and is waiting for the receiver.
    await eventually(() => (receivers.held!.requests.length > 0 ? true : undefined), 20_000, 'the held request');
    const newSecret = `whsec_${Buffer.alloc(32, 11).toString('base64')}`;
    await applySubscriptions(kafka, install, [{ ...rotated, secrets: [newSecret] }]);
    releaseHeld();
    await eventually(async () => ((await deadLettersOf('rotated')).length ? true : undefined), 20_000, 'the 410 dead letter');
    const view = await eventually(async () => {
      const subscription = (await readRegistry()).get('rotated');
      return subscription?.flagged ? subscription : undefined;
    }, 10_000, 'the flag on the rotated subscription');
    assert.deepEqual(view.secrets, [newSecret], 'the operator\'s rotation survives the flag');
    assert.match(view.flagged!.reason, /410 Gone/);
    assert.ok(!(await readAll(kafka, install.topics.subscriptions)).some((r) => r.key === 'rotated' && r.value.includes('flagged')), 'no stale copy written');
  });

  it('a subscription stored with a secret signing cannot use gets DLQ records; the others keep flowing', async () => {
    // Written straight to the registry topic, as a record from before apply validated secrets.
    const unpadded = TEST_SECRET.replace(/=+$/, '');
    const stored = { ...testSubscription({ id: 'badsecret', url: receivers.quick!.url, tier: 1 }), secrets: [unpadded] };
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: install.topics.subscriptions, acks: -1, messages: [{ key: 'badsecret', value: JSON.stringify(stored) }] }).finally(() => producer.disconnect());
    await eventually(async () => ((await readRegistry()).problem('badsecret') ? true : undefined), 10_000, 'the registry to read it');
    const before = receivers.quick!.requests.length;
    const bad = await produceDeliveries(kafka, install, stored as Subscription, 3);
    const good = await produceDeliveries(kafka, install, testSubscription({ id: 'quick', url: receivers.quick!.url, tier: 1 }), 3);
    const dead = await eventually(async () => {
      const list = await deadLettersOf('badsecret');
      return list.length === 3 ? list : undefined;
    }, 30_000, 'three dead letters for the bad secret');
    assert.deepEqual(dead.map((r) => r.headers[H.deliveryId]).sort(), [...bad].sort());
    for (const record of dead) {
      assert.equal(record.headers[H.error], 'invalid-secret');
      assert.match(record.headers[H.errorDetail]!, /subscription badsecret cannot be signed for: secrets\[0\]: the signing secret is base64 without its "=" padding/);
      assert.ok(!record.headers[H.errorDetail]!.includes(unpadded.slice(6, 30)), 'the secret is not in the DLQ');
    }
    await eventually(() => (good.every((id) => receivers.quick!.delivered.has(id)) ? true : undefined), 30_000, 'the other subscription delivered');
    assert.equal(receivers.quick!.requests.filter((r) => bad.includes(r.webhookId)).length, 0, 'no request for the unusable secret');
    assert.ok(receivers.quick!.requests.length >= before + 3);
    assert.equal(deliverer.child.exitCode, null, 'the deliverer is still running');
  });

  it('honours Retry-After: the retry waits at least as long as the receiver asked', async () => {
    await produceDeliveries(kafka, install, testSubscription({ id: 'throttled', url: receivers.throttled!.url, tier: 1 }), 1);
    await eventually(() => (receivers.throttled!.delivered.size === 1 ? true : undefined), 30_000, 'the throttled delivery');
    const [first, second] = receivers.throttled!.requests;
    assert.ok(second!.at - first!.at >= 3_000, `retried after ${second!.at - first!.at} ms, asked for 3000`);
    const attempts = await attemptsOf('throttled');
    assert.equal(attempts[0].retryTopic, install.topics.retry(1, { name: '4s', delayMs: 4_000 }), 'moved to the first rung covering 3 s');
  });

  it('a slow receiver (500 ms) on one partition gets many requests in flight at once', async () => {
    const started = Date.now();
    await produceDeliveries(kafka, install, testSubscription({ id: 'slow', url: receivers.slow!.url, tier: 1, maxInFlight: 50 }), 200);
    await eventually(() => (receivers.slow!.delivered.size === 200 ? true : undefined), 60_000, '200 slow deliveries');
    const seconds = (Date.now() - started) / 1_000;
    const rate = 200 / seconds;
    console.log(`# slow receiver: 200 deliveries in ${seconds.toFixed(1)} s = ${rate.toFixed(0)}/s, peak in flight ${receivers.slow!.peakInFlight}`);
    assert.ok(receivers.slow!.peakInFlight > 10, `peak in flight ${receivers.slow!.peakInFlight}`);
    assert.ok(receivers.slow!.peakInFlight <= 50, 'the subscription\'s max in flight holds');
  });

  it('signs with Standard Webhooks; an independent implementation verifies it during rotation', async () => {
    const [id] = await produceDeliveries(kafka, install, testSubscription({ id: 'signed', url: receivers.signed!.url, tier: 2 }), 1);
    await eventually(() => (receivers.signed!.delivered.has(id!) ? true : undefined), 20_000, 'the signed delivery');
    const request = receivers.signed!.requests.find((r) => r.webhookId === id)!;
    const headers = {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    };
    assert.equal(headers['webhook-signature'].split(' ').length, 2, 'one signature per secret');
    const verified = new Webhook(TEST_SECRET).verify(request.body.toString('utf8'), headers) as { type: string };
    assert.equal(verified.type, 'test.event');
    assert.throws(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(request.body.toString('utf8'), headers));
    assert.equal(request.headers['content-type'], 'application/json');
    assert.match(String(request.headers['user-agent']), /^hookrail\//);
  });

  it('retries never fire before they are due', async () => {
    const sub = testSubscription({ id: 'once', url: receivers.once!.url, tier: 2, maxInFlight: 100 });
    await produceDeliveries(kafka, install, sub, 100);
    await eventually(() => (receivers.once!.delivered.size === 100 ? true : undefined), 30_000, '100 retried deliveries');
    const attempts = await eventually(async () => {
      const list = await attemptsOf('once');
      return list.filter((a) => a.outcome === 'delivered').length === 100 ? list : undefined;
    }, 10_000, 'the attempt records');
    const byDelivery = Map.groupBy(attempts, (a) => a.deliveryId as string);
    const lateness: number[] = [];
    for (const list of byDelivery.values()) {
      const [first, second] = list.sort((a, b) => a.attempt - b.attempt);
      assert.equal(first.outcome, 'retry');
      lateness.push(second.attemptedAt - first.notBefore);
    }
    lateness.sort((a, b) => a - b);
    const p = (q: number) => lateness[Math.min(lateness.length - 1, Math.floor(q * lateness.length))]!;
    console.log(`# retry lateness (fired - due) over ${lateness.length} retries: p50=${p(0.5)} ms p99=${p(0.99)} ms max=${lateness.at(-1)} ms min=${lateness[0]} ms`);
    assert.ok(lateness[0]! >= 0, `a retry fired ${-lateness[0]!} ms early`);
  });

  it('a partition waiting on a long retry holds back neither another partition nor another tier', async () => {
    // A retry record due in 5 minutes at the head of partition 0 of tier 1's 4 s rung…
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const { deliveryHeaders } = await import('@hookrail/shared');
    const waiting = testSubscription({ id: 'quick', url: receivers.quick!.url, tier: 1 });
    const headers = (id: string, notBefore: number) =>
      deliveryHeaders({ deliveryId: id, eventId: id, eventType: 'test.event', subscriptionId: waiting.id, tier: 1, attempt: 1, rung: 1, notBefore, source: 'test/0/0', eventTime: Date.now(), contentType: 'application/json', payload: Buffer.from('{}') });
    const retryTopic = install.topics.retry(1, { name: '4s', delayMs: 4_000 });
    await producer.send({ topic: retryTopic, messages: [{ partition: 0, key: 'quick', value: '{}', headers: headers('msg_late', Date.now() + 300_000) }] });
    await producer.send({ topic: retryTopic, messages: [{ partition: 0, key: 'quick', value: '{}', headers: headers('msg_behind_late', Date.now()) }] });
    // …while partition 1 of the same topic, the tier topic and tier 2 have work due now.
    await producer.send({ topic: retryTopic, messages: [{ partition: 1, key: 'quick', value: '{}', headers: headers('msg_other_partition', Date.now()) }] });
    await producer.disconnect();
    const [tier1] = await produceDeliveries(kafka, install, waiting, 1);
    const [tier2] = await produceDeliveries(kafka, install, testSubscription({ id: 'quick2', url: receivers.quick!.url, tier: 2 }), 1);
    await eventually(
      () => (['msg_other_partition', tier1!, tier2!].every((id) => receivers.quick!.delivered.has(id)) ? true : undefined),
      10_000,
      'the other partition, the tier topic and tier 2 to flow',
    );
    assert.ok(!receivers.quick!.delivered.has('msg_late'), 'the long retry is not due');
    assert.ok(!receivers.quick!.delivered.has('msg_behind_late'), 'records behind it in its partition wait (FIFO per rung)');
  });
});
