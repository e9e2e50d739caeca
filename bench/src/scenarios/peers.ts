// 9. Peers, side by side on the same receiver and machine: hookrail, a Spring Kafka deliverer
// with @RetryableTopic, the naive KafkaJS consumer; Kafka Connect's HTTP sink where one can be
// built (see bench/peers/README.md for why none can here). Three workloads each.
import type { Context, Scenario } from '../context.ts';
import { createInstall, produceEvents } from '../kafka.ts';
import { brokerPid, waitDelivered } from '../pipeline.ts';
import { contenders, type Contender } from '../peers/contenders.ts';
import { buildSpring, SPRING_JVM_FLAGS } from '../peers/spring.ts';
import type { ScenarioResult } from '../report.ts';
import { cpuSeconds, stopAll, type ServiceProcess } from '../services.ts';
import { barChart } from '../svg.ts';
import { fmt, nowMs, round, sleep, summarize } from '../stats.ts';
import { SLOW_MS } from './slow.ts';

const FLAKY_PERCENT = 20;
const WARM_UP = 100;

interface Workload {
  key: string;
  name: string;
  events: number;
  timeoutMs: number;
  url(context: Context, name: string): string;
}

export interface PeerRun {
  peer: string;
  workload: string;
  events: number;
  delivered: number;
  complete: boolean;
  seconds: number;
  eventsPerSecond: number;
  latencyMs: { p50: number; p99: number };
  cpuSecondsPer1000: number;
  brokerCpuSecondsPer1000: number;
  peakRssMiB: number;
  lost: number | null;
  duplicates: number;
  failedAttempts: number;
}

/** Why Kafka Connect is not in the table: what `mvn` answered for each HTTP sink tried. */
export const KAFKA_CONNECT_NOTE =
  'Kafka Connect (connect-runtime 4.3.1 resolves from Maven Central) is not compared: no open-source HTTP sink connector resolves from Maven Central here. ' +
  'io.github.clescot:kafka-connect-http-connectors (0.8.24–0.8.84 listed) fails on its parent POM io.github.clescot:kafka-connect-http at the same version, which is not published (only 0.2.148, 0.2.172, 0.3.13, 0.7.21, 0.7.151, 0.8.119), and it needs io.confluent artifacts that are not on Maven Central; ' +
  'org.apache.camel.kafkaconnector:camel-http-sink-kafka-connector, io.aiven:http-connector-for-apache-kafka and the Lenses stream-reactor HTTP sink have no version there (Camel Kafka Connector stops at 0.11.0, without an HTTP sink); Confluent\'s HTTP sink is neither open source nor on Maven Central. Details: bench/peers/README.md.';

async function measure(context: Context, contender: Contender, workload: Workload): Promise<PeerRun> {
  const { kafka, receiver } = context;
  const install = await createInstall(kafka, `peers-${contender.key}-${workload.key}`);
  const name = `${install.prefix}-r`;
  const url = workload.url(context, name);
  let processes: ServiceProcess[] = [];
  const producer = kafka.producer();
  try {
    processes = await contender.start(kafka, install, url);
    await producer.connect();
    // Warm-up (group joined, connections open, JIT warm). The receiver is not reset after it:
    // counts are taken as differences, so a warm-up event delivered again counts as a duplicate
    // and not as a new event (its id is already known), and the flaky receiver goes on failing
    // the first attempt of every 5th new id.
    await produceEvents(producer, install.source, WARM_UP);
    const warm = await waitDelivered(receiver, [name], WARM_UP, 120_000);
    if (!warm.complete) throw new Error(`${contender.name}: warm-up delivered ${warm.distinct} of ${WARM_UP} in 120 s`);
    await sleep(500);
    const base = await receiver.statsOf(name);
    await receiver.recordLatency(true);
    const pids = processes.map((p) => p.pid);
    const broker = brokerPid();
    const cpu = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const cpu0 = cpu();
    const broker0 = broker ? cpuSeconds(broker) : Number.NaN;
    const t0 = nowMs();
    await produceEvents(producer, install.source, workload.events);
    const done = await waitDelivered(receiver, [name], base.distinct + workload.events, workload.timeoutMs);
    const cpuUsed = cpu() - cpu0;
    const brokerUsed = broker ? cpuSeconds(broker) - broker0 : Number.NaN;
    await sleep(2_000); // late duplicates
    const stats = await receiver.statsOf(name, true);
    await receiver.recordLatency(false);
    const delivered = stats.distinct - base.distinct;
    const seconds = ((done.complete ? done.lastNewAt : nowMs()) - t0) / 1_000;
    const latency = summarize(stats.latencies ?? []);
    const peakRssMiB = processes.reduce((sum, p) => sum + (p.memory()?.peakMiB ?? Number.NaN), 0);
    const run: PeerRun = {
      peer: contender.key,
      workload: workload.key,
      events: workload.events,
      delivered,
      complete: done.complete,
      seconds: round(seconds, 2),
      eventsPerSecond: round(delivered / seconds, 1),
      latencyMs: { p50: round(latency.p50, 1), p99: round(latency.p99, 1) },
      cpuSecondsPer1000: round((cpuUsed / Math.max(1, delivered)) * 1_000, 3),
      brokerCpuSecondsPer1000: round((brokerUsed / Math.max(1, delivered)) * 1_000, 3),
      peakRssMiB: round(peakRssMiB, 0),
      lost: done.complete ? Math.max(0, workload.events - delivered) : null,
      duplicates: stats.ok - base.ok - delivered,
      failedAttempts: stats.failed - base.failed,
    };
    context.log(
      `${contender.name}, ${workload.name}: ${fmt(run.eventsPerSecond, 1)} events/s, p50 ${fmt(run.latencyMs.p50)} ms, p99 ${fmt(run.latencyMs.p99)} ms, ` +
        `${run.cpuSecondsPer1000} CPU s / 1,000, peak RSS ${run.peakRssMiB} MiB, ${run.delivered}/${run.events} delivered${run.complete ? '' : ' (time up)'}, ${run.duplicates} duplicates`,
    );
    return run;
  } finally {
    await receiver.recordLatency(false);
    await producer.disconnect().catch(() => undefined);
    await stopAll(processes);
    await install.cleanup();
  }
}

const times = (a: number | null | undefined, b: number | null | undefined) => (a && b && Number.isFinite(a) && Number.isFinite(b) ? `${(a / b).toFixed(a / b >= 10 ? 0 : 2)}×` : 'n/a');

export const peers: Scenario = {
  name: 'peers',
  title: 'Peers side by side: hookrail, Spring Kafka @RetryableTopic, the naive KafkaJS consumer (Kafka Connect: see note)',
  async run(context: Context): Promise<ScenarioResult> {
    const workloads: Workload[] = [
      { key: 'fast', name: 'fast receiver', events: context.size(3_000, 500), timeoutMs: context.size(120_000, 60_000), url: (c, n) => c.receiver.fast(n) },
      { key: 'slow', name: `slow receiver (${SLOW_MS} ms)`, events: context.size(300, 100), timeoutMs: context.size(150_000, 60_000), url: (c, n) => c.receiver.slow(n, SLOW_MS) },
      { key: 'flaky', name: `${FLAKY_PERCENT} % of first attempts fail`, events: context.size(300, 100), timeoutMs: context.size(150_000, 60_000), url: (c, n) => c.receiver.flakyPercent(n, FLAKY_PERCENT) },
    ];
    context.log(`Spring Kafka peer: ${buildSpring(context.log)}`);
    const runs: PeerRun[] = [];
    for (const workload of workloads) {
      for (const contender of contenders) runs.push(await measure(context, contender, workload));
    }

    const find = (peer: string, workload: string) => runs.find((r) => r.peer === peer && r.workload === workload);
    const others = contenders.filter((c) => c.key !== 'hookrail');
    const ratios = workloads.flatMap((w) => {
      const h = find('hookrail', w.key)!;
      return others.map((c) => {
        const p = find(c.key, w.key)!;
        return {
          workload: w.key,
          peer: c.key,
          eventsPerSecond: round(h.eventsPerSecond / p.eventsPerSecond, 2),
          p50: round(h.latencyMs.p50 / p.latencyMs.p50, 2),
          p99: round(h.latencyMs.p99 / p.latencyMs.p99, 2),
          cpuPer1000: round(h.cpuSecondsPer1000 / p.cpuSecondsPer1000, 2),
          peakRss: round(h.peakRssMiB / p.peakRssMiB, 2),
        };
      });
    });
    const nameOf = (key: string) => contenders.find((c) => c.key === key)!.name;
    const workloadOf = (key: string) => workloads.find((w) => w.key === key)!.name;
    return {
      scenario: 'peers',
      title: peers.title,
      method:
        `Each peer × workload on a fresh 6-partition source topic (and its own groups, retry and dead-letter topics), one subscription, the same receiver process. After a ${WARM_UP}-event warm-up, N events are produced as fast as the producer goes; events/s = delivered ÷ (last new 2xx − first produce); latency = receiver's 2xx − the event's produce time (so under a burst it includes the time queued); ` +
        `CPU = user + system seconds of the peer's own processes (hookrail: router + deliverer) per 1,000 delivered, the broker's beside it (the broker is shared: that figure includes whatever else ran, and grows with a run's length); RSS = peak (VmHWM) of those processes; lost = produced − distinct webhook-ids answered 2xx, duplicates = 2xx answers − new distinct ids (a warm-up event delivered again counts as one), counted by the receiver 2 s after the last. ` +
        `Workloads: fast receiver; slow receiver (${SLOW_MS} ms per request); a receiver answering 503 to the first attempt of ${FLAKY_PERCENT} % of the events. Settings: hookrail defaults (maxInFlight 16); Spring Boot 4.1.2 / Spring Kafka 4.1.x, one listener thread per partition (6), @RetryableTopic attempts 4, back-off 1 s × 2, JVM ${SPRING_JVM_FLAGS.join(' ')}; naive as in the naive scenario (retries 1 s, 2 s, 4 s in place). Why each: bench/peers/README.md.`,
      tables: [
        {
          title: 'Peers: each peer × workload',
          head: ['workload', 'peer', 'events/s', 'p50 ms', 'p99 ms', 'CPU s / 1,000 events (broker, shared)', 'peak RSS MiB', 'delivered', 'lost', 'duplicates', 'guarantees'],
          rows: runs.map((r) => [
            workloadOf(r.workload),
            nameOf(r.peer),
            fmt(r.eventsPerSecond, 1),
            fmt(r.latencyMs.p50),
            fmt(r.latencyMs.p99),
            `${fmt(r.cpuSecondsPer1000, 2)} (${fmt(r.brokerCpuSecondsPer1000, 2)})`,
            fmt(r.peakRssMiB),
            `${r.delivered}/${r.events}${r.complete ? '' : ' (time up)'}`,
            r.lost === null ? 'n/a (not finished)' : r.lost,
            r.duplicates,
            contenders.find((c) => c.key === r.peer)!.guarantees,
          ]),
        },
        {
          title: "hookrail's ratio to each peer (hookrail ÷ peer: above 1 is better for events/s, below 1 is better for the rest)",
          head: ['workload', 'peer', 'events/s', 'p50 latency', 'p99 latency', 'CPU / 1,000 events', 'peak RSS'],
          rows: workloads.flatMap((w) =>
            others.map((c) => {
              const h = find('hookrail', w.key)!;
              const p = find(c.key, w.key)!;
              return [w.name, c.name, times(h.eventsPerSecond, p.eventsPerSecond), times(h.latencyMs.p50, p.latencyMs.p50), times(h.latencyMs.p99, p.latencyMs.p99), times(h.cpuSecondsPer1000, p.cpuSecondsPer1000), times(h.peakRssMiB, p.peakRssMiB)];
            }),
          ),
        },
      ],
      data: { runs, ratios, kafkaConnect: { compared: false, reason: KAFKA_CONNECT_NOTE }, guarantees: Object.fromEntries(contenders.map((c) => [c.key, c.guarantees])) },
      notes: [KAFKA_CONNECT_NOTE, 'The machine is shared and its load varies during the run: read every figure as ±20 % or worse (the load average is in the JSON).'],
      charts: [
        {
          file: 'peers.svg',
          svg: barChart({
            title: 'Peers: events per second on the same receiver',
            subtitle: 'log scale; one subscription, 6 partitions',
            yLabel: 'events / s',
            categories: workloads.map((w) => w.name),
            series: contenders.map((c) => ({ name: c.name, values: workloads.map((w) => find(c.key, w.key)?.eventsPerSecond) })),
            log: true,
          }),
        },
      ],
    };
  },
};
