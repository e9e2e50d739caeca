import { readFileSync } from 'node:fs';
import {
  createSubscriptionRegistry,
  createLogger,
  deleteSubscriptions,
  parseSubscriptionsYaml,
  publishSubscriptions,
} from '@hookrail/shared';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { cliContext, type CliContext, type GlobalOptions } from '../context.ts';

async function readRegistry(context: CliContext) {
  const registry = createSubscriptionRegistry({
    kafka: context.kafka,
    topic: context.topics.subscriptions,
    // Silent: problems are part of what the commands print, and --json output must stay JSON.
    logger: createLogger('cli', 'silent'),
    owner: 'cli',
  });
  await registry.start();
  const all = registry.all();
  const problems = registry.problems();
  await registry.stop();
  return Object.assign(all, { problems });
}

export function subscriptionsCommand(program: Command): void {
  const subscriptions = program.command('subscriptions').description('the integration registry');

  subscriptions
    .command('apply')
    .argument('<file>', 'YAML file with "subscriptions: [...]"')
    .option('--prune', 'delete subscriptions that are not in the file')
    .option('--dry-run', 'validate and show what would change, write nothing')
    .description('validate a subscriptions file and write it to the registry topic')
    .action(async (file: string, options: { prune?: boolean; dryRun?: boolean }) => {
      const wanted = parseSubscriptionsYaml(readFileSync(file, 'utf8'), file);
      const context = cliContext(program.opts<GlobalOptions>());
      const existing = await readRegistry(context);
      const existingIds = new Set(existing.map((s) => s.id));
      const wantedIds = new Set(wanted.map((s) => s.id));
      const removed = options.prune ? [...existingIds].filter((id) => !wantedIds.has(id)) : [];
      for (const s of wanted) console.log(`${existingIds.has(s.id) ? 'update' : 'create'}  ${s.id}  tier ${s.tier}  ${s.url}`);
      for (const id of removed) console.log(`delete  ${id}`);
      if (options.dryRun) return;
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
    .action(async (options: { json?: boolean }) => {
      const all = await readRegistry(cliContext(program.opts<GlobalOptions>()));
      const problemOf = new Map(all.problems.map(({ id, problem }) => [id, problem]));
      const redacted = all.map((s) => ({
        ...s,
        secrets: s.secrets.map(() => 'whsec_[redacted]'),
        ...(problemOf.has(s.id) ? { problem: problemOf.get(s.id) } : {}),
      }));
      // Records that are not subscriptions at all are not in the view: list them too.
      const unreadable = all.problems.filter(({ id }) => !all.some((s) => s.id === id));
      if (options.json) return console.log(JSON.stringify([...redacted, ...unreadable], null, 2));
      const table = new Table({ head: ['id', 'tier', 'enabled', 'source → destination', 'url', 'event types', 'flag / problem'] });
      for (const s of redacted) {
        const note = [s.flagged ? `flagged ${s.flagged.at}: ${s.flagged.reason}` : '', s.problem ?? ''].filter(Boolean).join('\n');
        table.push([s.id, s.tier, s.enabled ? 'yes' : 'no', `${s.source} → ${s.destination}`, s.url, s.eventTypes.join(', '), note]);
      }
      for (const { id, problem } of unreadable) table.push([id, '', '', '', '', '', problem]);
      console.log(table.toString());
    });

  subscriptions
    .command('delete')
    .argument('<id...>', 'subscription ids')
    .description('delete subscriptions (tombstones in the registry topic)')
    .action(async (ids: string[]) => {
      const context = cliContext(program.opts<GlobalOptions>());
      const producer = context.kafka.producer({ idempotent: true });
      await producer.connect();
      await deleteSubscriptions(producer, context.topics.subscriptions, ids).finally(() => producer.disconnect());
      console.log(`deleted ${ids.join(', ')}`);
    });
}
