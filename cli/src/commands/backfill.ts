import type { Command } from 'commander';
import { backfillJob } from '../backfill/job.ts';
import { connectedContext, type GlobalOptions } from '../context.ts';
import { CLI_EXIT, CliError } from '../errors.ts';
import { examples } from '../help.ts';
import { positiveNumber, timeArgument } from '../options.ts';

interface BackfillOptions {
  since?: number;
  until?: number;
  rate: number;
  resume?: boolean;
  restart?: boolean;
}

const TIME = 'ISO time, epoch ms, or how long ago ("2h", "30m", "7d")';

function withWindow(command: Command, untilRequired: boolean): Command {
  return command
    .option('--since <time>', `read source events from this time: ${TIME}`, timeArgument())
    .option('--until <time>', `${untilRequired ? '' : 'optional: '}up to this time (default: the end of the topics when it starts): the same forms`, timeArgument())
    .option('--rate <n>', 'deliveries written per second, at most', positiveNumber, 100)
    .option('--resume', 'continue the unfinished one where it stopped (its window and progress are kept in Kafka)')
    .option('--restart', 'start a new one although one is unfinished');
}

/** `subscriptions backfill ID`: a new subscription gets the matching events still in retention. */
export function backfillCommand(subscriptions: Command, program: Command): void {
  withWindow(subscriptions.command('backfill').argument('<id>', 'subscription id'), false)
    .description('route the source events of a time window to one subscription (same webhook-ids as live routing), in the deliverers\' backfill lane')
    .addHelpText('after', examples('hookrail subscriptions backfill warehouse-orders --since 7d', 'hookrail subscriptions backfill warehouse-orders --since 2026-01-31T00:00:00Z --until 2026-02-01T00:00:00Z --rate 500', 'hookrail subscriptions backfill warehouse-orders --resume'))
    .action(async (id: string, options: BackfillOptions) => {
      const context = await connectedContext(program.opts<GlobalOptions>());
      await backfillJob(context, { kind: 'backfill', subscriptionId: id, since: options.since, until: options.until, resume: options.resume === true, restart: options.restart === true, perSecond: options.rate });
    });
}

/** `events redeliver`: a receiver lost data it had acknowledged; send that window again. */
export function redeliverCommand(program: Command): void {
  const events = program.command('events').description('source events');
  withWindow(events.command('redeliver'), true)
    .requiredOption('--subscription <id>', 'the subscription whose receiver lost data')
    .description('send a subscription the events of a time window again (same webhook-ids), for a receiver that lost data it had acknowledged')
    .addHelpText('after', examples('hookrail events redeliver --subscription billing --since 2026-01-31T09:00:00Z --until 2026-01-31T11:00:00Z', 'hookrail events redeliver --subscription billing --since 3h --until 1h'))
    .action(async (options: BackfillOptions & { subscription: string }) => {
      if (!options.resume && options.until === undefined) {
        throw new CliError('--until is required: the end of the window the receiver lost (ISO time, or how long ago: "1h")', CLI_EXIT.usage);
      }
      const context = await connectedContext(program.opts<GlobalOptions>());
      await backfillJob(context, { kind: 'redeliver', subscriptionId: options.subscription, since: options.since, until: options.until, resume: options.resume === true, restart: options.restart === true, perSecond: options.rate });
    });
}
