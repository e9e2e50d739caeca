import { createHash } from 'node:crypto';
import type { Tier } from '@hookrail/shared';
import type { RuleEvaluation } from '../policy/alert-rules.ts';
import { INACTIVE, stepAlert, type AlertPhase, type AlertState } from '../policy/alert-state.ts';
import { recurrencesIn, scoreIncident, type IncidentScore, type PriorityThresholds } from '../policy/scoring.ts';

/** One alert state change, as every sink gets it and as `<prefix>.alerts` stores it. */
export interface AlertRecord {
  /** Identity of the alert (hash of its name and labels): the alerts topic's key. */
  fingerprint: string;
  /** This incident: fingerprint and firing time. */
  incidentId: string;
  status: 'firing' | 'resolved';
  name: string;
  /** Alert labels, severity and priority included. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  /** Set when resolved. */
  endsAt?: string;
  /** The rule's value when the state changed, and its threshold. */
  value: number | null;
  threshold: number;
  score: IncidentScore;
  /** When this state change happened. */
  at: string;
}

/** A pending or firing alert, for /status and the metrics. */
export interface ActiveAlert {
  fingerprint: string;
  name: string;
  phase: Exclude<AlertPhase, 'inactive'>;
  labels: Record<string, string>;
  summary: string;
  value: number | null;
  threshold: number;
  activeAt: string;
  firingAt?: string;
  score?: IncidentScore;
  /** The one subscription that causes it, when exactly one does. */
  subscription?: string;
  runbookUrl: string;
}

export function fingerprintOf(labels: Record<string, string>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`)
    .join('\u0000');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

interface Tracked {
  state: AlertState;
  evaluation?: RuleEvaluation;
  firing?: AlertRecord;
}

export interface AlertEngineOptions {
  /** Recurrences within this window (already scaled) set the likelihood. */
  historyWindowMs: number;
  tierWeights: Record<Tier, number>;
  priorities: PriorityThresholds;
  /** Where the runbook of an alert is (docs/runbooks.md, one section per alert). */
  runbookUrl(alertName: string): string;
}

const withSubscription = (summary: string, subscription: string | undefined) => (subscription === undefined ? summary : `${summary}: subscription ${subscription}`);

/** The subscription an alert can name: the only one in trouble. */
function culprit(evaluation: RuleEvaluation | undefined): string | undefined {
  const ids = evaluation?.subscriptions() ?? [];
  return ids.length === 1 ? ids[0] : undefined;
}

/**
 * Runs every rule instance's state machine, scores each alert when it fires, and returns the
 * state changes to notify. Deterministic: the same evaluations at the same times give the
 * same records.
 */
export class AlertEngine {
  readonly #options: AlertEngineOptions;
  readonly #tracked = new Map<string, Tracked>();
  /** Firing times per fingerprint (likelihood). */
  readonly #firings = new Map<string, number[]>();

  constructor(options: AlertEngineOptions) {
    this.#options = options;
  }

  /** Rebuilds history and still-firing alerts from earlier records (oldest first). */
  restore(records: readonly AlertRecord[]): void {
    for (const record of records) {
      if (record.status === 'firing') {
        const at = Date.parse(record.startsAt);
        const list = this.#firings.get(record.fingerprint) ?? [];
        if (!list.includes(at)) list.push(at);
        this.#firings.set(record.fingerprint, list);
        this.#tracked.set(record.fingerprint, { state: { phase: 'firing', activeAt: at, firingAt: at }, firing: record });
      } else {
        const tracked = this.#tracked.get(record.fingerprint);
        if (tracked?.firing?.incidentId === record.incidentId) this.#tracked.delete(record.fingerprint);
      }
    }
  }

  evaluate(evaluations: readonly RuleEvaluation[], now: number): AlertRecord[] {
    const changes: AlertRecord[] = [];
    const seen = new Set<string>();
    for (const evaluation of evaluations) {
      const fingerprint = fingerprintOf(evaluation.fingerprintLabels);
      seen.add(fingerprint);
      const tracked = this.#tracked.get(fingerprint) ?? { state: INACTIVE };
      tracked.evaluation = evaluation;
      const { state, transition } = stepAlert(tracked.state, {
        value: evaluation.value,
        threshold: evaluation.threshold,
        resolveThreshold: evaluation.resolveThreshold,
        forMs: evaluation.forMs,
        keepFiringForMs: evaluation.keepFiringForMs,
        now,
      });
      tracked.state = state;
      if (transition === 'firing') {
        tracked.firing = this.#fire(fingerprint, evaluation, state, now);
        changes.push(tracked.firing);
      } else if (transition === 'resolved' && tracked.firing) {
        changes.push(this.#resolve(tracked.firing, evaluation.value, now));
        delete tracked.firing;
      }
      if (state.phase === 'inactive' && !tracked.firing) this.#tracked.delete(fingerprint);
      else this.#tracked.set(fingerprint, tracked);
    }
    // A rule instance that no longer exists (a group went away, a rule was disabled) resolves.
    for (const [fingerprint, tracked] of this.#tracked) {
      if (seen.has(fingerprint)) continue;
      if (tracked.firing) changes.push(this.#resolve(tracked.firing, null, now));
      this.#tracked.delete(fingerprint);
    }
    const cutoff = now - this.#options.historyWindowMs;
    for (const [fingerprint, list] of this.#firings) {
      const kept = list.filter((at) => at >= cutoff);
      if (kept.length > 0) this.#firings.set(fingerprint, kept);
      else this.#firings.delete(fingerprint);
    }
    return changes;
  }

  active(): ActiveAlert[] {
    const out: ActiveAlert[] = [];
    for (const [fingerprint, tracked] of this.#tracked) {
      const { state, evaluation, firing } = tracked;
      if (state.phase === 'inactive') continue;
      const name = firing?.name ?? evaluation?.name ?? 'unknown';
      const subscription = firing?.annotations.subscription ?? culprit(evaluation);
      out.push({
        fingerprint,
        name,
        phase: state.phase,
        labels: firing?.labels ?? { ...evaluation?.fingerprintLabels, severity: evaluation?.severity ?? 'minor' },
        summary: evaluation ? withSubscription(evaluation.summary, subscription) : (firing?.annotations.summary ?? ''),
        value: evaluation?.value ?? firing?.value ?? null,
        threshold: evaluation?.threshold ?? firing?.threshold ?? 0,
        activeAt: new Date(state.activeAt ?? 0).toISOString(),
        ...(state.firingAt !== undefined ? { firingAt: new Date(state.firingAt).toISOString() } : {}),
        ...(firing ? { score: firing.score } : {}),
        ...(subscription !== undefined ? { subscription } : {}),
        runbookUrl: firing?.annotations.runbook_url ?? this.#options.runbookUrl(name),
      });
    }
    return out.sort((a, b) => (b.score?.score ?? -1) - (a.score?.score ?? -1) || a.name.localeCompare(b.name));
  }

  #fire(fingerprint: string, evaluation: RuleEvaluation, state: AlertState, now: number): AlertRecord {
    const history = this.#firings.get(fingerprint) ?? [];
    const score = scoreIncident({
      severity: evaluation.severity,
      recurrences: recurrencesIn(history, now, this.#options.historyWindowMs),
      tierWeight: this.#options.tierWeights[evaluation.impactTier],
      share: evaluation.share(),
      thresholds: this.#options.priorities,
    });
    history.push(now);
    this.#firings.set(fingerprint, history);
    const startsAt = new Date(state.firingAt ?? now).toISOString();
    const subscription = culprit(evaluation);
    return {
      fingerprint,
      incidentId: `${fingerprint}-${state.firingAt ?? now}`,
      status: 'firing',
      name: evaluation.name,
      labels: { ...evaluation.fingerprintLabels, severity: score.severity, priority: score.priority },
      annotations: {
        summary: withSubscription(evaluation.summary, subscription),
        description: evaluation.description,
        ...(subscription !== undefined ? { subscription } : {}),
        runbook_url: this.#options.runbookUrl(evaluation.name),
        score: String(score.score),
        priority: score.priority,
        scoring: `severity ${score.severity} (${score.severityPoints}) × likelihood ${score.likelihood} (${score.recurrences} earlier) × impact ${score.impact} (tier weight ${score.tierWeight}, share ${score.share})`,
      },
      startsAt,
      value: evaluation.value,
      threshold: evaluation.threshold,
      score,
      at: new Date(now).toISOString(),
    };
  }

  #resolve(firing: AlertRecord, value: number | null, now: number): AlertRecord {
    const at = new Date(now).toISOString();
    return { ...firing, status: 'resolved', endsAt: at, value, at };
  }
}
