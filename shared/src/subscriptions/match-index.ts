import type { SubscriptionRegistry } from './registry.ts';
import type { Subscription } from './subscription.ts';

/**
 * The enabled subscriptions, indexed by source topic and event-type pattern, so that routing
 * an event costs lookups for its type (one per "." in it), not a test of every subscription.
 * Returns exactly what `matchSubscriptions` (./match.ts) returns for the same subscriptions,
 * in the same order (by id): shared/src/subscriptions/match-index.test.ts proves it.
 */
export interface MatchIndex {
  /** Adds, replaces or (with undefined) removes the subscription with this id. */
  set(id: string, subscription: Subscription | undefined): void;
  match(event: { type: string; topic: string }): Subscription[];
  readonly size: number;
  /** (topic, pattern) entries held: what the index's memory grows with; none are kept empty. */
  readonly slots: number;
}

/** The subscriptions of one topic scope, by pattern kind: `*`, `prefix.*` and exact types. */
interface Patterns {
  all: Set<string>;
  prefix: Map<string, Set<string>>;
  exact: Map<string, Set<string>>;
}

const ANY_TOPIC: unique symbol = Symbol('any topic');
const byId = (a: Subscription, b: Subscription) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function createMatchIndex(initial: Iterable<Subscription> = []): MatchIndex {
  const indexed = new Map<string, Subscription>();
  const scopes = new Map<string | typeof ANY_TOPIC, Patterns>();

  /** Each (scope, pattern) slot of a subscription: where it is added and removed. */
  const slots = (subscription: Subscription): Array<Set<string>> => {
    const out: Array<Set<string>> = [];
    const topics: Iterable<string | typeof ANY_TOPIC> = subscription.topics ? new Set(subscription.topics) : [ANY_TOPIC];
    for (const topic of topics) {
      let scope = scopes.get(topic);
      if (!scope) scopes.set(topic, (scope = { all: new Set(), prefix: new Map(), exact: new Map() }));
      for (const pattern of subscription.eventTypes) {
        if (pattern === '*') out.push(scope.all);
        else if (pattern.endsWith('.*')) out.push(slot(scope.prefix, pattern.slice(0, -1)));
        else out.push(slot(scope.exact, pattern));
      }
    }
    return out;
  };

  /** Takes the subscription out of its slots, and drops slots and scopes left empty. */
  const remove = (id: string) => {
    const old = indexed.get(id);
    if (!old) return;
    indexed.delete(id);
    const topics: Iterable<string | typeof ANY_TOPIC> = old.topics ? new Set(old.topics) : [ANY_TOPIC];
    for (const topic of topics) {
      const scope = scopes.get(topic);
      if (!scope) continue;
      for (const pattern of old.eventTypes) {
        if (pattern === '*') scope.all.delete(id);
        else if (pattern.endsWith('.*')) unslot(scope.prefix, pattern.slice(0, -1), id);
        else unslot(scope.exact, pattern, id);
      }
      if (scope.all.size === 0 && scope.prefix.size === 0 && scope.exact.size === 0) scopes.delete(topic);
    }
  };

  const index: MatchIndex = {
    set(id, subscription) {
      remove(id);
      if (!subscription?.enabled) return;
      indexed.set(id, subscription);
      for (const ids of slots(subscription)) ids.add(id);
    },
    match({ type, topic }) {
      const ids: string[] = [];
      collect(scopes.get(ANY_TOPIC), type, ids);
      collect(scopes.get(topic), type, ids);
      if (ids.length === 0) return [];
      // A subscription with several matching patterns is found once per pattern.
      const unique = ids.length === 1 ? ids : [...new Set(ids)];
      return unique.map((id) => indexed.get(id)!).sort(byId);
    },
    get size() {
      return indexed.size;
    },
    get slots() {
      let count = 0;
      for (const scope of scopes.values()) count += (scope.all.size > 0 ? 1 : 0) + scope.prefix.size + scope.exact.size;
      return count;
    },
  };
  for (const subscription of initial) index.set(subscription.id, subscription);
  return index;
}

/** The ids of the scope's subscriptions whose patterns match `type`, appended to `into`. */
function collect(scope: Patterns | undefined, type: string, into: string[]): void {
  if (!scope) return;
  for (const id of scope.all) into.push(id);
  const exact = scope.exact.get(type);
  if (exact) for (const id of exact) into.push(id);
  if (scope.prefix.size === 0) return;
  // `p.*` matches every type starting with "p.": each "." of the type ends one candidate.
  for (let dot = type.indexOf('.'); dot !== -1; dot = type.indexOf('.', dot + 1)) {
    const prefixed = scope.prefix.get(type.slice(0, dot + 1));
    if (prefixed) for (const id of prefixed) into.push(id);
  }
}

function unslot(map: Map<string, Set<string>>, key: string, id: string): void {
  const ids = map.get(key);
  if (!ids) return;
  ids.delete(id);
  if (ids.size === 0) map.delete(key);
}

function slot(map: Map<string, Set<string>>, key: string): Set<string> {
  let ids = map.get(key);
  if (!ids) map.set(key, (ids = new Set()));
  return ids;
}

/** An index kept up to date by the registry: every change it reads is applied. */
export function indexRegistry(registry: Pick<SubscriptionRegistry, 'all' | 'onChange'>): MatchIndex {
  const index = createMatchIndex(registry.all());
  registry.onChange((id, subscription) => index.set(id, subscription));
  return index;
}
