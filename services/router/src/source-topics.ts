import type { ServiceContext } from '@hookrail/shared';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RouterConfig } from './config.ts';

/** The named source topics the broker does not have. */
export function missingTopics(wanted: readonly string[], existing: readonly string[]): string[] {
  const present = new Set(existing);
  return wanted.filter((topic) => !present.has(topic));
}

/**
 * Waits, not ready, until every source topic named in HOOKRAIL_ROUTER_SOURCE_TOPICS exists,
 * saying which are missing and how to create them (the broker may not create topics on first
 * use, and KafkaJS would only say "This server does not host this topic-partition"). A router
 * deployed before its upstream topics starts routing as soon as they are created.
 */
export async function waitForSourceTopics(context: ServiceContext<RouterConfig>, pollMs = 2_000): Promise<void> {
  const { kafka, logger, config } = context;
  const wanted = config.router.sourceTopics;
  if (wanted.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    let reported = '';
    for (;;) {
      const missing = missingTopics(wanted, await admin.listTopics());
      if (missing.length === 0) break;
      if (missing.join(',') !== reported) {
        reported = missing.join(',');
        logger.error(
          { missing },
          `source topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found: create ${missing.length > 1 ? 'them' : 'it'} with "hookrail topics create --source ${missing.join(' ')}" (or ask the upstream team); waiting, not ready`,
        );
      }
      await sleep(pollMs);
    }
    if (reported) logger.info({ topics: wanted }, 'source topics found');
  } finally {
    await admin.disconnect();
  }
}
