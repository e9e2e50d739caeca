import type { BackfillKind, BackfillProgress, Subscription } from '@hookrail/shared';
import { readOffsets, totalOffsets } from './window.ts';

export interface StartRequest {
  kind: BackfillKind;
  subscriptionId: string;
  since?: number;
  until?: number;
  resume: boolean;
  restart: boolean;
}

/** Start a new backfill, resume the unfinished one, or refuse (a usage error, in words). Pure. */
export type StartDecision = { start: 'new'; since: number } | { start: 'resume'; progress: BackfillProgress } | { refuse: string };

export function startDecision(existing: BackfillProgress | undefined, request: StartRequest, now: number): StartDecision {
  const what = `${request.kind} of ${request.subscriptionId}`;
  const unfinished = existing && !existing.done ? existing : undefined;
  if (request.resume) {
    if (!unfinished) return { refuse: `there is no unfinished ${what} to resume; start one with --since TIME` };
    return { start: 'resume', progress: unfinished };
  }
  if (request.since === undefined) return { refuse: `--since is required: how far back to read (ISO time, or how long ago: "2h", "30m", "7d"); or --resume to continue an unfinished ${request.kind}` };
  if (request.since > now) return { refuse: `--since is in the future (${new Date(request.since).toISOString()}): expected a time before now` };
  if (request.until !== undefined && request.until <= request.since) {
    return { refuse: `--until (${new Date(request.until).toISOString()}) is not after --since (${new Date(request.since).toISOString()}): expected a window that ends after it starts` };
  }
  if (unfinished && !request.restart) {
    return {
      refuse:
        `${request.subscriptionId} has an unfinished ${request.kind} (${unfinished.id}, ${describeProgress(unfinished)}): ` +
        `continue it with --resume, or start a new one with --restart`,
    };
  }
  return { start: 'new', since: request.since };
}

/** `412/1000 records read (41 %), 120 routed`. */
export function describeProgress(progress: BackfillProgress): string {
  const total = totalOffsets(progress.ranges);
  const read = readOffsets(progress.ranges);
  const share = total === 0 ? 100 : Math.floor((read / total) * 100);
  return `${read}/${total} offsets read (${share} %), ${progress.routed} routed`;
}

/**
 * The source topics a backfill of `subscription` reads: the ones it names, else the router's
 * (by list and pattern, among `existing`). Refusals are usage errors, in words. Pure.
 */
export function sourceTopicsFor(
  subscription: Subscription,
  router: { sourceTopics: readonly string[]; sourcePattern?: string | undefined },
  existing: readonly string[],
): { topics: string[] } | { refuse: string } {
  const named = subscription.topics?.length ? [...subscription.topics] : [...router.sourceTopics];
  if (!subscription.topics?.length && router.sourcePattern) {
    const pattern = new RegExp(router.sourcePattern);
    named.push(...existing.filter((topic) => pattern.test(topic) && !named.includes(topic)));
  }
  if (named.length === 0) {
    return {
      refuse: `no source topics to read for ${subscription.id}: it names none (topics:) and neither HOOKRAIL_ROUTER_SOURCE_TOPICS nor HOOKRAIL_ROUTER_SOURCE_PATTERN is set; set them as for the router`,
    };
  }
  const missing = named.filter((topic) => !existing.includes(topic));
  if (missing.length > 0) return { refuse: `source topic ${missing.join(', ')} does not exist: check the subscription's topics and HOOKRAIL_ROUTER_SOURCE_TOPICS` };
  return { topics: named.sort() };
}
