import type { DisableState } from '../records/disable.ts';
import type { Subscription } from './subscription.ts';

/**
 * The subscription as the registry shows it: `disabled` from the newest state record, or
 * `enabledAt` when it was last turned back on. What a stored subscription itself says in
 * those fields is ignored: only the state record decides.
 */
export function withDisableState(subscription: Subscription, state: DisableState | undefined): Subscription {
  // The common case, on every routed event and attempt: the stored object itself, no copy.
  if (!state && subscription.disabled === undefined && subscription.enabledAt === undefined) return subscription;
  const { disabled: _disabled, enabledAt: _enabledAt, ...rest } = subscription;
  if (!state) return rest;
  return state.disabled ? { ...rest, disabled: { reason: state.reason, at: state.at, by: state.by } } : { ...rest, enabledAt: state.at };
}
