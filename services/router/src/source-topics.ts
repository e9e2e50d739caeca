import type { ServiceContext } from '@hookrail/shared';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RouterConfig } from './config.ts';

/**
 * What keeps the router from reading its sources, in words, or undefined: a named source
 * topic the broker does not have, or a pattern no topic matches (KafkaJS resolves a pattern
 * once, when it subscribes).
 */
export function sourceTopicsProblem(router: Pick<RouterConfig['router'], 'sourceTopics' | 'sourcePattern'>, existing: readonly string[]): string | undefined {
  const present = new Set(existing);
  const missing = router.sourceTopics.filter((topic) => !present.has(topic));
  if (missing.length > 0) {
    const them = missing.length > 1 ? 'them' : 'it';
    return `source topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found: create ${them} with "hookrail topics create --source ${missing.join(' ')}" (or ask the upstream team); waiting, not ready`;
  }
  if (router.sourcePattern !== undefined) {
    const pattern = new RegExp(router.sourcePattern);
    if (!existing.some((topic) => pattern.test(topic))) {
      return `no topic matches the source pattern /${router.sourcePattern}/ (HOOKRAIL_ROUTER_SOURCE_PATTERN): create one with "hookrail topics create --source NAME"; waiting, not ready`;
    }
  }
  return undefined;
}

/**
 * Waits, not ready, until the router's sources exist, saying what is missing and how to
 * create it (the broker may not create topics on first use, and KafkaJS would only say
 * "This server does not host this topic-partition"). A router deployed before its upstream
 * topics starts routing as soon as they are created.
 */
export async function waitForSourceTopics(context: ServiceContext<RouterConfig>, pollMs = 2_000): Promise<void> {
  const { kafka, logger, config } = context;
  const admin = kafka.admin();
  await admin.connect();
  try {
    let reported: string | undefined;
    for (;;) {
      const problem = sourceTopicsProblem(config.router, await admin.listTopics());
      if (problem === undefined) break;
      if (problem !== reported) logger.error(problem);
      reported = problem;
      await sleep(pollMs);
    }
    if (reported !== undefined) logger.info('source topics found');
  } finally {
    await admin.disconnect();
  }
}
