// What the peers scenario compares, each started on its own install (topics, groups) with the
// same receiver URL: hookrail (router + deliverer), the naive KafkaJS consumer, Spring Kafka.
import type { Kafka } from 'kafkajs';
import { applySubscriptions, BENCH_SECRET, benchSubscription, brokers, type Install } from '../kafka.ts';
import { startPipeline } from '../pipeline.ts';
import { startNaive } from '../scenarios/naive.ts';
import { stopAll, type ServiceProcess } from '../services.ts';
import { startSpring } from './spring.ts';

export interface Contender {
  key: string;
  name: string;
  /** What it promises about every event, in a line (the measured lost/duplicates go beside it). */
  guarantees: string;
  start(kafka: Kafka, install: Install, url: string): Promise<ServiceProcess[]>;
}

async function started(processes: ServiceProcess[]): Promise<ServiceProcess[]> {
  try {
    await Promise.all(processes.map((p) => p.ready(120_000)));
    return processes;
  } catch (error) {
    await stopAll(processes);
    throw error;
  }
}

export const contenders: Contender[] = [
  {
    key: 'hookrail',
    name: 'hookrail',
    guarantees: 'at least once; retries through delay topics without blocking the partition; after the last attempt the DLQ; Kafka hand-offs in transactions',
    async start(kafka, install, url) {
      await applySubscriptions(kafka, install, [benchSubscription({ id: 'peer', url })]);
      return (await startPipeline(install)).all();
    },
  },
  {
    key: 'spring',
    name: 'Spring Kafka @RetryableTopic',
    guarantees: 'at least once; retry topics (1 s, 2 s, 4 s) without blocking the partition; after 4 attempts the DLT; one POST in flight per partition',
    async start(_kafka, install, url) {
      return started([startSpring({ brokers: brokers(), topic: install.source, group: `${install.prefix}-spring`, url, secret: BENCH_SECRET, partitions: 6 })]);
    },
  },
  {
    key: 'naive',
    name: 'naive KafkaJS eachMessage',
    guarantees: 'at least once while it retries; retries in place (1 s, 2 s, 4 s) blocking the partition; after 4 attempts the event is dropped (no DLQ)',
    async start(_kafka, install, url) {
      return started([startNaive(install, install.source, [url])]);
    },
  },
];
