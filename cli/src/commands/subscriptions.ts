import { readFileSync } from 'node:fs';
import {
  deleteSubscriptions,
  parseSubscriptionsYaml,
  publishSubscriptions,
  type Subscription,
} from '@hookrail/shared';
import type { Command } from 'commander';
import { connectedContext, type CliContext, type GlobalOptions } from '../context.ts';
import { backfillCommand } from './backfill.ts';
import { CLI_EXIT, CliError } from '../errors.ts';
import { examples } from '../help.ts';
import { printJson, table } from '../output.ts';
import { readRegistry } from '../registry.ts';
import { refusedBecause } from '../url-policy.ts';
import { disabledNote, subscriptionSwitchCommands } from './subscription-switch.ts';

function readFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; relative paths are from ${process.cwd()})`, CLI_EXIT.usage);
  }
}

/** The subscriptions whose URL the deliverers would refuse, in words (HOOKRAIL_HTTP_* policy). */
function refusedUrls(subscriptions: Subscription[], policy: CliContext['config']['deliverer']['http']): string[] {
  return subscriptions.flatMap((s) => {
    const why = refusedBecause(s.url, policy);
    return why ? [`${s.id}: ${s.url}: ${why}`] : [];
  });
}

export function subscriptionsCommand(program: Command): void {
  const subscriptions = program.command('subscriptions').description('the integration registry');

  subscriptions
    .command('apply')
    .argument('<file>', 'YAML file with "subscriptions: [...]"')
    .option('--prune', 'delete subscriptions that are not in the file')
    .option('--dry-run', 'validate and show what would change, write nothing')
    .option('--allow-refused', 'write subscriptions the deliverers would refuse (their deliveries are dead-lettered), with a warning')
    .description('validate a subscriptions file, check each URL against the deliverers\' policy, write it to the registry topic')
    .addHelpText('after', examples('hookrail subscriptions apply subscriptions.yaml --dry-run', 'hookrail subscriptions apply subscriptions.yaml --prune'))
    .action(async (file: string, options: { prune?: boolean; dryRun?: boolean; allowRefused?: boolean }) => {
      const wanted = parseSubscriptionsYaml(readFile(file), file);
      const context = await connectedContext(program.opts<GlobalOptions>());
      const refused = refusedUrls(wanted, context.config.deliverer.http);
      if (refused.length > 0 && !options.allowRefused) {
        throw new CliError(
          `the deliverers would refuse ${refused.length === 1 ? 'this URL' : 'these URLs'} and dead-letter every delivery:\n${refused.map((r) => `  - ${r}`).join('\n')}\n(nothing written; --allow-refused writes them anyway)`,
          CLI_EXIT.usage,
        );
      }
      for (const line of refused) process.stderr.write(`hookrail: warning: ${line}\n`);
      const existing = await readRegistry(context);
      const existingIds = new Set(existing.map((s) => s.id));
      const wantedIds = new Set(wanted.map((s) => s.id));
      const removed = options.prune ? [...existingIds].filter((id) => !wantedIds.has(id)) : [];
      for (const s of wanted) console.log(`${existingIds.has(s.id) ? 'update' : 'create'}  ${s.id}  tier ${s.tier}  ${s.url}`);
      for (const id of removed) console.log(`delete  ${id}`);
      if (options.dryRun) return console.log(`dry run: nothing written (${wanted.length} valid subscription(s))`);
      const producer = context.kafka.producer({ idempotent: true });
      await producer.connect();
      try {
        await publishSubscriptions(producer, context.topics.subscriptions, wanted);
        await deleteSubscriptions(producer, context.topics.subscriptions, removed);
      } finally {
        await producer.disconnect();
      }
      console.log(`applied ${wanted.length} subscription(s)${removed.length ? `, deleted ${removed.length}` : ''}`);
    });

  subscriptions
    .command('list')
    .option('--json', 'print JSON (secrets redacted)')
    .description('list the subscriptions in the registry')
    .addHelpText('after', examples('hookrail subscriptions list', 'hookrail subscriptions list --json'))
    .action(async (options: { json?: boolean }) => {
      const all = await readRegistry(await connectedContext(program.opts<GlobalOptions>()));
      const problemOf = new Map(all.problems.map(({ id, problem }) => [id, problem]));
      const redacted = all.map((s) => ({
        ...s,
        secrets: s.secrets.map(() => 'whsec_[redacted]'),
        ...(problemOf.has(s.id) ? { problem: problemOf.get(s.id) } : {}),
      }));
      // Records that are not subscriptions at all are not in the view: list them too.
      const unreadable = all.problems.filter(({ id }) => !all.some((s) => s.id === id));
      if (options.json) return printJson([...redacted, ...unreadable]);
      const rows = table(['id', 'tier', 'enabled', 'source → destination', 'url', 'event types', 'flag / problem']);
      for (const s of redacted) {
        const note = [disabledNote(s), s.flagged ? `flagged ${s.flagged.at}: ${s.flagged.reason}` : '', s.problem ?? ''].filter(Boolean).join('\n');
        rows.push([s.id, s.tier, s.enabled && !s.disabled ? 'yes' : 'no', `${s.source} → ${s.destination}`, s.url, s.eventTypes.join(', '), note]);
      }
      for (const { id, problem } of unreadable) rows.push([id, '', '', '', '', '', problem]);
      console.log(rows.toString());
      console.log(`${redacted.length} subscription(s)`);
    });

  backfillCommand(subscriptions, program);

  subscriptions
    .command('delete')
    .argument('<id...>', 'subscription ids')
    .description('delete subscriptions (tombstones in the registry topic)')
    .addHelpText('after', examples('hookrail subscriptions delete billing', 'hookrail subscriptions delete billing warehouse-orders'))
    .action(async (ids: string[]) => {
      const context = await connectedContext(program.opts<GlobalOptions>());
      const producer = context.kafka.producer({ idempotent: true });
      await producer.connect();
      await deleteSubscriptions(producer, context.topics.subscriptions, ids).finally(() => producer.disconnect());
      console.log(`deleted ${ids.join(', ')}`);
    });

  subscriptionSwitchCommands(program, subscriptions);
}
