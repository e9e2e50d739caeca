/**
 * A three-node Kafka cluster of a test's own, on loopback, as users run Kafka: KRaft, every node
 * a combined broker+controller, a 3-voter controller quorum, `__transaction_state` and
 * `__consumer_offsets` with replication factor 3 and min ISR 2, `min.insync.replicas` 2.
 * It is `scripts/kafka.sh cluster …` (see there); nodes live in `<home>/node<N>`.
 *
 * API (every method waits on conditions, never on fixed sleeps):
 *
 *   const cluster = await startCluster({ name: 'my-test' });   // ~35 s on 2 busy cores
 *   after(() => cluster.stop());                                // always: stops nodes, deletes data
 *   cluster.brokers        // ['127.0.0.1:19092', '127.0.0.1:19094', '127.0.0.1:19096']
 *   cluster.nodes          // [1, 2, 3]
 *   cluster.kafka(id?)     // a KafkaJS client bootstrapped on every node
 *   cluster.env            // HOOKRAIL_* env for services: brokers, RF 3, min ISR 2
 *   await cluster.partitionLeader(topic, partition)        // node id
 *   await cluster.transactionCoordinator(transactionalId)  // node id (leader of its __transaction_state partition)
 *   await cluster.groupCoordinator(groupId)                // node id (leader of its __consumer_offsets partition)
 *   await cluster.transactionalIdLedBy(node, prefix)       // `${prefix}-<n>` whose coordinator is that node
 *                                                          // (so one kill hits partition leader and coordinator)
 *   cluster.address(node)        // '127.0.0.1:<port>' of that node
 *   await cluster.kill(node)     // SIGKILL, returns once the process is gone
 *   await cluster.stopNode(node) // SIGTERM (a clean stop), SIGKILL after 30 s; returns once gone
 *   await cluster.restart()      // starts every stopped node, returns once each answers
 *   await cluster.inSync(topics) // until every partition of these topics has its full ISR again
 *   cluster.running(node)        // is the node's process alive
 *
 * Ports: node N listens on 127.0.0.1:<port + 2(N-1)> and its controller on the next port;
 * `port` defaults to $CLUSTER_TEST_KAFKA_PORT or 19092 (so 19092–19097). If the test process
 * dies without `stop()`, an exit hook SIGKILLs the nodes it started.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createKafka } from '@hookrail/shared';
import type { Kafka } from 'kafkajs';
import { repoRoot, testLogger } from './kafka.ts';

const run = promisify(execFile);

export interface KafkaCluster {
  readonly brokers: string[];
  readonly nodes: number[];
  readonly home: string;
  /** Environment for a hookrail service on this cluster (brokers, topics RF 3, min ISR 2). */
  readonly env: Record<string, string>;
  kafka(clientId?: string): Kafka;
  partitionLeader(topic: string, partition: number): Promise<number>;
  transactionCoordinator(transactionalId: string): Promise<number>;
  groupCoordinator(groupId: string): Promise<number>;
  transactionalIdLedBy(node: number, prefix: string): Promise<string>;
  address(node: number): string;
  kill(node: number): Promise<void>;
  stopNode(node: number): Promise<void>;
  restart(): Promise<void>;
  inSync(topics: string[], timeoutMs?: number): Promise<void>;
  running(node: number): boolean;
  stop(): Promise<void>;
}

/** Partitions of the internal topics (kafka/server.properties). */
const TRANSACTION_STATE_PARTITIONS = 4;
const OFFSETS_PARTITIONS = 4;

export async function startCluster(options: { name?: string; port?: number; nodes?: number } = {}): Promise<KafkaCluster> {
  const port = options.port ?? Number(process.env.CLUSTER_TEST_KAFKA_PORT ?? 19092);
  const count = options.nodes ?? 3;
  const home = mkdtempSync(join(tmpdir(), `hookrail-cluster-${options.name ?? 'test'}-`));
  // Test data is thrown away: a node that has not stopped 5 s after SIGTERM is killed.
  const env = { ...process.env, KAFKA_HOME_DIR: home, KAFKA_CLUSTER_PORT: String(port), KAFKA_NODES: String(count), KAFKA_STOP_TIMEOUT: '5' };
  const script = (...args: string[]) =>
    run('bash', [join(repoRoot, 'scripts/kafka.sh'), 'cluster', ...args], { env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const nodes = Array.from({ length: count }, (_, i) => i + 1);
  const brokers = nodes.map((node) => `127.0.0.1:${port + 2 * (node - 1)}`);

  const pidOf = (node: number): number | undefined => {
    try {
      const pid = Number(readFileSync(join(home, `node${node}`, 'kafka.pid'), 'utf8').trim());
      return pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const alive = (pid: number | undefined): boolean => {
    if (pid === undefined) return false;
    try {
      process.kill(pid, 0);
      // A zombie (dead, not yet reaped) is not running; a reused pid is not our broker.
      if (/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return false;
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(home);
    } catch {
      return false;
    }
  };
  // Last resort if the test process ends without stop(): no broker is left behind.
  const killAll = () => {
    for (const node of nodes) {
      const pid = pidOf(node);
      if (alive(pid)) process.kill(pid!, 'SIGKILL');
    }
  };
  process.on('exit', killAll);

  try {
    await script('start');
  } catch (error) {
    killAll();
    rmSync(home, { recursive: true, force: true });
    throw new Error(`the test cluster did not start: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }

  const admin = createKafka({ brokers, clientId: 'cluster-helper', connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000, ssl: false }, testLogger).admin();
  await admin.connect();

  const leaderOf = async (topic: string, partition: number): Promise<number> => {
    for (let attempt = 0; ; attempt++) {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        const leader = topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader;
        if (leader !== undefined && leader >= 0) return leader;
      } catch (error) {
        if (attempt >= 50) throw error;
      }
      if (attempt >= 50) throw new Error(`${topic}-${partition} has no leader`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  return {
    brokers,
    nodes,
    home,
    env: {
      HOOKRAIL_KAFKA_BROKERS: brokers.join(','),
      HOOKRAIL_TOPIC_REPLICATION_FACTOR: String(Math.min(3, count)),
      HOOKRAIL_TOPIC_MIN_INSYNC_REPLICAS: String(count >= 3 ? 2 : 1),
    },
    kafka: (clientId = 'hookrail-cluster-test') =>
      createKafka({ brokers, clientId, connectionTimeoutMs: 3_000, requestTimeoutMs: 30_000, ssl: false }, testLogger),
    partitionLeader: leaderOf,
    // Kafka places a transactional id / group on partition abs(javaHashCode(id)) % partitions
    // of its internal topic; that partition's leader is the coordinator.
    transactionCoordinator: (transactionalId) => leaderOf('__transaction_state', internalPartition(transactionalId, TRANSACTION_STATE_PARTITIONS)),
    groupCoordinator: (groupId) => leaderOf('__consumer_offsets', internalPartition(groupId, OFFSETS_PARTITIONS)),
    async transactionalIdLedBy(node, prefix) {
      // __transaction_state is created when a first transactional producer initializes,
      // which KafkaJS does at its first transaction.
      const probe = createKafka({ brokers, clientId: 'cluster-helper', connectionTimeoutMs: 3_000, requestTimeoutMs: 30_000, ssl: false }, testLogger)
        .producer({ transactionalId: `${prefix}-probe`, idempotent: true, maxInFlightRequests: 1 });
      await probe.connect();
      try {
        await (await probe.transaction()).abort();
      } finally {
        await probe.disconnect();
      }
      const leaders = new Map<number, number>();
      for (let partition = 0; partition < TRANSACTION_STATE_PARTITIONS; partition++) leaders.set(partition, await leaderOf('__transaction_state', partition));
      for (let n = 0; n < 10_000; n++) {
        const id = `${prefix}-${n}`;
        if (leaders.get(internalPartition(id, TRANSACTION_STATE_PARTITIONS)) === node) return id;
      }
      throw new Error(`node ${node} leads no __transaction_state partition`);
    },
    address: (node) => brokers[node - 1]!,
    async kill(node) {
      const pid = pidOf(node);
      if (!alive(pid)) throw new Error(`node ${node} is not running`);
      process.kill(pid!, 'SIGKILL');
      while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
    },
    async stopNode(node) {
      const pid = pidOf(node);
      if (!alive(pid)) throw new Error(`node ${node} is not running`);
      process.kill(pid!, 'SIGTERM');
      const deadline = Date.now() + 30_000;
      while (alive(pid)) {
        if (Date.now() > deadline) process.kill(pid!, 'SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async restart() {
      await script('start');
    },
    async inSync(topics, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const metadata = await admin.fetchTopicMetadata({ topics }).catch(() => undefined);
        const partitions = metadata?.topics.flatMap((t) => t.partitions) ?? [];
        if (partitions.length > 0 && partitions.every((p) => p.leader >= 0 && p.isr.length === p.replicas.length)) return;
        if (Date.now() > deadline) throw new Error(`partitions of ${topics.join(', ')} not back in sync after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    running: (node) => alive(pidOf(node)),
    async stop() {
      await admin.disconnect().catch(() => undefined);
      try {
        await script('stop');
      } finally {
        killAll();
        process.off('exit', killAll);
        rmSync(home, { recursive: true, force: true });
      }
    },
  };
}

/** Kafka's `Utils.abs(id.hashCode()) % partitions` (Java's String.hashCode). */
export function internalPartition(id: string, partitions: number): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (Math.imul(hash, 31) + id.charCodeAt(i)) | 0;
  const abs = hash === -2147483648 ? 0 : Math.abs(hash);
  return abs % partitions;
}
