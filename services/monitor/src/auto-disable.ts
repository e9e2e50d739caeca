import { disableRecord, type AttemptEntry, type Logger, type Subscription, type SubscriptionRegistry, type Tier } from '@hookrail/shared';
import type { Kafka, Producer } from 'kafkajs';
import type { MonitorConfig } from './config.ts';
import type { AutoDisabledSignal } from './policy/alert-rules.ts';
import { autoDisableDecision, isReceiverEvidence, nextStreak, type FailureStreak } from './policy/auto-disable.ts';

/** Who the monitor's disable records name (`by`). */
export const AUTO_DISABLE_BY = 'monitor';

export interface AutoDisabler {
  /** One attempt from the attempts topic (replayed ones too: streaks survive a restart). */
  record(entry: AttemptEntry): void;
  /** Disables, through the registry topic, every subscription the policy says has failed continuously. */
  evaluate(now: number): Promise<void>;
  /** Subscriptions the monitor disabled and nobody enabled since (the alert, the status page). */
  disabled(): AutoDisabledSignal[];
  stop(): Promise<void>;
}

/**
 * Endpoint auto-disable (policy/auto-disable.ts has the rule): keeps each subscription's
 * failure streak from the attempts topic and, when a tier's window is set, writes a
 * `disabled:<id>` record (shared/src/subscriptions/disable.ts) for a subscription whose
 * receiver failed continuously. A record of its own: it never rewrites the subscription, so
 * an operator's newer revision stays. Attempts from before the subscription's last enable
 * are not counted, so an enable starts a fresh window.
 */
export function createAutoDisabler(options: {
  kafka: Kafka;
  registry: SubscriptionRegistry;
  topic: string;
  settings: MonitorConfig['monitor']['autoDisable'];
  logger: Logger;
}): AutoDisabler {
  const { registry, settings, logger } = options;
  const streaks = new Map<string, FailureStreak>();
  /** Written, not yet read back from the registry. */
  const pending = new Set<string>();
  const on = Object.values(settings.afterMs).some((ms) => ms > 0);
  let producer: Producer | undefined;

  const enabledAt = (subscription: Subscription | undefined) => (subscription?.enabledAt ? Date.parse(subscription.enabledAt) : Number.NEGATIVE_INFINITY);
  registry.onChange((id, subscription) => {
    if (!subscription || subscription.disabled) pending.delete(id);
    const streak = streaks.get(id);
    if (!subscription || (streak && streak.since < enabledAt(subscription))) streaks.delete(id);
  });

  const disable = async (subscription: Subscription, reason: string, now: number) => {
    if (!producer) {
      // Connected on the first disable only: with auto-disable off or never triggered, no producer.
      const fresh = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await fresh.connect();
      producer = fresh;
    }
    const at = new Date(now).toISOString();
    const { topic, message } = disableRecord(options.topic, subscription.id, { disabled: true, reason, at, by: AUTO_DISABLE_BY });
    await producer.send({ topic, acks: -1, messages: [message] });
    logger.warn({ subscriptionId: subscription.id, tier: subscription.tier, reason }, 'subscription auto-disabled: its deliveries go to the DLQ until "hookrail subscriptions enable"');
  };

  return {
    record(entry) {
      if (!on || !isReceiverEvidence(entry)) return;
      if (entry.attemptedAt < enabledAt(registry.get(entry.subscriptionId))) return;
      const streak = nextStreak(streaks.get(entry.subscriptionId), { delivered: entry.outcome === 'delivered', at: entry.attemptedAt }, settings.minFailures);
      if (streak) streaks.set(entry.subscriptionId, streak);
      else streaks.delete(entry.subscriptionId);
    },
    async evaluate(now) {
      if (!on) return;
      for (const subscription of registry.all()) {
        if (!subscription.enabled || subscription.disabled || pending.has(subscription.id)) continue;
        const rule = { afterMs: settings.afterMs[subscription.tier as Tier], minFailures: settings.minFailures };
        const decision = autoDisableDecision(streaks.get(subscription.id), rule, now);
        if (!decision.disable) continue;
        pending.add(subscription.id);
        try {
          await disable(subscription, decision.reason, now);
        } catch (error) {
          pending.delete(subscription.id);
          logger.error({ err: error, subscriptionId: subscription.id }, 'writing the auto-disable record failed; trying again next round');
        }
      }
    },
    disabled() {
      return registry.all().flatMap((s) => (s.disabled?.by === AUTO_DISABLE_BY ? [{ id: s.id, tier: s.tier, reason: s.disabled.reason, at: s.disabled.at }] : []));
    },
    async stop() {
      await producer?.disconnect();
    },
  };
}
