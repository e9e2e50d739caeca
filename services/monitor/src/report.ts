import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Kafka } from 'kafkajs';
import { MalformedRecord, parseAttempt, type AttemptEntry } from '@hookrail/shared';
import { deleteThrowawayGroup } from './throwaway-group.ts';
import { comparePeriods, formatComparison, summarizeAttempts, summarizeStatus, type ComparisonRow, type PeriodSummary } from './policy/compare.ts';
import type { StatusReport } from './status.ts';

/** A period to compare: a saved /status document, or a time range of the attempts topic. */
export type PeriodSpec = { kind: 'snapshot'; file: string } | { kind: 'range'; from: number; to: number; text: string };

/**
 * Reads "FROM..TO" as a range (ISO times, epoch ms, or relative to now: "-2h", "-30m",
 * "now"), anything else as a snapshot file.
 */
export function parsePeriod(text: string, now = Date.now()): PeriodSpec {
  const match = /^(.+?)\.\.(.+)$/.exec(text);
  if (!match) return { kind: 'snapshot', file: text };
  const at = (value: string): number => {
    const v = value.trim();
    if (v === 'now') return now;
    const relative = /^-(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(v);
    if (relative) return now - Number(relative[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'ms'];
    if (/^\d{10,}$/.test(v)) return Number(v);
    const parsed = Date.parse(v);
    if (Number.isNaN(parsed)) throw new Error(`"${v}" is not a time (ISO 8601, epoch ms, "now" or e.g. "-2h")`);
    return parsed;
  };
  const from = at(match[1]!);
  const to = at(match[2]!);
  if (!(to > from)) throw new Error(`range ${text}: the end must come after the start`);
  return { kind: 'range', from, to, text };
}

/**
 * Attempt records whose record timestamp lies in [from, to): positions found with
 * ListOffsets by timestamp, read with a throwaway group (read_committed) from there, which
 * is deleted afterwards.
 */
export async function readAttemptRange(kafka: Kafka, topic: string, from: number, to: number): Promise<AttemptEntry[]> {
  const groupId = `hookrail-report-${randomUUID()}`;
  try {
    return await readRange(kafka, topic, from, to, groupId);
  } finally {
    await deleteThrowawayGroup(kafka, groupId);
  }
}

async function readRange(kafka: Kafka, topic: string, from: number, to: number, groupId: string): Promise<AttemptEntry[]> {
  const admin = kafka.admin();
  await admin.connect();
  if (!(await admin.listTopics()).includes(topic)) {
    await admin.disconnect();
    throw new Error(`topic ${topic} does not exist: create hookrail's topics with \`hookrail topics create\` (or check HOOKRAIL_TOPIC_PREFIX)`);
  }
  let starts: Array<{ partition: number; offset: string }>;
  let stops: Map<number, number>;
  try {
    starts = await admin.fetchTopicOffsetsByTimestamp(topic, from);
    stops = new Map((await admin.fetchTopicOffsetsByTimestamp(topic, to)).map((p) => [p.partition, Number(p.offset)]));
    await admin.setOffsets({ groupId, topic, partitions: starts.map((p) => ({ partition: p.partition, offset: p.offset })) });
  } finally {
    await admin.disconnect();
  }
  const remaining = new Map(starts.filter((p) => (stops.get(p.partition) ?? 0) > Number(p.offset)).map((p) => [p.partition, stops.get(p.partition)!]));
  const entries: AttemptEntry[] = [];
  if (remaining.size === 0) return entries;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 200 });
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const stop = remaining.get(payload.partition);
    if (stop !== undefined && Number(payload.lastOffset) >= stop - 1) remaining.delete(payload.partition);
    if (remaining.size === 0) finish();
  });
  await consumer.connect();
  await consumer.subscribe({ topic });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const stop = remaining.get(batch.partition);
      if (stop === undefined) return;
      for (const message of batch.messages) {
        if (Number(message.offset) >= stop) break;
        const entry = parseAttempt(message.value);
        if (!(entry instanceof MalformedRecord)) entries.push(entry);
      }
    },
  });
  const timer = setTimeout(finish, 120_000);
  try {
    await finished;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return entries;
}

export interface Report {
  before: PeriodSummary;
  after: PeriodSummary;
  rows: ComparisonRow[];
  text: string;
}

async function summarize(spec: PeriodSpec, attempts: () => Promise<{ kafka: Kafka; topic: string }>): Promise<PeriodSummary> {
  if (spec.kind === 'snapshot') {
    const status = JSON.parse(await readFile(spec.file, 'utf8')) as StatusReport;
    if (status.kind !== 'hookrail-status') throw new Error(`${spec.file} is not a saved hookrail /status document`);
    return summarizeStatus(status, spec.file);
  }
  const { kafka, topic } = await attempts();
  const entries = await readAttemptRange(kafka, topic, spec.from, spec.to);
  return summarizeAttempts(entries, spec.from, spec.to, `${topic} ${spec.text}`);
}

/** The before/after report of two periods (snapshot files or attempt-topic ranges). */
export async function beforeAfterReport(
  before: PeriodSpec,
  after: PeriodSpec,
  attempts: () => Promise<{ kafka: Kafka; topic: string }> = () => Promise.reject(new Error('time ranges need a Kafka connection')),
): Promise<Report> {
  const b = await summarize(before, attempts);
  const a = await summarize(after, attempts);
  const rows = comparePeriods(b, a);
  return { before: b, after: a, rows, text: formatComparison(b, a, rows) };
}
