import { ensureTopics, hookrailTopicSpecs, progressKey, type BackfillProgress, type PartitionRange } from '@hookrail/shared';
import type { Admin } from 'kafkajs';
import type { CliContext } from '../context.ts';
import { CLI_EXIT, CliError } from '../errors.ts';
import { readRegistry } from '../registry.ts';
import { progressDisplay } from './display.ts';
import { describeProgress, sourceTopicsFor, startDecision, type StartRequest } from './plan.ts';
import { readProgress } from './progress.ts';
import { runBackfill } from './run.ts';
import { rangesOf, readOffsets } from './window.ts';

/**
 * `subscriptions backfill` and `events redeliver`: checks the subscription, starts or resumes
 * the backfill (its progress in Kafka), runs it, and prints what it did and how fast.
 */
export async function backfillJob(context: CliContext, request: StartRequest & { perSecond: number }): Promise<void> {
  const { kafka, topics, config } = context;
  const registry = await readRegistry(context);
  const subscription = registry.find((s) => s.id === request.subscriptionId);
  if (!subscription) throw new CliError(`no subscription ${request.subscriptionId} in the registry ("hookrail subscriptions list" shows them)`, CLI_EXIT.usage);
  if (!subscription.enabled) throw new CliError(`subscription ${subscription.id} is disabled, so no event matches it: enable it first`, CLI_EXIT.usage);

  const admin = kafka.admin();
  await admin.connect();
  const key = progressKey(request.kind, subscription.id);
  // Its transactional id is the backfill's: connecting fences a killed run and aborts its open transaction.
  // A step's transaction is short (the pacing wait comes before it): a killed run's open one is
  // aborted by the broker within 15 s even if nobody resumes (read_committed readers wait until then).
  const producer = kafka.producer({ transactionalId: `${config.topics.prefix}-backfill-${key.replace('/', '-')}`, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 15_000 });
  let progress: BackfillProgress;
  try {
    const needed = new Set([topics.backfill(subscription.tier), topics.backfills]);
    await ensureTopics(admin, hookrailTopicSpecs(config).filter((spec) => needed.has(spec.name)), { create: true });
    await producer.connect();
    const decision = startDecision(await readProgress(kafka, topics.backfills, key), request, Date.now());
    if ('refuse' in decision) throw new CliError(decision.refuse, CLI_EXIT.usage);
    if (decision.start === 'resume') {
      progress = decision.progress;
      process.stderr.write(`resuming ${progress.id} at ${readOffsets(progress.ranges)} offsets read, ${progress.routed} routed\n`);
    } else {
      const found = sourceTopicsFor(subscription, config.router, await admin.listTopics());
      if ('refuse' in found) throw new CliError(found.refuse, CLI_EXIT.usage);
      const startedAt = Date.now();
      progress = {
        key,
        id: `${request.kind}-${subscription.id}-${startedAt}`,
        kind: request.kind,
        subscriptionId: subscription.id,
        since: decision.since,
        until: request.until ?? null,
        startedAt,
        updatedAt: startedAt,
        ranges: await windowOf(admin, found.topics, decision.since, request.until),
        read: 0,
        routed: 0,
        undecodable: 0,
        done: false,
      };
    }
  } catch (error) {
    await producer.disconnect().catch(() => undefined);
    throw error;
  } finally {
    await admin.disconnect();
  }

  const display = progressDisplay(process.stderr, progress.id);
  const readBefore = progress.read;
  const routedBefore = progress.routed;
  const startedAt = Date.now();
  // Ctrl-C (or SIGTERM): finish the step under way, commit its progress, say how to go on.
  const interrupted = new AbortController();
  const interrupt = () => interrupted.abort();
  process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
  try {
    await runBackfill({ context, subscription, progress, producer, perSecond: request.perSecond, onProgress: display.update, signal: interrupted.signal });
  } finally {
    process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
    display.end();
    await producer.disconnect().catch(() => undefined);
  }
  if (!progress.done) {
    const resume = request.kind === 'backfill' ? `hookrail subscriptions backfill ${subscription.id} --resume` : `hookrail events redeliver --subscription ${subscription.id} --resume`;
    throw new CliError(`interrupted: ${progress.id} stopped at ${describeProgress(progress)}; continue it with "${resume}"`, CLI_EXIT.interrupted);
  }
  const seconds = Math.max(0.001, (Date.now() - startedAt) / 1_000);
  const read = progress.read - readBefore;
  const routed = progress.routed - routedBefore;
  console.log(
    `${progress.id}: read ${read} source event(s) in ${seconds.toFixed(1)} s (${Math.round(read / seconds)} events/s), ` +
      `routed ${routed} to ${topics.backfill(subscription.tier)} (${Math.round(routed / seconds)}/s)` +
      `${progress.undecodable ? `; ${progress.undecodable} undecodable skipped (see ${topics.invalid})` : ''}; ` +
      `in all ${progress.routed} routed of ${progress.read} read`,
  );
}

/** Per partition of each topic: the offsets for `since` and for `until` (or the log's end now). */
async function windowOf(admin: Admin, sourceTopics: readonly string[], since: number, until: number | undefined): Promise<PartitionRange[]> {
  const ranges: PartitionRange[] = [];
  for (const topic of sourceTopics) {
    const starts = await admin.fetchTopicOffsetsByTimestamp(topic, since);
    const ends = until === undefined ? (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high })) : await admin.fetchTopicOffsetsByTimestamp(topic, until);
    ranges.push(...rangesOf(topic, starts, ends));
  }
  return ranges;
}
