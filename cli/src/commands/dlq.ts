import { MalformedRecord } from '@hookrail/shared';
import type { Command } from 'commander';
import { connectedContext, type CliContext, type GlobalOptions } from '../context.ts';
import { deadLetterOf, type DeadLetter } from '../dlq/dead-letter.ts';
import { ERROR_CLASSES, matchesFilter, type DeadLetterFilter } from '../dlq/filter.ts';
import { progressBar } from '../dlq/pace.ts';
import { readWholeTopic } from '../dlq/read-topic.ts';
import { readReplayLog, replayLogTopic, type ReplayMark } from '../dlq/replay-log.ts';
import { selectForReplay, sendBack } from '../dlq/replay.ts';
import { examples } from '../help.ts';
import { collect, oneOf, positiveNumber, timeArgument, wholeNumber } from '../options.ts';
import { table } from '../output.ts';

function withFilters(command: Command): Command {
  return command
    .option('--subscription <id>', 'only this subscription (repeatable)', collect)
    .option('--event-type <pattern>', 'only these event types: exact, "order.*" or "*" (repeatable)', collect)
    .option(`--error <class>`, `only this error class: ${ERROR_CLASSES.join(', ')} (repeatable)`, oneOf(ERROR_CLASSES))
    .option('--status <code>', 'only this HTTP status of the last attempt (repeatable)', (v: string, prev: number[] = []) => [...prev, wholeNumber(100, 599)(v)])
    .option('--since <time>', 'dead-lettered at or after: ISO time, epoch ms, "now", or how long ago ("2h", "30m")', timeArgument())
    .option('--until <time>', 'dead-lettered before: the same forms', timeArgument())
    .option('--delivery-id <id>', 'only these deliveries (repeatable, or comma-separated)', collect);
}

export async function readDeadLetters(context: CliContext): Promise<{ letters: DeadLetter[]; marks: Map<string, ReplayMark> }> {
  const letters: DeadLetter[] = [];
  await readWholeTopic(context.kafka, context.topics.dlq, (partition, message) => letters.push(deadLetterOf(partition, message)));
  letters.sort((a, b) => a.at - b.at || a.partition - b.partition || Number(a.offset) - Number(b.offset));
  const marks = await readReplayLog(context.kafka, replayLogTopic(context.config.topics.prefix));
  return { letters, marks };
}

const replayedText = (mark: ReplayMark | undefined) =>
  mark ? `${new Date(mark.replayedAt).toISOString().replace(/\.\d+Z$/, 'Z')}${mark.times > 1 ? ` (×${mark.times})` : ''}` : 'no';

/** The table's columns after the offset (a malformed dead letter: its problem as the detail). */
function letterColumns({ letter }: DeadLetter, replayed: string): string[] {
  if (letter instanceof MalformedRecord) return ['', '', '', '', '', '', replayed, letter.problem.slice(0, 200)];
  const { about } = letter;
  return [about.subscriptionId ?? '', about.deliveryId ?? '', about.eventType ?? '', String(about.attempt ?? ''), letter.error, String(letter.status ?? ''), replayed, letter.detail.slice(0, 200)];
}

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
        rows.push([l.key, ...letterColumns(l, replayedText(marks.get(l.key)))]);
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
    .addHelpText('after', examples('hookrail dlq replay --dry-run', 'hookrail dlq replay --subscription billing --status 422 --since 2h', 'hookrail dlq replay --since 2026-01-31T12:00:00Z --until 2026-01-31T13:00:00Z', 'hookrail dlq replay --delivery-id 9f0c…,a1b2… --again', 'hookrail dlq replay --rate 20'))
    .action(async (options: DeadLetterFilter & { dryRun?: boolean; again?: boolean; rate: number }) => {
      const context = await connectedContext(program.opts<GlobalOptions>());
      const { letters, marks } = await readDeadLetters(context);
      const matching = letters.filter((letter) => matchesFilter(letter, options));
      const { chosen, alreadyReplayed, unreadable } = selectForReplay(matching, marks, options.again === true);
      const notes = [
        alreadyReplayed ? `${alreadyReplayed} already replayed, skipped (--again to send them again)` : '',
        unreadable ? `${unreadable} not a delivery record, skipped` : '',
      ].filter(Boolean);
      const summary = (verb: string, count: number) => `${verb} ${count} dead letter(s)${notes.length ? `; ${notes.join('; ')}` : ''}`;
      if (options.dryRun) return console.log(summary('would replay', chosen.length));
      const onTerminal = process.stderr.isTTY === true;
      const sent = await sendBack(context, chosen, marks, {
        perSecond: options.rate,
        onProgress: (done) => onTerminal && process.stderr.write(`\r${progressBar(done, chosen.length)}`),
      });
      if (onTerminal && sent > 0) process.stderr.write('\n');
      console.log(summary('replayed', sent));
    });
}
