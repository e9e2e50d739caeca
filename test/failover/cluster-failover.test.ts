// Exactly-once bookkeeping when a coordinator fails over (issue 24), on a three-broker cluster
// (replication factor 3, min.insync.replicas 2) with two routers and two deliverers. Three
// faults, each on events of its own, each counted: dead letters written twice, events fanned
// out twice, deliveries lost — all must be 0.
//
//   (a) the transaction coordinator of deliverer-2's tier-2 lane is SIGKILLed the moment that
//       lane's commit is answered (dead letters flow to the DLQ), with deliverer-2 itself:
//       deliverer-1 takes its partitions over while the commit's markers are not written yet.
//   (b) the same for router-2's transaction coordinator during fan-out: router-1 takes over.
//   (c) the group coordinator of the tier-2 deliverer group is SIGKILLed when a rebalance
//       begins (a third deliverer joins), with deliverer-1; the third one leaves by SIGTERM.
//
// A killed node is restarted once the survivors have taken over (never two down at once);
// killed instances are restarted with the same instance id. Whether the kill caught a commit
// whose markers were not written yet is printed ("pending at the kill"): the group's offsets
// of the lane were unstable right after it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createInterface } from 'node:readline';
import { ensureTopics, H } from '@hookrail/shared';
import type { Admin, Kafka } from 'kafkajs';
import { internalPartition, startCluster, type KafkaCluster } from '../support/cluster.ts';
import { repoRoot, uniquePrefix } from '../support/kafka.ts';
import type { Receiver } from '../support/receiver.ts';
import { startService, type RunningProcess } from '../support/services.ts';
import { alphaAndBeta, alphaBetaEvents } from '../support/tally.ts';
import { createTestInstall, eventually, readAll, type TestInstall } from '../support/topics.ts';

const run = promisify(execFile);
const EVENTS = Number(process.env.CLUSTER_FAILOVER_EVENTS ?? 240);
/** Each fault is tried this many times in a row on the same cluster and instances. */
const ROUNDS = Number(process.env.CLUSTER_FAILOVER_ROUNDS ?? 1);
const TRANSACTION_STATE_PARTITIONS = 4;

describe('exactly-once bookkeeping across coordinator failovers (three-broker cluster)', () => {
  let cluster: KafkaCluster;
  let kafka: Kafka;
  let admin: Admin;
  let install: TestInstall;
  const receivers: Receiver[] = [];
  /** Every process started, by name; a restart replaces the entry (earlier logs are kept). */
  const processes = new Map<string, RunningProcess>();
  const earlierLogs: Array<Record<string, unknown>> = [];
  const prefix = uniquePrefix('cf');
  const source = `${prefix}-source`;
  let env: Record<string, string>;
  const ids = { router1: 'r1', router2: '' };
  const deliverers = { 'deliverer-1': '', 'deliverer-2': '' };

  /** Starts (or restarts) an instance; `watched` ones log KafkaJS's requests (the kill trigger reads them). */
  const start = (name: string, service: 'router' | 'deliverer' | 'monitor', instanceId: string, watched = false) => {
    const previous = processes.get(name);
    if (previous) earlierLogs.push(...previous.logs);
    const logging: Record<string, string> = watched ? { HOOKRAIL_LOG_LEVEL: 'debug', KAFKAJS_LOG_LEVEL: 'debug' } : { HOOKRAIL_LOG_LEVEL: 'info' };
    const running = startService(service, { ...env, HOOKRAIL_INSTANCE_ID: instanceId, ...logging });
    processes.set(name, running);
    return running;
  };

  before(async () => {
    const started = Date.now();
    cluster = await startCluster({ name: 'failover', port: Number(process.env.CLUSTER_FAILOVER_KAFKA_PORT ?? 19092) });
    kafka = cluster.kafka('cluster-failover-test');
    admin = kafka.admin();
    await admin.connect();
    install = await createTestInstall(kafka, prefix, {
      topics: { prefix, partitions: 3, replicationFactor: 3, minInsyncReplicas: 2 },
      tiers: { 1: { retries: 2 }, 2: { retries: 2 }, 3: { retries: 2 } },
    });
    await ensureTopics(admin, [{ name: source, partitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }], { create: true });
    await cluster.inSync([source, install.topics.tier(1), install.topics.tier(2), install.topics.dlq]);
    receivers.push(...(await alphaAndBeta(kafka, install)));
    env = { ...install.env, ...cluster.env, HOOKRAIL_ROUTER_SOURCE_TOPICS: source };

    // Instance ids whose transactions the chosen coordinator owns alone: deliverer-2's tier-2
    // lane on a node that coordinates neither its tier-1 nor tier-3 lane, so an EndTxn answered
    // by that node is the tier-2 lane's; router-2 on a node of its own likewise.
    await cluster.transactionalIdLedBy(1, `${prefix}-probe`); // creates __transaction_state
    const leaders = await transactionStateLeaders(cluster);
    const coordinator = (transactionalId: string) => leaders[internalPartition(transactionalId, TRANSACTION_STATE_PARTITIONS)]!;
    const tier2Alone = (id: string) => {
      const [t1, t2, t3] = [1, 2, 3].map((tier) => coordinator(`${prefix}-deliverer-tier${tier}-${id}`));
      return t2 !== t1 && t2 !== t3;
    };
    deliverers['deliverer-1'] = findId('d', tier2Alone);
    deliverers['deliverer-2'] = findId('d', (id) => id !== deliverers['deliverer-1'] && tier2Alone(id));
    ids.router2 = findId('r', (id) => id !== ids.router1 && coordinator(`${prefix}-router-${id}`) !== coordinator(`${prefix}-router-${ids.router1}`));

    start('router-1', 'router', ids.router1);
    start('router-2', 'router', ids.router2, true);
    start('deliverer-1', 'deliverer', deliverers['deliverer-1'], true);
    start('deliverer-2', 'deliverer', deliverers['deliverer-2'], true);
    await Promise.all([...processes.values()].map((p) => p.ready(180_000)));
    console.log(`# cluster and two routers, two deliverers ready in ${Date.now() - started} ms`);
  });

  after(async () => {
    // With TEST_LOG_DIR set, every instance's log lines, for a post-mortem.
    if (process.env.TEST_LOG_DIR) {
      for (const [name, p] of processes) writeFileSync(join(process.env.TEST_LOG_DIR, `failover-${name}.jsonl`), p.logs.map((l) => JSON.stringify(l)).join('\n'));
      writeFileSync(join(process.env.TEST_LOG_DIR, 'failover-earlier.jsonl'), earlierLogs.map((l) => JSON.stringify(l)).join('\n'));
    }
    await Promise.all([...processes.values()].map((p) => p.stop('SIGKILL')));
    for (const receiver of receivers) await receiver.close();
    await admin?.disconnect().catch(() => undefined);
    await cluster?.stop();
  });

  /** Sends `count` events over ~3 s (so commits keep flowing); their deliveries are owed. */
  const sendEvents = async (count: number) => {
    const expected = new Set<string>();
    const events = alphaBetaEvents(count, expected);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    try {
      for (let chunk = 0; chunk < 6; chunk++) {
        await producer.send({ topic: source, acks: -1, messages: events.slice((chunk * count) / 6, ((chunk + 1) * count) / 6) });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      await producer.disconnect();
    }
    return { expected, keys: new Set(events.map((e) => e.key)) };
  };

  /**
   * SIGKILLs a candidate instance and its coordinator node the moment that instance logs an
   * EndTxn answer from that node (once `armed()`), in the same tick; then says whether the
   * commit was still pending then (the group's offsets unstable).
   */
  const killOnCommit = async (candidates: Array<{ name: string; node: number }>, groupId: string, topic: string, armed: () => boolean) => {
    let fired = false;
    const seen: string[] = [];
    const killed = new Promise<{ at: number; name: string; node: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no commit answered within 90 s; EndTxn answers seen: ${seen.join(', ') || 'none'}`)), 90_000);
      for (const { name, node } of candidates) {
        const instance = processes.get(name)!;
        createInterface({ input: instance.child.stdout! }).on('line', (line) => {
          if (fired || !line.includes('"Response EndTxn')) return;
          seen.push(`${name}←${/"broker":"([^"]*)"/.exec(line)?.[1]}${armed() ? '' : ' (not armed)'}`);
          if (!line.includes(`"broker":"${cluster.address(node)}"`) || !armed()) return;
          fired = true;
          void cluster.kill(node);
          instance.child.kill('SIGKILL');
          clearTimeout(timer);
          resolve({ at: Date.now(), name, node });
        });
      }
    });
    const result = await killed;
    let pending = 'unknown';
    for (let attempt = 0; attempt < 5 && pending.startsWith('unknown'); attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      pending = await admin
        .fetchOffsets({ groupId, topics: [topic], requireStable: true } as Parameters<Admin['fetchOffsets']>[0])
        .then(() => 'no (markers written)', (error: { type?: string; message: string }) => (error.type === 'UNSTABLE_OFFSET_COMMIT' ? 'yes' : `unknown (${error.type ?? error.message})`));
    }
    return { ...result, pending };
  };

  /** Waits for every delivery of this phase, then counts its duplicates and losses. */
  const tally = async (phase: string, expected: Set<string>, keys: Set<string>) => {
    const delivered = () => new Set(receivers.flatMap((r) => [...r.delivered]));
    await eventually(
      async () => {
        const dead = new Set((await readAll(kafka, install.topics.dlq)).map((r) => r.headers[H.deliveryId]!));
        const done = delivered();
        return [...expected].every((id) => done.has(id) || dead.has(id)) ? true : undefined;
      },
      240_000,
      `every delivery of phase ${phase} delivered or dead-lettered`,
      2_000,
    ).catch((error: Error) => {
      const problems = [...processes].map(([name, p]) => `${name}: ${p.logs.filter((l) => l.level === 'warn' || l.level === 'error' || l.level === 'fatal').slice(-5).map((l) => JSON.stringify(l).slice(0, 300)).join('\n')}`);
      throw new Error(`${error.message}\n${problems.join('\n')}`);
    });
    const countOf = (records: Array<{ headers: Record<string, string> }>) => {
      const counts = new Map<string, number>();
      for (const r of records) {
        const id = r.headers[H.deliveryId]!;
        if (expected.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    };
    const dead = countOf(await readAll(kafka, install.topics.dlq));
    const fanned = countOf([...(await readAll(kafka, install.topics.tier(1))), ...(await readAll(kafka, install.topics.tier(2)))]);
    const done = delivered();
    const counts = {
      deadTwice: [...dead.values()].filter((n) => n > 1).length,
      fannedTwice: [...fanned.values()].filter((n) => n > 1).length,
      lost: [...expected].filter((id) => !done.has(id) && !dead.has(id)).length,
    };
    console.log(`# (${phase}) events=${keys.size} deliveries=${expected.size} dead-lettered=${dead.size} fanned-out=${fanned.size} dead-lettered-twice=${counts.deadTwice} fanned-out-twice=${counts.fannedTwice} lost=${counts.lost}`);
    return counts;
  };

  /** Starts the killed node again and waits until every partition has its full ISR. */
  const restartNode = async () => {
    await cluster.restart();
    await cluster.inSync([source, install.topics.tier(1), install.topics.tier(2), install.topics.dlq, '__consumer_offsets', '__transaction_state']);
  };

  /** Resolves once `name` logs a new assignment after `since`. */
  const assignedAfter = (name: string, since: number) =>
    eventually(() => (processes.get(name)!.logs.some((l) => l.msg === 'partitions assigned' && Date.parse(String(l.time)) > since) ? true : undefined), 120_000, `${name} assigned after the kill`, 200);

  /** After a kill: the survivor took over; the node and the instance come back while the phase settles. */
  const recover = async (phase: string, expected: Set<string>, keys: Set<string>, survivor: string, at: number, name: string, relaunch: () => RunningProcess) => {
    await assignedAfter(survivor, at);
    const back = restartNode().then(() => {
      relaunch();
      return readyOrAgain(name, relaunch);
    });
    const counts = await tally(phase, expected, keys);
    await back;
    return counts;
  };

  /** Start-up exits of an instance (each is started again, as an orchestrator would). */
  const startupExits: string[] = [];
  const readyOrAgain = async (name: string, relaunch: () => RunningProcess) => {
    try {
      await processes.get(name)!.ready(180_000);
    } catch (error) {
      startupExits.push(`${name}: ${String(error).split('\n').slice(0, 3).join(' ')}`);
      await relaunch().ready(180_000);
    }
  };
  const roles = {
    'router-1': () => start('router-1', 'router', ids.router1),
    'router-2': () => start('router-2', 'router', ids.router2, true),
    'deliverer-1': () => start('deliverer-1', 'deliverer', deliverers['deliverer-1'], true),
    'deliverer-2': () => start('deliverer-2', 'deliverer', deliverers['deliverer-2'], true),
  };
  /** Before each phase: every node and the four instances run (a failed phase leaves nothing behind). */
  const heal = async () => {
    if (!cluster.nodes.every((node) => cluster.running(node))) await restartNode();
    for (const [name, relaunch] of Object.entries(roles)) {
      const { child } = processes.get(name)!;
      if (child.exitCode === null && child.signalCode === null) continue;
      startupExits.push(`${name} was not running when a phase began (exit ${child.exitCode ?? child.signalCode})`);
      relaunch();
      await readyOrAgain(name, relaunch);
    }
  };

  for (let round = 1; round <= ROUNDS; round++) {
    it(`(a${round}) a deliverer lane whose coordinator dies right after a commit: its dead letters are not written again by the next owner`, async () => {
      await heal();
      const group = `${prefix}-deliverer-tier2`;
      // Tier records are keyed by subscription: beta's are on one tier-2 partition, and the
      // deliverer that owns it is the one whose tier-2 lane commits. Either may be it.
      const candidates = await Promise.all(
        (['deliverer-1', 'deliverer-2'] as const).map(async (name) => ({ name, node: await cluster.transactionCoordinator(`${group}-${deliverers[name]}`) })),
      );
      const beta = receivers[1]!;
      const refusedBefore = beta.requests.filter((r) => r.status === 400).length;
      const phase = sendEvents(EVENTS);
      // Armed once beta refused a delivery of this phase for good: the lane has dead letters to commit.
      const kill = killOnCommit(candidates, group, install.topics.tier(2), () => beta.requests.filter((r) => r.status === 400).length > refusedBefore);
      const { expected, keys } = await phase;
      const { at, name, node, pending } = await kill;
      console.log(`# (a${round}) killed node ${node} (tier-2 coordinator of ${name}) and ${name} on its commit; pending at the kill: ${pending}`);
      const [killed, survivor] = name === 'deliverer-1' ? (['deliverer-1', 'deliverer-2'] as const) : (['deliverer-2', 'deliverer-1'] as const);
      const counts = await recover(`a${round}`, expected, keys, survivor, at, killed, () => start(killed, 'deliverer', deliverers[killed], true));
      assert.deepEqual(counts, { deadTwice: 0, fannedTwice: 0, lost: 0 });
    });

    it(`(b${round}) a router whose coordinator dies right after a commit: its fan-out is not done again by the next owner`, async () => {
      await heal();
      const group = `${prefix}-router`;
      const victim = await cluster.transactionCoordinator(`${group}-${ids.router2}`);
      const phase = sendEvents(EVENTS);
      const kill = killOnCommit([{ name: 'router-2', node: victim }], group, source, () => true);
      const { expected, keys } = await phase;
      const { at, pending } = await kill;
      console.log(`# (b${round}) killed node ${victim} (coordinator of router-2) and router-2 on its commit; pending at the kill: ${pending}`);
      const counts = await recover(`b${round}`, expected, keys, 'router-1', at, 'router-2', () => start('router-2', 'router', ids.router2, true));
      assert.deepEqual(counts, { deadTwice: 0, fannedTwice: 0, lost: 0 });
    });

    it(`(c${round}) the deliverer group coordinator dies during a rebalance: nothing is dead-lettered twice or lost`, async () => {
      await heal();
      const group = `${prefix}-deliverer-tier2`;
      const victim = await cluster.groupCoordinator(group);
      const deliverer1 = processes.get('deliverer-1')!;
      const phase = sendEvents(EVENTS);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const since = Date.now();
      start('deliverer-3', 'deliverer', 'joiner');
      // The rebalance the third deliverer starts: kill the coordinator and deliverer-1 as it begins.
      await eventually(() => (deliverer1.logs.some((l) => l.msg === 'membership in doubt; commits stop until the group settles' && Date.parse(String(l.time)) > since) ? true : undefined), 120_000, 'the rebalance to begin', 20);
      await cluster.kill(victim);
      await deliverer1.stop('SIGKILL');
      console.log(`# (c${round}) killed node ${victim} (group coordinator of ${group}) and deliverer-1 as the rebalance began`);
      const { expected, keys } = await phase;
      await readyOrAgain('deliverer-3', () => start('deliverer-3', 'deliverer', 'joiner'));
      const counts = await recover(`c${round}`, expected, keys, 'deliverer-2', since, 'deliverer-1', () => start('deliverer-1', 'deliverer', deliverers['deliverer-1'], true));
      // And one leaves: the third deliverer, by SIGTERM.
      assert.equal(await processes.get('deliverer-3')!.stop('SIGTERM'), 0, 'the third deliverer leaves cleanly');
      assert.deepEqual(counts, { deadTwice: 0, fannedTwice: 0, lost: 0 });
    });
  }

  it('(d) router, deliverer, monitor and the CLI start, and restart, with one of three nodes down', async () => {
    await heal();
    // Node 1, the first bootstrap address, stopped cleanly: new instances start through the others.
    await cluster.stopNode(1);
    const monitor = start('monitor', 'monitor', 'm1');
    const joined = [monitor, start('router-3', 'router', 'r3'), start('deliverer-3', 'deliverer', 'joiner')];
    await Promise.all(joined.map((p) => p.ready(180_000)));
    const cli = await run(process.execPath, ['--disable-warning=TimeoutNegativeWarning', join(repoRoot, 'cli/src/main.ts'), '--brokers', cluster.brokers.join(','), '--prefix', prefix, 'subscriptions', 'list'], {
      encoding: 'utf8',
      timeout: 120_000,
    }).catch((error: { code?: number; stderr?: string }) => assert.fail(`the CLI failed (exit ${error.code}) with node 1 down: ${error.stderr}`));
    assert.match(cli.stdout, /alpha/);
    await restartNode();
    // Node 2 killed (SIGKILL: the cluster still lists it for a few seconds), and router-1,
    // deliverer-1 and the monitor restarted at once, during the outage.
    await cluster.kill(2);
    const exits: Record<string, number | string> = {};
    for (const [name, service, id] of [['router-1', 'router', ids.router1], ['deliverer-1', 'deliverer', deliverers['deliverer-1']], ['monitor', 'monitor', 'm1']] as const) {
      exits[name] = await processes.get(name)!.stop('SIGTERM');
      await start(name, service, id).ready(180_000);
    }
    console.log(`# (d) started monitor, router-3, deliverer-3 with node 1 stopped; restarted router-1, deliverer-1, monitor with node 2 killed (their exits: ${JSON.stringify(exits)})`);
    const { expected, keys } = await sendEvents(EVENTS / 3);
    const counts = await tally('d', expected, keys);
    await restartNode();
    assert.deepEqual(counts, { deadTwice: 0, fannedTwice: 0, lost: 0 });
    for (const name of ['router-3', 'deliverer-3']) await processes.get(name)!.stop('SIGTERM');
  });

  it('says how long settles and hand-overs waited for stable offsets', () => {
    const logs = [...earlierLogs, ...[...processes.values()].flatMap((p) => p.logs)];
    const waits = (msg: string) => logs.filter((l) => l.msg === msg).map((l) => Number(l.waitedMs));
    const settles = waits('settled a transaction whose commit outcome was unknown');
    const handovers = waits('waited for stable offsets: a transaction committing them was pending');
    const landed = logs.filter((l) => l.msg === 'settled a transaction whose commit outcome was unknown').map((l) => l.landed);
    console.log(`# start-up exits (instance started again): ${startupExits.length}${startupExits.map((e) => `\n#   ${e.slice(0, 400)}`).join('')}`);
    console.log(
      `# settles of an unknown outcome: ${settles.length} (landed: ${landed.join(',') || '-'}), longest ${Math.max(0, ...settles)} ms; ` +
        `hand-overs that waited for stable offsets: ${handovers.length}, longest ${Math.max(0, ...handovers)} ms`,
    );
  });
});

/** The leader of each __transaction_state partition, by partition. */
async function transactionStateLeaders(cluster: KafkaCluster): Promise<number[]> {
  const leaders: number[] = [];
  for (let partition = 0; partition < TRANSACTION_STATE_PARTITIONS; partition++) leaders.push(await cluster.partitionLeader('__transaction_state', partition));
  return leaders;
}

/** The first `<letter><n>` that `fits`. */
function findId(letter: string, fits: (id: string) => boolean): string {
  for (let n = 2; n < 10_000; n++) if (fits(`${letter}${n}`)) return `${letter}${n}`;
  throw new Error(`no instance id fits (${letter})`);
}
