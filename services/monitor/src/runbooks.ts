import { RULE_NAMES, type RuleKind } from './policy/alert-rules.ts';

/** What an on-call engineer needs for one alert: what it means, what to check, what to run. */
export interface Runbook {
  kind: RuleKind;
  means: string;
  check: string[];
  commands: string[];
}

/**
 * One runbook per alert. docs/runbooks.md is generated from these (a test keeps it equal) and
 * the monitor serves them at /runbooks.html, so every alert's `runbook_url` resolves wherever
 * the monitor runs.
 */
export const RUNBOOKS: readonly Runbook[] = [
  {
    kind: 'burnFast',
    means: 'Most attempts of the tier fail right now: at this pace a 30-day error budget is gone in about two days. Receivers get nothing; deliveries pile up on the retry ladder and will reach the DLQ when it runs out.',
    check: [
      'The status page: which subscription is failing (the alert names it when only one is), and its top failures (status codes, error types).',
      'Is the receiver down (5xx, connection refused, timeouts) or refusing us (401/403 after a secret rotation, 404 after a URL change)?',
      'Grafana "hookrail" dashboard: failures by error type, attempt latency per subscription.',
    ],
    commands: [
      'curl -s monitor:8080/status | jq \'.subscriptions[] | select(.successRate < 1) | {id, tier, successRate, inFlight, deadLettered}\'',
      'hookrail subscriptions list',
      'hookrail dlq inspect --subscription ID',
    ],
  },
  {
    kind: 'burnSlow',
    means: 'The tier fails steadily above its budget (6× over 6 h and 30 m): retries hide it for now, receivers see gaps and delays.',
    check: [
      'The per-subscription table: which subscription has a success rate under the SLO and how many deliveries are in flight on the retry ladder.',
      'Slow receivers (p95 latency close to the timeouts) and 429s (rate limits: lower ratePerSecond or maxInFlight).',
    ],
    commands: ['curl -s monitor:8080/status | jq \'.tiers[] | {tier, successRate, burnRate, failures}\'', 'hookrail subscriptions list'],
  },
  {
    kind: 'sloBreach',
    means: 'Over the last hour fewer attempts were answered 2xx than the tier\'s SLO promises.',
    check: ['Which subscriptions fail (per-subscription table), since when (history chart), and whether the failures are retryable (5xx, timeouts) or permanent (4xx).'],
    commands: ['curl -s monitor:8080/status | jq \'.subscriptions[] | {id, successRate, failed}\''],
  },
  {
    kind: 'lag',
    means: 'First attempts are late: the oldest record the tier\'s deliverer (or the router) has not consumed is older than the threshold.',
    check: [
      'The groups table: is the group Stable with members, is its committed offset moving?',
      'Deliverer CPU and memory; a receiver slow enough to fill maxInFlight; a partition the deliverer paused.',
      'Scale out: more deliverer replicas share the partitions (up to the partition count).',
    ],
    commands: ['npm run kafka -- run groups --bootstrap-server BROKER --describe --group PREFIX-deliverer-tier1', 'docker compose up -d --scale deliverer=3'],
  },
  {
    kind: 'queueLength',
    means: 'Deliveries of the tier wait in its topic and retry topics above the threshold: an early warning, nobody is hurt yet.',
    check: ['Whether the queue drains (history chart) or keeps growing; whether it sits in retry topics (a failing receiver) or in the tier topic (too little delivery capacity).'],
    commands: ['curl -s monitor:8080/status | jq .queues'],
  },
  {
    kind: 'dlqInflow',
    means: 'Deliveries were given up on and parked in the dead-letter topic: retries exhausted or a permanent failure (4xx, 410 Gone). They are lost if nobody replays them before the topic\'s retention ends.',
    check: [
      'Which subscription (the alert names it when only one has dead letters) and why: `hookrail-error` and `hookrail-status` of the records.',
      'Fix the receiver or the subscription (URL, secret) first, then replay.',
    ],
    commands: ['hookrail dlq inspect --subscription ID', 'hookrail dlq replay --subscription ID --dry-run', 'hookrail dlq replay --subscription ID'],
  },
  {
    kind: 'groupStatus',
    means: 'The router or a tier\'s deliverer has lag and does not move: STALLED (members, committed offsets frozen; also a worker that never committed) or STOPPED (no member at all). Nothing of that tier is delivered.',
    check: [
      'Are the processes running and ready (`/readyz`)? Their logs (a crash loop, a broker it cannot reach, a transaction fenced)?',
      'The groups table: state (Empty = no member), committed offsets, lag per partition.',
    ],
    commands: ['npm run kafka -- run groups --bootstrap-server BROKER --describe --group PREFIX-deliverer-tier1', 'docker compose ps && docker compose logs --tail 100 deliverer', 'docker compose restart deliverer'],
  },
  {
    kind: 'breakerOpen',
    means: 'A destination (URL origin) failed too often and its circuit breaker stays open: the deliverer sends it nothing but a few probes, and its deliveries move up the retry ladder without a request (no attempt spent). They go out once it recovers, or reach the DLQ at the end of the ladder.',
    check: [
      'The status page\'s Destinations table: which destination, since when, which subscriptions send to it, its in-flight limit.',
      'Is the receiver down or overloaded (5xx, timeouts, 429/503)? The deliverer\'s log says when the breaker opened and closed ("circuit breaker opened").',
      'Nothing to do on hookrail\'s side while the receiver recovers; if it stays down past the ladder, replay from the DLQ once it is back.',
    ],
    commands: [
      'curl -s monitor:8080/status | jq \'.destinations[] | select(.breaker != "closed")\'',
      'curl -s deliverer:8080/metrics | grep hookrail_destination_',
      'hookrail dlq replay --subscription ID',
    ],
  },
  {
    kind: 'autoDisabled',
    means: 'The monitor switched a subscription off: its receiver failed every attempt for the tier\'s auto-disable window (monitor.autoDisable). Its deliveries are still routed but go straight to the DLQ (`subscription-disabled`) without a request, so nothing is lost while it is off; they are lost only if nobody replays them before the DLQ\'s retention ends.',
    check: [
      'Why it failed: the status page (the subscription row says when and why it was disabled), and the last attempts\' status codes in the DLQ.',
      'With the receiver\'s owners: is it back (a health check, one request by hand)? Was the URL or secret changed (then fix the subscription and apply it)?',
      'Once it answers 2xx: enable it and replay what was parked since it was disabled (the alert\'s description has the time). The alert resolves when it is enabled.',
    ],
    commands: [
      'hookrail subscriptions list',
      'hookrail dlq inspect --subscription ID --error subscription-disabled',
      'hookrail subscriptions enable ID --replay-since 2026-01-31T12:00:00Z',
    ],
  },
];

/** The anchor of an alert's runbook section (GitHub's heading anchor for `## AlertName`). */
export const runbookAnchor = (alertName: string) => alertName.toLowerCase();

export function runbooksMarkdown(): string {
  const sections = RUNBOOKS.map(
    (r) => `## ${RULE_NAMES[r.kind]}

**What it means.** ${r.means}

**What to check.**

${r.check.map((c) => `- ${c}`).join('\n')}

**Commands.**

\`\`\`sh
${r.commands.join('\n')}
\`\`\`
`,
  );
  return `# Runbooks

One section per alert of the monitor and of \`deploy/prometheus/rules.yml\`; every alert's
\`runbook_url\` annotation points here (the monitor serves the same text at \`/runbooks.html\`).
Generated from \`services/monitor/src/runbooks.ts\` (a test keeps this file equal to it).

${sections.join('\n')}`;
}

const escape = (value: string) => value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const inline = (value: string) => escape(value).replace(/`([^`]+)`/g, '<code>$1</code>');

export function runbooksHtml(): string {
  const sections = RUNBOOKS.map((r) => {
    const name = RULE_NAMES[r.kind];
    return `<section id="${runbookAnchor(name)}"><h2>${name}</h2>
<p><strong>What it means.</strong> ${inline(r.means)}</p>
<p><strong>What to check.</strong></p><ul>${r.check.map((c) => `<li>${inline(c)}</li>`).join('')}</ul>
<p><strong>Commands.</strong></p><pre>${escape(r.commands.join('\n'))}</pre></section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hookrail runbooks</title>
<style>body { font: 14px/1.5 system-ui, sans-serif; margin: 1.5rem; max-width: 60rem; color: #1d2230; } pre { background: #f0f2f5; padding: .5rem; overflow-x: auto; } section { margin-bottom: 2rem; }</style>
</head><body><h1>hookrail runbooks</h1><p><a href="/status.html">status page</a></p>
${sections.join('\n')}
</body></html>
`;
}
