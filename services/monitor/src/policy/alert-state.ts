/**
 * One alert's life, as Prometheus runs it, plus hysteresis:
 *
 *   inactive ──value > threshold──▶ pending ──held for `forMs`──▶ firing
 *      ▲                               │                           │
 *      └────value ≤ threshold──────────┘                           │
 *      └──value ≤ resolveThreshold (or no data) held for `keepFiringForMs`┘ (resolved)
 *
 * Between resolveThreshold and threshold a firing alert stays firing: a value hovering at
 * the threshold does not flap. `forMs` 0 fires on the first evaluation.
 */
export type AlertPhase = 'inactive' | 'pending' | 'firing';

export interface AlertState {
  phase: AlertPhase;
  /** When the condition started to hold (pending and firing). */
  activeAt?: number;
  /** When the alert fired. */
  firingAt?: number;
  /** When a firing alert's value first fell to the resolve level (cleared by a relapse). */
  clearSince?: number;
}

export interface AlertStep {
  /** The rule's value now; null when there is not enough data to judge. */
  value: number | null;
  threshold: number;
  resolveThreshold: number;
  forMs: number;
  keepFiringForMs: number;
  now: number;
}

export type AlertTransition = 'firing' | 'resolved' | undefined;

export const INACTIVE: AlertState = { phase: 'inactive' };

export function stepAlert(state: AlertState, step: AlertStep): { state: AlertState; transition: AlertTransition } {
  const { value, now } = step;
  const above = value !== null && value > step.threshold;
  const cleared = value === null || value <= step.resolveThreshold;
  switch (state.phase) {
    case 'inactive':
      if (!above) return { state, transition: undefined };
      if (step.forMs <= 0) return { state: { phase: 'firing', activeAt: now, firingAt: now }, transition: 'firing' };
      return { state: { phase: 'pending', activeAt: now }, transition: undefined };
    case 'pending': {
      if (!above) return { state: INACTIVE, transition: undefined };
      const activeAt = state.activeAt ?? now;
      if (now - activeAt >= step.forMs) return { state: { phase: 'firing', activeAt, firingAt: now }, transition: 'firing' };
      return { state, transition: undefined };
    }
    case 'firing': {
      if (!cleared) {
        if (state.clearSince === undefined) return { state, transition: undefined };
        const { clearSince: _relapsed, ...rest } = state;
        return { state: rest, transition: undefined };
      }
      const clearSince = state.clearSince ?? now;
      if (now - clearSince >= step.keepFiringForMs) return { state: INACTIVE, transition: 'resolved' };
      return { state: { ...state, clearSince }, transition: undefined };
    }
  }
}
