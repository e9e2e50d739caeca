// Backfill, redeliver and replay by time, with the real router, deliverer and CLI on the real
// broker and real receivers on loopback: a subscription created after 1,000 events were routed
// gets exactly the matching ones (and, where live routing already sent some, the same
// webhook-ids); a backfill killed mid-way (SIGKILL, then Ctrl-C) and resumed misses nothing and
// writes nothing twice;
// `events redeliver` sends a window again; `dlq replay --since/--until` replays exactly its window;
// a backfill stuck on its receiver holds back no live delivery of its tier (its own lane).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { deliveryId, ensureTopics, H } from '@hookrail/shared';
import { repoRoot, testBrokers, testKafka, uniquePrefix } from './support/kafka.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { startService, type RunningProcess } from './support/services.ts';
import { applySubscriptions, createTestInstall, eventually, produceDeliveries, readAll, testSubscription, type TestInstall } from './support/topics.ts';

const EVENTS = 1_000;
const MAX_BUFFERED = 200;

/** A time boundary: the next millisecond, once the clock has reached it (so what follows is not before it). */
async function afterThisMillisecond(): Promise<number> {
  const boundary = Date.now() + 1;
  while (Date.now() < boundary) await new Promise((resolve) => setImmediate(resolve));
  return boundary;
}
const TYPES = ['order.created', 'order.paid', 'user.updated', 'invoice.sent'];

describe('backfill, redeliver and replay by time', () => {
  let kafka: Kafka;
  let install: TestInstall;
  const source = uniquePrefix('backfill-source');
  const receivers: Record<string, Receiver> = {};
  const services: RunningProcess[] = [];
  const clis = new Set<ChildProcess>();
  /** Event ids by type of event, in the order produced. */
  const orderEvents: string[] = [];
  const overlapEvents: string[] = [];
  let firstEventAt = 0;
  let dlqAccepting = false;
  /** The held receiver answers nothing until this settles. */
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));

  const cliArgs = (args: string[]) => ['--disable-warning=TimeoutNegativeWarning', join(repoRoot, 'cli/src/main.ts'), '--brokers', testBrokers().join(','), ...args];
  const cliEnv = () => ({ PATH: process.env.PATH ?? '', ...install.env, HOOKRAIL_ROUTER_SOURCE_TOPICS: source });
  const hookrail = (...args: string[]) => {
    const result = spawnSync(process.execPath, cliArgs(args), { encoding: 'utf8', env: cliEnv() });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  /** The CLI as a child process: its output lines as they come, to be killed mid-way. */
  const hookrailAsync = (...args: string[]) => {
    const child = spawn(process.execPath, cliArgs(args), { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    clis.add(child);
    const stdout: string[] = [];
    const stderr: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => stdout.push(line));
    createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
    const exited = once(child, 'exit').then(([code, signal]) => (clis.delete(child), (code ?? signal) as number | string));
    return { child, stdout, stderr, exited };
  };
  const produce = async (count: number, into: { orders?: string[] } = {}) => {
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const messages = Array.from({ length: count }, (_, n) => {
      const id = randomUUID();
      const type = TYPES[n % TYPES.length]!;
      if (type.startsWith('order.')) into.orders?.push(id);
      return { key: id, value: JSON.stringify({ id, type, time: new Date().toISOString(), data: { n } }) };
    });
    await producer.send({ topic: source, acks: -1, messages }).finally(() => producer.disconnect());
  };
  /** What the last progress line of a run says it routed so far. */
  const routedSoFar = (stderr: string[]) => stderr.map((line) => /, (\d+) routed$/.exec(line)?.[1]).filter(Boolean).map(Number).at(-1);
  /** Requests for a webhook-id the receiver had already answered with a 2xx. */
  const duplicateIds = (receiver: Receiver) => receiver.requests.filter((r) => r.seen > 0).map((r) => r.webhookId);
  const backfillRecords = async (tier: 1 | 2 | 3, subscriptionId: string) =>
    (await readAll(kafka, install.topics.backfill(tier))).filter((r) => r.headers[H.subscriptionId] === subscriptionId);

  before(async () => {
    kafka = testKafka();
    install = await createTestInstall(kafka, uniquePrefix('backfill'), { tiers: { 2: { retries: 2 }, 3: { retries: 2 } } });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ name: source, partitions: 3, replicationFactor: 1, configs: {} }], { create: true }).finally(() => admin.disconnect());
    for (const name of ['live', 'orders', 'resumed']) receivers[name] = await startReceiver(() => ({ status: 200 }));
    receivers.held = await startReceiver(() => ({ status: 200, after: released }));
    receivers.dlq = await startReceiver(() => (dlqAccepting ? { status: 200 } : { status: 422, body: 'field "total" missing' }));
    await applySubscriptions(kafka, install, [testSubscription({ id: 'live', url: receivers.live!.url, tier: 2 })]);
    for (const name of ['router', 'deliverer'] as const) {
      // A small buffer per lane: a stuck backfill would fill a buffer it shared with live deliveries.
      const service = startService(name, { ...install.env, HOOKRAIL_ROUTER_SOURCE_TOPICS: source, HOOKRAIL_DELIVERER_TIERS: '2,3', HOOKRAIL_DELIVERER_MAX_BUFFERED: String(MAX_BUFFERED), HOOKRAIL_INSTANCE_ID: `backfill-${name}` });
      services.push(service);
      await service.ready(90_000);
    }
  });

  after(async () => {
    release();
    for (const child of clis) child.kill('SIGKILL');
    for (const service of services) if (service.child.exitCode === null) await service.stop('SIGKILL');
    for (const receiver of Object.values(receivers)) await receiver.close();
  });

  it('backfills a subscription created after 1,000 events were routed with exactly the matching ones, the overlap with the same webhook-ids', async () => {
    firstEventAt = Date.now();
    await produce(EVENTS, { orders: orderEvents });
    await eventually(() => (receivers.live!.delivered.size === EVENTS ? true : undefined), 120_000, 'the 1,000 events routed and delivered live');

    // The new subscription; then 100 more events, routed live to it too (the overlap).
    await applySubscriptions(kafka, install, [testSubscription({ id: 'orders', url: receivers.orders!.url, tier: 2, eventTypes: ['order.*'] })]);
    await produce(100, { orders: overlapEvents });
    await eventually(() => (receivers.live!.delivered.size === EVENTS + 100 ? true : undefined), 60_000, 'the 100 overlap events routed');
    const routedLive = (await readAll(kafka, install.topics.tier(2))).filter((r) => r.headers[H.subscriptionId] === 'orders').length;

    const startedAt = Date.now();
    const run = hookrailAsync('subscriptions', 'backfill', 'orders', '--since', new Date(firstEventAt - 1_000).toISOString(), '--rate', '100000');
    assert.equal(await run.exited, 0, run.stderr.join('\n'));
    const expected = new Set([...orderEvents, ...overlapEvents].map((id) => deliveryId(id, 'orders')));
    const receiver = receivers.orders!;
    await eventually(() => (receiver.requests.length >= expected.size + routedLive ? true : undefined), 120_000, 'every backfilled and live delivery');
    const deliveredAt = Math.max(...receiver.requests.map((r) => r.at));

    const summary = run.stdout.join('\n');
    const rate = /read (\d+) source event\(s\) in ([\d.]+) s \((\d+) events\/s\), routed (\d+)/.exec(summary);
    assert.ok(rate, summary);
    const [, read, , eventsPerSecond, routed] = rate.map(Number);
    const overlapIds = new Set(overlapEvents.map((id) => deliveryId(id, 'orders')));
    const duplicates = duplicateIds(receiver);
    const endToEnd = Math.round((expected.size / Math.max(1, deliveredAt - startedAt)) * 1_000);
    const firstBackfilledAt = Math.min(...receiver.requests.filter((r) => r.at >= startedAt).map((r) => r.at));
    const atReceiver = Math.round(((expected.size - 1) / Math.max(1, deliveredAt - firstBackfilledAt)) * 1_000);
    console.log(
      `# backfill: source events=${read} matching=${routed} expected=${expected.size} delivered=${receiver.delivered.size} requests=${receiver.requests.length} ` +
        `routed live in the overlap=${routedLive} duplicates=${duplicates.length} (all in the overlap: ${duplicates.every((id) => overlapIds.has(id))}) ` +
        `backfill rate=${eventsPerSecond} events/s read by the CLI, ${atReceiver} deliveries/s at the receiver (first to last), ${endToEnd}/s from CLI start to last 2xx`,
    );
    assert.equal(read, EVENTS + 100, 'every source event of the window is read');
    assert.equal(routed, expected.size, 'exactly the matching events are routed');
    assert.deepEqual([...receiver.delivered].sort(), [...expected].sort(), 'the receiver got exactly the matching events, by webhook-id');
    assert.equal(duplicates.length, routedLive, 'a duplicate for each event live routing sent too');
    assert.ok(duplicates.every((id) => overlapIds.has(id)), 'duplicates only within the overlap');
    const records = await backfillRecords(2, 'orders');
    assert.equal(records.length, expected.size, 'through the backfill topic, once each');
    assert.ok(records.every((r) => r.headers['hookrail-backfill']?.startsWith('backfill-orders-')));
  });

  it('killed mid-way (SIGKILL, then Ctrl-C) and resumed, misses none and writes none twice', async () => {
    await applySubscriptions(kafka, install, [testSubscription({ id: 'resumed', url: receivers.resumed!.url, tier: 3, eventTypes: ['order.*'] })]);
    const since = new Date(firstEventAt - 1_000).toISOString();
    const first = hookrailAsync('subscriptions', 'backfill', 'resumed', '--since', since, '--until', new Date().toISOString(), '--rate', '150');
    const routedAtKill = await eventually(() => {
      const routed = routedSoFar(first.stderr) ?? 0;
      return routed >= 100 ? routed : undefined;
    }, 60_000, 'the first run to route 100');
    first.child.kill('SIGKILL');
    await first.exited;

    const refused = hookrail('subscriptions', 'backfill', 'resumed', '--since', '2h');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^hookrail: resumed has an unfinished backfill \(backfill-resumed-\d+, \d+\/\d+ offsets read \(\d+ %\), \d+ routed\): continue it with --resume, or start a new one with --restart\n$/);

    // Resumed, then interrupted with Ctrl-C: it stops after the step under way and says how to go on.
    const second = hookrailAsync('subscriptions', 'backfill', 'resumed', '--resume', '--rate', '150');
    const resumedAt = Number((await eventually(() => /resuming backfill-resumed-\d+ at \d+ offsets read, (\d+) routed/.exec(second.stderr.join('\n')) ?? undefined, 60_000, 'the resume'))[1]);
    await eventually(() => ((routedSoFar(second.stderr) ?? 0) >= resumedAt + 50 ? true : undefined), 60_000, 'the second run to route 50 more');
    second.child.kill('SIGINT');
    assert.equal(await second.exited, 130, second.stderr.join('\n'));
    assert.match(second.stderr.at(-1)!, /^hookrail: interrupted: backfill-resumed-\d+ stopped at \d+\/\d+ offsets read \(\d+ %\), (\d+) routed; continue it with "hookrail subscriptions backfill resumed --resume"$/);
    const interruptedAt = Number(/, (\d+) routed; continue/.exec(second.stderr.at(-1)!)?.[1]);

    const resumed = hookrailAsync('subscriptions', 'backfill', 'resumed', '--resume', '--rate', '100000');
    assert.equal(await resumed.exited, 0, resumed.stderr.join('\n'));
    assert.match(resumed.stderr.join('\n'), new RegExp(`resuming backfill-resumed-\\d+ at \\d+ offsets read, ${interruptedAt} routed`), 'where the interrupted run stopped');
    const expected = new Set([...orderEvents, ...overlapEvents].map((id) => deliveryId(id, 'resumed')));
    const receiver = receivers.resumed!;
    await eventually(() => (receiver.delivered.size === expected.size ? true : undefined), 120_000, 'every matching event after the resume');
    const records = await backfillRecords(3, 'resumed');
    const written = new Set(records.map((r) => r.headers[H.deliveryId]));
    const duplicates = duplicateIds(receiver);
    console.log(
      `# backfill resumed: expected=${expected.size} routed before the kill≥${routedAtKill} committed before the kill=${resumedAt} at the Ctrl-C=${interruptedAt} ` +
        `records in the backfill topic=${records.length} distinct=${written.size} delivered=${receiver.delivered.size} requests=${receiver.requests.length} duplicates=${duplicates.length}`,
    );
    assert.ok(resumedAt >= 100 && resumedAt < expected.size, 'the resume starts where the killed run had committed');
    assert.deepEqual([...receiver.delivered].sort(), [...expected].sort(), 'none missing, none extra');
    assert.equal(records.length, expected.size, 'nothing written twice: progress commits with the deliveries');
    assert.equal(duplicates.length, 0, 'no duplicate at the receiver (the killed run\'s uncommitted step was aborted)');
    assert.match(hookrail('subscriptions', 'backfill', 'resumed', '--resume').stderr, /there is no unfinished backfill of resumed to resume/);
  });

  it('redelivers a time window a receiver lost, with the same webhook-ids', async () => {
    const receiver = receivers.orders!;
    const before = receiver.requests.length;
    const windowStart = Date.now();
    const lost: string[] = [];
    await produce(40, { orders: lost });
    const windowEnd = await afterThisMillisecond();
    await produce(40); // after the window
    await eventually(() => (receivers.live!.delivered.size === EVENTS + 180 ? true : undefined), 60_000, 'the new events routed');
    const lostIds = new Set(lost.map((id) => deliveryId(id, 'orders')));
    await eventually(() => ([...lostIds].every((id) => receiver.delivered.has(id)) ? true : undefined), 60_000, 'the window delivered live');
    const live = receiver.requests.length - before;

    const missingUntil = hookrail('events', 'redeliver', '--subscription', 'orders', '--since', '1h');
    assert.equal(missingUntil.code, 2);
    assert.match(missingUntil.stderr, /--until is required/);
    const run = hookrail('events', 'redeliver', '--subscription', 'orders', '--since', new Date(windowStart).toISOString(), '--until', new Date(windowEnd).toISOString());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^redeliver-orders-\d+: read 40 source event\(s\) .* routed 20 to /m);
    await eventually(() => (receiver.requests.length === before + live + lostIds.size ? true : undefined), 60_000, 'the window sent again');
    const again = receiver.requests.slice(before + live).map((r) => r.webhookId);
    assert.deepEqual([...again].sort(), [...lostIds].sort(), 'exactly the window, with the webhook-ids it had');
  });

  it('replays exactly the dead letters of a --since/--until window', async () => {
    await applySubscriptions(kafka, install, [testSubscription({ id: 'refusing', url: receivers.dlq!.url, tier: 3 })]);
    const subscription = testSubscription({ id: 'refusing', url: receivers.dlq!.url, tier: 3 });
    const dead = async (count: number) => eventually(async () => {
      const records = (await readAll(kafka, install.topics.dlq)).filter((r) => r.headers[H.subscriptionId] === 'refusing');
      return records.length === count ? records : undefined;
    }, 60_000, `${count} dead letters`);
    await produceDeliveries(kafka, install, subscription, 5);
    await dead(5);
    const since = Date.now();
    const inWindow = await produceDeliveries(kafka, install, subscription, 7);
    await dead(12);
    const until = await afterThisMillisecond();
    await produceDeliveries(kafka, install, subscription, 4);
    await dead(16);

    const bad = hookrail('dlq', 'replay', '--since', 'yesterday');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since <time>' argument 'yesterday' is invalid\. expected a time: ISO 8601 .*"2h", "30m"/);

    dlqAccepting = true;
    const dry = hookrail('dlq', 'replay', '--subscription', 'refusing', '--since', new Date(since).toISOString(), '--until', String(until), '--dry-run');
    assert.match(dry.stdout, /would replay 7 dead letter\(s\)$/m);
    const replay = hookrail('dlq', 'replay', '--subscription', 'refusing', '--since', new Date(since).toISOString(), '--until', String(until));
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /replayed 7 dead letter\(s\)$/m);
    await eventually(() => (inWindow.every((id) => receivers.dlq!.delivered.has(id)) ? true : undefined), 60_000, 'the window replayed');
    const marked = hookrail('dlq', 'inspect', '--subscription', 'refusing', '--json').stdout.trim().split('\n').map((line) => JSON.parse(line));
    const replayedIds = marked.filter((r) => r.replayed).map((r) => r['hookrail-delivery-id']);
    console.log(`# dlq replay by time: dead letters=${marked.length} in the window=${inWindow.length} replayed=${replayedIds.length} delivered=${receivers.dlq!.delivered.size}`);
    assert.deepEqual(replayedIds.sort(), [...inWindow].sort(), 'exactly the window is marked replayed');
    assert.deepEqual([...receivers.dlq!.delivered].sort(), [...inWindow].sort(), 'and only it was delivered');
  });

  it('refuses a bad time, an unknown subscription and a missing --since in one line with exit 2', () => {
    const bad = hookrail('subscriptions', 'backfill', 'orders', '--since', 'last tuesday');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /option '--since <time>' argument 'last tuesday' is invalid\. expected a time/);
    const unknown = hookrail('subscriptions', 'backfill', 'nobody', '--since', '2h');
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, 'hookrail: no subscription nobody in the registry ("hookrail subscriptions list" shows them)\n');
    const noSince = hookrail('subscriptions', 'backfill', 'orders');
    assert.equal(noSince.code, 2);
    assert.match(noSince.stderr, /^hookrail: --since is required: how far back to read/);
  });

  it('a backfill stuck on its receiver holds back no live delivery of its tier', async () => {
    // 'held' (tier 3, order.*) gets a backfill of every matching event so far, more than a lane's
    // buffer, and its receiver answers nothing: the backfill lane is full and stuck.
    await applySubscriptions(kafka, install, [testSubscription({ id: 'held', url: receivers.held!.url, tier: 3, eventTypes: ['order.*'] })]);
    const run = hookrail('subscriptions', 'backfill', 'held', '--since', new Date(firstEventAt - 1_000).toISOString(), '--rate', '100000');
    assert.equal(run.code, 0, run.stderr);
    const backfilled = Number(/routed (\d+) to /.exec(run.stdout)?.[1]);
    assert.ok(backfilled > MAX_BUFFERED, `${backfilled} backfilled: more than a lane holds`);
    await eventually(() => (receivers.held!.inFlight >= 16 ? true : undefined), 60_000, 'the held receiver\'s 16 slots taken');

    // Live events meanwhile: tier 3's live lane delivers them ('resumed' takes order.*).
    const live: string[] = [];
    await produce(40, { orders: live });
    const liveIds = live.map((id) => deliveryId(id, 'resumed'));
    await eventually(() => (liveIds.every((id) => receivers.resumed!.delivered.has(id)) ? true : undefined), 60_000, 'the live deliveries of tier 3');
    const heldDelivered = receivers.held!.delivered.size;
    console.log(`# backfill stuck: ${backfilled} backfilled to a receiver answering nothing (${receivers.held!.inFlight} requests held), ${liveIds.length} live deliveries of the same tier delivered meanwhile, ${heldDelivered} of the held answered`);
    assert.equal(heldDelivered, 0, 'the backfill was still stuck while live deliveries flowed');

    release();
    const expected = backfilled + live.length;
    await eventually(() => (receivers.held!.delivered.size >= expected ? true : undefined), 120_000, 'the backfill once released');
  });
});
