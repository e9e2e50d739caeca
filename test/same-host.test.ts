// Many endpoints on ONE receiver host (issue 19): nine subscriptions to one HTTP server on
// loopback (one port), each on a path of its own that answers its own way: always 500, 400,
// 410, one 429 with Retry-After: 2 then 200, a slow 200, 500 twice then 200 (per webhook-id),
// and three plain 200s. Short ladders (3 retries), ~25 events/s through two routers and two
// deliverers (real processes, restarted by their supervisor) with kill -9s of both kinds and a
// restart of the test's own broker. Then every (event × subscription) pair is judged from what
// the receiver saw, the DLQ and the attempt log: it must end where its endpoint's answers say
// (delivered; `exhausted` after the ladder's four requests were really made; `permanent`;
// `gone`). A failure on one path must not dead-letter the deliveries of another.
//
// The always-500 endpoint is a receiver that stays down: its breaker opens and holds its
// deliveries back without spending attempts, and past their horizon (ladder + maxHoldMs, short
// here) they are dead-lettered as `circuit-open`. That end is right for it, checked to come
// only past the horizon, and counted apart. Both copies of a dead letter written twice and
// requests repeated after a 2xx are counted and printed, not asserted.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Kafka, Producer } from 'kafkajs';
import { createKafka, deliveryId, ensureTopics, H, type Tier } from '@hookrail/shared';
import { testLogger, uniquePrefix } from './support/kafka.ts';
import { ownBroker } from './support/own-broker.ts';
import { startReceiver, type ReceivedRequest, type Receiver, type Reply } from './support/receiver.ts';
import { supervise, writeLogs, type Supervised } from './support/supervise.ts';
import { coin, duplicatesAfterSuccess } from './support/tally.ts';
import { applySubscriptions, createTestInstall, eventually, readAll, testSubscription, type ReadRecord, type TestInstall } from './support/topics.ts';

const SECONDS = Number(process.env.SAME_HOST_SECONDS ?? 40);
const RATE = 25;
/** How long past its ladder an open breaker may hold a delivery (the default, 30 min, outlasts any test). */
const MAX_HOLD_MS = Number(process.env.SAME_HOST_MAX_HOLD_MS ?? 15_000);
const broker = ownBroker('same-host', Number(process.env.SAME_HOST_KAFKA_PORT ?? 19992));

type End = 'delivered' | 'exhausted' | 'permanent' | 'gone';

interface Endpoint {
  id: string;
  tier: Tier;
  /** Where every one of its deliveries must end. */
  expect: End;
  /** `n`: requests this path had before this one. */
  reply: (request: ReceivedRequest, n: number) => Reply;
}

/** The one 429 comes mid-stream, when deliveries are queued behind it. */
const PAUSE_AT = 100;

const ENDPOINTS: Endpoint[] = [
  { id: 'ok-a', tier: 1, expect: 'delivered', reply: () => ({ status: 200 }) },
  { id: 'ok-b', tier: 2, expect: 'delivered', reply: () => ({ status: 200 }) },
  { id: 'ok-c', tier: 3, expect: 'delivered', reply: () => ({ status: 200 }) },
  { id: 'slow', tier: 1, expect: 'delivered', reply: (r) => ({ status: 200, delayMs: 300 + Math.floor(coin(r.webhookId) * 1_200) }) },
  { id: 'pause-429', tier: 1, expect: 'delivered', reply: (_, n) => (n === PAUSE_AT ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 }) },
  { id: 'flaky-500x2', tier: 1, expect: 'delivered', reply: (r) => ({ status: r.seen < 2 ? 500 : 200 }) },
  { id: 'always-500', tier: 1, expect: 'exhausted', reply: () => ({ status: 500 }) },
  { id: 'refuse-400', tier: 1, expect: 'permanent', reply: () => ({ status: 400 }) },
  { id: 'gone-410', tier: 2, expect: 'gone', reply: () => ({ status: 410 }) },
];
const LADDER_ATTEMPTS = 4;
/** The ladder's delays (1 s, 4 s, 16 s) and the hold allowed past them. */
const HORIZON_MS = 21_000 + MAX_HOLD_MS;
const STATUS: Record<string, number> = { permanent: 400, gone: 410 };

/** One receiver host: each endpoint is a path on it. */
async function startHost(): Promise<Receiver> {
  const counts = new Map<string, number>();
  const byPath = new Map(ENDPOINTS.map((e) => [`/${e.id}`, e]));
  return startReceiver((request) => {
    const endpoint = byPath.get(request.path);
    if (!endpoint) return { status: 404 };
    const n = counts.get(endpoint.id) ?? 0;
    counts.set(endpoint.id, n + 1);
    return endpoint.reply(request, n);
  });
}

interface Pair {
  endpoint: Endpoint;
  requests: ReceivedRequest[];
  dead: ReadRecord[];
  attempts: Array<Record<string, unknown>>;
}

/** Where a pair ended, from the receiver's answers and the DLQ. */
function endOf(pair: Pair): string {
  const delivered = pair.requests.some((r) => r.status !== undefined && r.status < 300);
  const classes = [...new Set(pair.dead.map((r) => r.headers[H.error]))].join('+');
  if (pair.dead.length === 0) return delivered ? 'delivered' : 'lost';
  return delivered ? `delivered and dead-lettered (${classes})` : classes;
}

/** Why a pair's end is wrong for its endpoint, or undefined when it is right. */
function wrongness(pair: Pair, end: string): string | undefined {
  const { expect } = pair.endpoint;
  if (end === 'lost') return undefined; // counted apart
  if (expect === 'delivered') return end === 'delivered' ? undefined : end;
  if (expect === 'exhausted' && end === 'circuit-open') return pair.dead.every(heldPastHorizon) ? undefined : 'circuit-open before its horizon';
  if (end !== expect) return end;
  const answered = pair.requests.filter((r) => r.status !== undefined).length;
  if (expect === 'exhausted') {
    const attempts = pair.dead.map((r) => Number(r.headers[H.attempt]));
    return attempts.every((a) => a === LADDER_ATTEMPTS) && answered >= LADDER_ATTEMPTS ? undefined : `exhausted at attempt ${attempts.join('/')} after ${answered} request(s)`;
  }
  return pair.requests.some((r) => r.status === STATUS[expect]) ? undefined : `${end} after ${answered} request(s)`;
}

/** A `circuit-open` dead letter came only after its horizon: from its first attempt, or from when it was first held if none was made. */
function heldPastHorizon(record: ReadRecord): boolean {
  const since = Number(record.headers[H.attempt]) > 0 ? record.headers[H.firstAttemptAt] : record.headers[H.heldSince];
  return Number(record.headers[H.lastAttemptAt]) - Number(since) >= HORIZON_MS;
}

/** A wrong pair in full, for the failure message. */
function trail(id: string, pair: Pair): string {
  const requests = pair.requests.map((r) => `${r.status ?? '-'}@${r.at}`).join(' ');
  const dead = pair.dead.map((r) => `${r.headers[H.error]} attempt=${r.headers[H.attempt]} from ${r.headers[H.originalTopic]} detail="${r.headers[H.errorDetail]}"`).join(' | ');
  const log = pair.attempts.map((a) => `#${String(a.attempt)} ${String(a.outcome)} http=${String(a.http)} ${String(a.status ?? a.errorClass ?? '')}@${String(a.attemptedAt)}`).join(' ');
  return `${pair.endpoint.id} ${id}: requests [${requests}] dlq [${dead}] log [${log}]`;
}

/** A pair dead-lettered more than once: where each copy sits, what it came from, when its attempt was. */
function twiceTrail(id: string, pair: Pair): string {
  const copies = pair.dead.map((r) => `${r.partition}:${r.offset} ${r.headers[H.error]} from ${r.headers[H.originalTopic]}:${r.headers[H.originalPartition]}:${r.headers[H.originalOffset]} attempted@${r.headers[H.lastAttemptAt]}`);
  return `${pair.endpoint.id} ${id}: ${copies.join(' | ')}; requests [${pair.requests.map((r) => `${r.status ?? '-'}@${r.at}`).join(' ')}]`;
}

describe('many endpoints on one receiver host, two of each service under chaos', () => {
  let kafka: Kafka;
  let install: TestInstall;
  let host: Receiver;
  const services: Supervised[] = [];
  const source = uniquePrefix('same-host-source');

  before(async () => {
    broker.start();
    kafka = createKafka({ brokers: [broker.address], clientId: 'same-host-test', connectionTimeoutMs: 3_000, requestTimeoutMs: 30_000, ssl: false }, testLogger);
    install = await createTestInstall(kafka, uniquePrefix('same-host'), { tiers: { 1: { retries: 3 }, 2: { retries: 3 }, 3: { retries: 3 } } });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ name: source, partitions: 6, replicationFactor: 1, configs: {} }], { create: true }).finally(() => admin.disconnect());
    host = await startHost();
    const origin = new URL(host.url).origin;
    await applySubscriptions(kafka, install, ENDPOINTS.map((e) => testSubscription({ id: e.id, url: `${origin}/${e.id}`, tier: e.tier })));
  });

  after(async () => {
    await Promise.all(services.map((service) => service.stop('SIGKILL')));
    await host?.close();
    broker.remove();
  });

  it('ends every pair where its endpoint says: delivered, exhausted, permanent or gone', async () => {
    const started = Date.now();
    const env = { ...install.env, HOOKRAIL_KAFKA_BROKERS: broker.address, HOOKRAIL_ROUTER_SOURCE_TOPICS: source, HOOKRAIL_LOG_LEVEL: 'info', HOOKRAIL_BREAKER_MAX_HOLD: `${MAX_HOLD_MS}ms` };
    const start = (name: 'router' | 'deliverer', id: string) => {
      const service = supervise(name, { ...env, HOOKRAIL_INSTANCE_ID: id });
      services.push(service);
      return service;
    };
    const [routerA, routerB, delivererA, delivererB] = [start('router', 'r-a'), start('router', 'r-b'), start('deliverer', 'd-a'), start('deliverer', 'd-b')];
    await Promise.all(services.map((service) => service.ready(300_000)));

    // ~25 events/s for SECONDS of wall time, the chaos beside it. No event is sent while the
    // broker is being restarted (late, so it overlaps the settling); the flow goes on when it is back.
    const connected = async () => {
      const next = kafka.producer({ idempotent: true });
      await next.connect();
      return next;
    };
    let producer: Producer | undefined = await connected();
    const restartBroker = async () => {
      const stopping = producer!;
      producer = undefined;
      await stopping.disconnect();
      await broker.restart();
      producer = await connected();
    };
    const chaos: Record<number, [string, () => Promise<unknown>]> = {
      5: ['kill -9 deliverer d-a', () => delivererA.kill('SIGKILL')],
      10: ['kill -9 router r-a', () => routerA.kill('SIGKILL')],
      16: ['kill -9 deliverer d-b', () => delivererB.kill('SIGKILL')],
      22: ['kill -9 router r-b and deliverer d-a', () => Promise.all([routerB.kill('SIGKILL'), delivererA.kill('SIGKILL')])],
      28: ['broker restart', restartBroker],
    };
    const eventIds: string[] = [];
    const done: string[] = [];
    const steps: Array<Promise<unknown>> = [];
    const tick = 200;
    const flowStart = Date.now();
    const at = () => `${((Date.now() - flowStart) / 1_000).toFixed(1)}s`;
    for (let t = 0; t < (SECONDS * 1_000) / tick; t++) {
      const step = chaos[(t * tick) / 1_000];
      if (step) {
        const from = at();
        steps.push(step[1]().then(() => done.push(`${step[0]} ${from}-${at()}`)));
      }
      if (producer) {
        const batch = Array.from({ length: (RATE * tick) / 1_000 }, () => randomUUID());
        await producer.send({ topic: source, acks: -1, messages: batch.map((id) => ({ key: id, value: JSON.stringify({ id, type: 'order.created' }) })) });
        eventIds.push(...batch);
      }
      const wait = flowStart + (t + 1) * tick - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait)); // pacing the event rate, not waiting on a condition
    }
    await Promise.all(steps);
    await producer?.disconnect();
    const flowSeconds = (Date.now() - flowStart) / 1_000;

    // Settled: every pair answered 2xx or dead-lettered.
    const ids = new Map<string, Endpoint>();
    for (const eventId of eventIds) for (const endpoint of ENDPOINTS) ids.set(deliveryId(eventId, endpoint.id), endpoint);
    let dlq: ReadRecord[] = [];
    const settled = await eventually(
      async () => {
        const read = await readAll(kafka, install.topics.dlq).catch(() => undefined);
        if (!read) return undefined;
        dlq = read;
        const ended = new Set([...host.delivered, ...dlq.map((r) => r.headers[H.deliveryId]!)]);
        return [...ids.keys()].every((id) => ended.has(id)) ? true : undefined;
      },
      Number(process.env.SAME_HOST_SETTLE_MS ?? 180_000),
      'every pair to be delivered or dead-lettered',
      2_000,
    ).catch((error: Error) => error.message);
    const settleSeconds = (Date.now() - flowStart) / 1_000 - flowSeconds;

    // Per pair: its requests, dead letters and attempt log.
    const pairs = new Map<string, Pair>([...ids].map(([id, endpoint]) => [id, { endpoint, requests: [], dead: [], attempts: [] }]));
    for (const request of host.requests) pairs.get(request.webhookId)?.requests.push(request);
    for (const record of dlq) pairs.get(record.headers[H.deliveryId]!)?.dead.push(record);
    for (const record of await readAll(kafka, install.topics.attempts)) {
      const entry = JSON.parse(record.value) as Record<string, unknown>;
      pairs.get(String(entry.deliveryId))?.attempts.push(entry);
    }

    const lines: string[] = [];
    const wrongTrails: string[] = [];
    const twiceTrails: string[] = [];
    let [wrong, lost, deadTwice] = [0, 0, 0];
    for (const endpoint of ENDPOINTS) {
      const mine = [...pairs].filter(([, pair]) => pair.endpoint === endpoint);
      const ends = new Map<string, number>();
      let [w, l, twice, holds] = [0, 0, 0, 0];
      for (const [id, pair] of mine) {
        const end = endOf(pair);
        ends.set(end, (ends.get(end) ?? 0) + 1);
        if (end === 'lost') l++;
        if (pair.dead.length > 1 && twice++ < 3) twiceTrails.push(twiceTrail(id, pair));
        holds += pair.attempts.filter((a) => a.http === false && a.outcome === 'retry').length;
        if (wrongness(pair, end) !== undefined) {
          w++;
          if (wrongTrails.length < 12) wrongTrails.push(trail(id, pair));
        }
      }
      const requests = host.requests.filter((r) => r.path === `/${endpoint.id}`);
      const duplicates = duplicatesAfterSuccess({ requests });
      // Retry-After: 2 asks for a pause: requests to the path in the 2 s after a 429 (either instance; the pause is per instance).
      const pauses = requests.filter((r) => r.status === 429);
      const inPause = pauses.length === 0 ? '' : ` requests-in-pause=${requests.filter((r) => pauses.some((p) => r.at > p.at && r.at < p.at + 2_000)).length}`;
      lines.push(
        `#   ${endpoint.id.padEnd(12)} pairs=${mine.length} ${[...ends].map(([e, n]) => `${e}=${n}`).join(' ')} wrong=${w} lost=${l} ` +
          `requests=${requests.length} duplicate-requests-after-2xx=${duplicates} dlq-twice=${twice} holds=${holds}${inPause}`,
      );
      [wrong, lost, deadTwice] = [wrong + w, lost + l, deadTwice + twice];
    }
    console.log(
      `# same host: events=${eventIds.length} pairs=${pairs.size} wrong=${wrong} lost=${lost} dlq-twice=${deadTwice} ` +
        `flow=${flowSeconds.toFixed(1)}s settle=${settleSeconds.toFixed(1)}s total=${((Date.now() - started) / 1_000).toFixed(1)}s ` +
        `restarts=${services.map((s) => s.restarts).join('/')} chaos=[${done.join('; ')}]${settled === true ? '' : ` NOT SETTLED: ${settled}`}\n${lines.join('\n')}`,
    );
    for (const line of wrongTrails) console.log(`# wrong: ${line}`);
    for (const line of twiceTrails) console.log(`# dead-lettered twice: ${line}`);
    writeLogs(services, 'same-host');

    assert.equal(lost, 0, 'every pair ended: delivered or dead-lettered');
    assert.equal(wrong, 0, `every pair ended where its endpoint's answers say; e.g.\n${wrongTrails.join('\n')}`);
  });
});
