import { disableRecord, type DisableState, type Subscription } from '@hookrail/shared';
import type { Command } from 'commander';
import { connectedContext, type CliContext, type GlobalOptions } from '../context.ts';
import { matchesFilter } from '../dlq/filter.ts';
import { selectForReplay, sendBack } from '../dlq/replay.ts';
import { CLI_EXIT, CliError } from '../errors.ts';
import { examples } from '../help.ts';
import { positiveNumber } from '../options.ts';
import { readRegistry } from '../registry.ts';
import { replaySince } from '../replay-since.ts';
import { readDeadLetters } from './dlq.ts';

/** The `subscriptions list` note of a disabled subscription. */
export const disabledNote = (s: Subscription): string => (s.disabled ? `disabled by ${s.disabled.by} ${s.disabled.at}: ${s.disabled.reason}` : '');

async function existing(context: CliContext, id: string): Promise<Subscription> {
  const subscription = (await readRegistry(context)).find((s) => s.id === id);
  if (!subscription) throw new CliError(`subscription "${id}" does not exist in ${context.topics.subscriptions} ("hookrail subscriptions list" shows the ids)`, CLI_EXIT.usage);
  return subscription;
}

async function writeState(context: CliContext, id: string, state: DisableState): Promise<void> {
  const producer = context.kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    const { topic, message } = disableRecord(context.topics.subscriptions, id, state);
    await producer.send({ topic, acks: -1, messages: [message] });
  } finally {
    await producer.disconnect();
  }
}

/** `subscriptions disable ID` and `subscriptions enable ID [--replay-since TIME]`. */
export function subscriptionSwitchCommands(program: Command, subscriptions: Command): void {
  subscriptions
    .command('disable')
    .argument('<id>', 'subscription id')
    .option('--reason <text>', 'why (shown by "subscriptions list", the status page and each dead letter)', 'disabled by an operator')
    .description('stop delivering to a subscription: its deliveries go to the DLQ without a request (subscription-disabled) until "subscriptions enable"')
    .addHelpText('after', examples('hookrail subscriptions disable billing --reason "receiver migrating until 18:00"'))
    .action(async (id: string, options: { reason: string }) => {
      const context = await connectedContext(program.opts<GlobalOptions>());
      const subscription = await existing(context, id);
      const at = new Date().toISOString();
      await writeState(context, id, { disabled: true, reason: options.reason, at, by: 'cli' });
      const was = subscription.disabled ? ` (it was already disabled by ${subscription.disabled.by} at ${subscription.disabled.at})` : '';
      console.log(`disabled ${id}${was}: its deliveries go to the DLQ until "hookrail subscriptions enable ${id} --replay-since ${at}"`);
    });

  subscriptions
    .command('enable')
    .argument('<id>', 'subscription id')
    .option('--replay-since <time>', 'also send back what was dead-lettered for it since then: ISO 8601 or how long ago (30m, 2h, 7d)', replaySince())
    .option('--rate <n>', 'deliveries sent back per second, at most', positiveNumber, 100)
    .description('turn a disabled subscription (by the monitor\'s auto-disable or "subscriptions disable") back on, and replay its dead letters')
    .addHelpText('after', examples('hookrail subscriptions enable billing', 'hookrail subscriptions enable billing --replay-since 2h', 'hookrail subscriptions enable billing --replay-since 2026-01-31T12:00:00Z'))
    .action(async (id: string, options: { replaySince?: number; rate: number }) => {
      const context = await connectedContext(program.opts<GlobalOptions>());
      const subscription = await existing(context, id);
      if (!subscription.enabled) {
        throw new CliError(`subscription "${id}" says enabled: false in its subscriptions file: set enabled: true there and "hookrail subscriptions apply" it`, CLI_EXIT.usage);
      }
      const enabledAt = Date.now();
      await writeState(context, id, { disabled: false, at: new Date(enabledAt).toISOString(), by: 'cli' });
      const was = subscription.disabled ? `enabled ${id} (disabled by ${subscription.disabled.by} at ${subscription.disabled.at}: ${subscription.disabled.reason})` : `enabled ${id} (it was not disabled)`;
      if (options.replaySince === undefined) return console.log(was);

      const { letters, marks } = await readDeadLetters(context);
      const matching = letters.filter((letter) => matchesFilter(letter, { subscription: [id], since: options.replaySince }));
      const { chosen, alreadyReplayed } = selectForReplay(matching, marks, false);
      const sent = await sendBack(context, chosen, marks, { perSecond: options.rate, onProgress: () => undefined, enabledAt });
      const skipped = alreadyReplayed ? `; ${alreadyReplayed} replayed before, skipped ("hookrail dlq replay --subscription ${id} --again" sends them again)` : '';
      console.log(`${was}; replayed ${sent} dead letter(s) since ${new Date(options.replaySince).toISOString()}${skipped}`);
    });
}
