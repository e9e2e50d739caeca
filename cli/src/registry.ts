import { createLogger, createSubscriptionRegistry } from '@hookrail/shared';
import type { CliContext } from './context.ts';

/** The registry as it is now: every subscription, and the records that are not usable ones. */
export async function readRegistry(context: CliContext) {
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
