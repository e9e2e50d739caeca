import { byTopic, deliveryHeaders, ensureTopics, H, type Delivery, type OutgoingRecord } from '@hookrail/shared';
import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectedContext, type CliContext, type GlobalOptions } from '../context.ts';
import { deadLetterOf, type DeadLetter } from '../dlq/dead-letter.ts';
import { ERROR_CLASSES, matchesFilter, type DeadLetterFilter } from '../dlq/filter.ts';
import { progressBar, waitBeforeNext } from '../dlq/pace.ts';
import { readWholeTopic } from '../dlq/read-topic.ts';
import { markRecord, readReplayLog, replayLogSpec, replayLogTopic, type ReplayMark } from '../dlq/replay-log.ts';
import { examples } from '../help.ts';
import { collect, oneOf, positiveNumber, timeArgument, wholeNumber } from '../options.ts';
import { table } from '../output.ts';

/** The header linking a replayed delivery to the dead letter it came from. */
export const REPLAY_OF_HEADER = 'hookrail-replay-of';


function withFilters(command: Command): Command {
  return command
    .option('--subscription <id>', 'only this subscription (repeatable)', collect)
    .option('--event-type <pattern>', 'only these event types: exact, "order.*" or "*" (repeatable)', collect)
    .option(`--error <class>`, `only this error class: ${ERROR_CLASSES.join(', ')} (repeatable)`, oneOf(ERROR_CLASSES))
    .option('--status <code>', 'only this HTTP status of the last attempt (repeatable)', (v: string, prev: number[] = []) => [...prev, wholeNumber(100, 599)(v)])
    .option('--since <time>', 'dead-lettered at or after: ISO time, epoch ms, "now" or "-2h"', timeArgument())
    .option('--until <time>', 'dead-lettered before: the same forms', timeArgument())
    .option('--delivery-id <id>', 'only these deliveries (repeatable, or comma-separated)', collect);
}


async function readDeadLetters(context: CliContext): Promise<{ letters: DeadLetter[]; marks: Map<string, ReplayMark> }> {
  const letters: DeadLetter[] = [];
  await readWholeTopic(context.kafka, context.topics.dlq, (partition, message) => letters.push(deadLetterOf(partition, message)));
  letters.sort((a, b) => a.at - b.at || a.partition - b.partition || Number(a.offset) - Number(b.offset));
  const marks = await readReplayLog(context.kafka, replayLogTopic(context.config.topics.prefix));
  return { letters, marks };
}

const replayedText = (mark: ReplayMark | undefined) =>
  mark ? `${new Date(mark.replayedAt).toISOString().replace(/\.\d+Z$/, 'Z')}${mark.times > 1 ? ` (×${mark.times})` : ''}` : 'no';

export function dlqCommand(program: Command): void {
  const dlq = program.command('dlq').description('inspect and replay the dead-letter topic');

  withFilters(
    dlq
      .command('inspect')
      .description('show dead letters: why each failed, how often it was tried, whether it was replayed'),
  )
    .option('--limit <n>', 'at most this many (the oldest first)', wholeNumber(1), 50)
    .option('--json', 'one JSON object per line: headers, payload, replayed')
    .addHelpText('after', examples('hookrail dlq inspect', 'hookrail dlq inspect --subscription billing --error exhausted --since -1d', 'hookrail dlq inspect --status 422 --json | jq .payload'))
    .action(async (options: DeadLetterFilter & { limit: number; json?: boolean }) => {
      const context = await connectedContext(program.opts<GlobalOptions>());
      const { letters, marks } = await readDeadLetters(context);
      const matching = letters.filter((letter) => matchesFilter(letter, options));
      const shown = matching.slice(0, options.limit);
      if (options.json) {
        for (const l of shown) {
          const mark = marks.get(l.key);
          console.log(JSON.stringify({ partition: String(l.partition), offset: l.offset, ...l.headers, payload: l.payload?.toString('utf8') ?? '', replayed: mark ?? null }));
        }
        return;
      }
      const rows = table(['offset', 'subscription', 'delivery', 'event type', 'attempts', 'error', 'status', 'replayed', 'detail'], {
        colWidths: [null, null, null, null, null, null, null, null, 50],
        wordWrap: true,
      });
      for (const l of shown) {
        const h = l.headers;
        rows.push([l.key, h[H.subscriptionId] ?? '', h[H.deliveryId] ?? '', h[H.eventType] ?? '', h[H.attempt] ?? '', h[H.error] ?? '', h[H.status] ?? '', replayedText(marks.get(l.key)), (h[H.errorDetail] ?? '').slice(0, 200)]);
      }
      console.log(rows.toString());
      const replayed = matching.filter((l) => marks.has(l.key)).length;
      console.log(`${shown.length} of ${matching.length} dead letter(s) shown; ${replayed} of them replayed`);
    });

  withFilters(
    dlq
      .command('replay')
      .description('send dead letters back to their tier topic for a fresh round of attempts (same webhook-id); each is marked as replayed'),
  )
    .option('--dry-run', 'say what would be replayed, send nothing')
    .option('--again', 'also replay dead letters that were replayed before')
    .option('--rate <n>', 'deliveries sent back per second, at most', positiveNumber, 100)
    .addHelpText('after', examples('hookrail dlq replay --dry-run', 'hookrail dlq replay --subscription billing --status 422 --since -2h', 'hookrail dlq replay --delivery-id 9f0c…,a1b2… --again', 'hookrail dlq replay --rate 20'))
    .action(async (options: DeadLetterFilter & { dryRun?: boolean; again?: boolean; rate: number }) => {
      const context = await connectedContext(program.opts<GlobalOptions>());
      const { kafka, topics, config } = context;
      const { letters, marks } = await readDeadLetters(context);
      const matching = letters.filter((letter) => matchesFilter(letter, options));
      const unreadable = matching.filter((l) => typeof l.delivery === 'string');
      const before = matching.filter((l) => typeof l.delivery !== 'string' && marks.has(l.key));
      const chosen = matching.filter((l) => typeof l.delivery !== 'string' && (options.again || !marks.has(l.key)));
      const notes = [
        before.length && !options.again ? `${before.length} already replayed, skipped (--again to send them again)` : '',
        unreadable.length ? `${unreadable.length} not a delivery record, skipped` : '',
      ].filter(Boolean);
      const summary = (verb: string, count: number) => `${verb} ${count} dead letter(s)${notes.length ? `; ${notes.join('; ')}` : ''}`;
      if (options.dryRun || chosen.length === 0) {
        console.log(summary(options.dryRun ? 'would replay' : 'replayed', chosen.length));
        return;
      }

      const admin = kafka.admin();
      await admin.connect();
      await ensureTopics(admin, [replayLogSpec(config)], { create: true }).finally(() => admin.disconnect());
      const logTopic = replayLogTopic(config.topics.prefix);
      const producer = kafka.producer({ transactionalId: `${config.topics.prefix}-dlq-replay-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const progress = process.stderr.isTTY ? (done: number) => process.stderr.write(`\r${progressBar(done, chosen.length)}`) : () => {};
      const chunk = Math.max(1, Math.min(500, Math.floor(options.rate)));
      const startedAt = Date.now();
      let sent = 0;
      try {
        for (let from = 0; from < chosen.length; from += chunk) {
          await sleep(waitBeforeNext(sent, options.rate, startedAt, Date.now()));
          const out: OutgoingRecord[] = [];
          for (const letter of chosen.slice(from, from + chunk)) {
            const delivery = letter.delivery as Delivery;
            const fresh: Delivery = { ...delivery, attempt: 0 };
            delete fresh.firstAttemptAt;
            delete fresh.notBefore;
            delete fresh.rung;
            const tierTopic = topics.tier(delivery.tier);
            const headers = { ...deliveryHeaders(fresh), [REPLAY_OF_HEADER]: `${topics.dlq}/${letter.key}` };
            out.push({ topic: tierTopic, message: { key: delivery.subscriptionId, value: delivery.payload, headers } });
            out.push({ topic: logTopic, message: markRecord(letter, marks.get(letter.key), tierTopic, Date.now()) });
          }
          // The deliveries and their marks in one transaction: never sent without a mark, never marked unsent.
          const transaction = await producer.transaction();
          try {
            await transaction.sendBatch({ topicMessages: byTopic(out) });
            await transaction.commit();
          } catch (error) {
            await transaction.abort();
            throw error;
          }
          sent += out.length / 2;
          progress(sent);
        }
      } finally {
        if (process.stderr.isTTY) process.stderr.write('\n');
        await producer.disconnect();
      }
      console.log(summary('replayed', sent));
    });
}
