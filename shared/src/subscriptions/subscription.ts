import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { boolean, integer } from '../config/fields.ts';
import { RETRY_LADDER } from '../retry-ladder.ts';
import { checkSigningSecret } from '../secrets.ts';
import { orderedSchema } from './order-key.ts';

/** An event-type pattern: exact (`order.created`), prefix (`order.*`) or everything (`*`). */
const EVENT_TYPE_PATTERN = /^(\*|[A-Za-z0-9_.:/-]+(\.\*)?)$/;

/** A signing secret signing can use: the shared parser (`../secrets.ts`) decides. */
const signingSecret = z.string().superRefine((secret, context) => {
  const checked = checkSigningSecret(secret);
  if (!checked.ok) context.addIssue({ code: 'custom', message: checked.problem });
});

export const subscriptionSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,127}$/, {
    error: 'expected a lower-case id of letters, digits, ".", "_" or "-" (at most 128)',
  }),
  /** The upstream system whose events this integration carries (e.g. "crm"). */
  source: z.string().min(1, { error: 'expected the source system name' }),
  /** The receiving system (e.g. "warehouse"). */
  destination: z.string().min(1, { error: 'expected the destination system name' }),
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  eventTypes: z
    .array(z.string().regex(EVENT_TYPE_PATTERN, { error: 'expected an event type, "prefix.*" or "*"' }))
    .min(1, { error: 'expected at least one event-type pattern' }),
  /** Only events from these source topics (default: every source topic). */
  topics: z.array(z.string().min(1)).optional(),
  tier: z.union([z.literal(1), z.literal(2), z.literal(3)], { error: 'expected tier 1, 2 or 3' }),
  /** Several while a secret rotates: the receiver sees one signature per secret. */
  secrets: z.array(signingSecret).min(1, { error: 'expected at least one signing secret' }),
  enabled: boolean.default(true),
  /** Deliveries to this subscription in flight at once, per deliverer instance. */
  maxInFlight: integer(1, 10_000).default(16),
  /** Requests per second, per deliverer instance (unset: no rate limit). */
  ratePerSecond: z.number().positive({ error: 'expected a positive number of requests per second' }).optional(),
  /**
   * Receiver protection judges HTTP answers per endpoint (this URL, query left out). Endpoints
   * that share one backend (a gateway's integrations, one customer's API) can name one group:
   * they then share a circuit breaker, a Retry-After pause and an adaptive limit.
   */
  endpointGroup: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, { error: 'expected a group name of letters, digits, ".", "_", ":" or "-" (at most 128)' })
    .optional(),
  /** Fewer retries than the tier allows (never more: the tier's retry topics bound it). */
  retry: z.strictObject({ retries: integer(0, RETRY_LADDER.length) }).optional(),
  /**
   * Per-key order across retries (`./order-key.ts`): one delivery in flight per key, a failing
   * head blocks only its own key. The old `ordered: true` is refused with what to write instead.
   */
  ordered: z.preprocess((value) => (value === false ? undefined : value), orderedSchema.optional()),
  /** Set by the deliverer when the receiver answered 410 Gone: an operator should disable it. */
  flagged: z.strictObject({ reason: z.string(), at: z.string() }).optional(),
  /** Set by the registry from the `disabled:<id>` record (disable.ts): deliveries are dead-lettered without a request. */
  disabled: z.strictObject({ reason: z.string(), at: z.string(), by: z.string() }).optional(),
  /** Set by the registry: when `hookrail subscriptions enable` last turned it back on (ISO 8601). */
  enabledAt: z.string().optional(),
});

export type Subscription = z.infer<typeof subscriptionSchema>;
export type SubscriptionInput = z.input<typeof subscriptionSchema>;

export class SubscriptionError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid subscriptions:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SubscriptionError';
    this.problems = problems;
  }
}

/** Validates one subscription; problems name the field (`subscriptions[2].url: …`). */
export function parseSubscription(value: unknown, where = 'subscription'): Subscription {
  return parseWith(subscriptionSchema, value, where);
}

/**
 * The registry's reading of a stored record: the schema without the secret check, so a
 * subscription written before apply validated secrets as signing does still routes, and its
 * deliveries end in the DLQ naming the secret problem instead of vanishing or crashing.
 * `unusableSecret` says what is wrong with its secrets, if anything.
 */
export function parseStoredSubscription(value: unknown, where = 'subscription'): { subscription: Subscription; unusableSecret?: string } {
  const subscription = parseWith(storedSubscriptionSchema, value, where);
  for (const [index, secret] of subscription.secrets.entries()) {
    const checked = checkSigningSecret(secret);
    if (!checked.ok) return { subscription, unusableSecret: `${where}.secrets[${index}]: ${checked.problem}` };
  }
  return { subscription };
}

const storedSubscriptionSchema = z.preprocess(
  storedOrderedTrue,
  subscriptionSchema.extend({
    secrets: z.array(z.string()).min(1, { error: 'expected at least one signing secret' }),
  }),
);

/**
 * A subscription stored with the old `ordered: true` keeps the behaviour it had (one request in
 * flight), so its deliveries are not dead-lettered as invalid; `apply` asks for the new form.
 */
function storedOrderedTrue(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || (value as { ordered?: unknown }).ordered !== true) return value;
  const { ordered: _old, ...rest } = value as Record<string, unknown>;
  return { ...rest, maxInFlight: 1 };
}

function parseWith(schema: z.ZodType<Subscription, unknown>, value: unknown, where: string): Subscription {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new SubscriptionError(
    result.error.issues.map((issue) => {
      const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      if (issue.code === 'unrecognized_keys') return `${where}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
      return `${where}${path}: ${issue.message}`;
    }),
  );
}

/** Fields the registry sets from a subscription's `disabled:<id>` record (disable.ts): never from a file. */
const REGISTRY_ONLY_FIELDS = ['disabled', 'enabledAt'] as const;

/**
 * Parses a subscriptions file: `subscriptions: [ … ]` (or a bare list). Every problem of
 * every entry is reported at once, and duplicate ids are an error.
 */
export function parseSubscriptionsYaml(text: string, fileName = 'subscriptions file'): Subscription[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new SubscriptionError([`${fileName}: not valid YAML (${(error as Error).message})`]);
  }
  const list = Array.isArray(document)
    ? document
    : (document as { subscriptions?: unknown } | null)?.subscriptions;
  if (!Array.isArray(list)) {
    throw new SubscriptionError([`${fileName}: expected "subscriptions:" with a list of subscriptions`]);
  }
  const problems: string[] = [];
  const parsed: Subscription[] = [];
  const seen = new Set<string>();
  list.forEach((entry, index) => {
    const id = (entry as { id?: unknown } | null)?.id;
    const where = `subscriptions[${index}]${typeof id === 'string' ? ` (${id})` : ''}`;
    for (const field of REGISTRY_ONLY_FIELDS) {
      if (typeof entry === 'object' && entry !== null && field in entry) {
        problems.push(`${where}.${field}: set by the registry, not in a file ("hookrail subscriptions disable|enable ${typeof id === 'string' ? id : 'ID'}"; enabled: false stops routing instead)`);
      }
    }
    try {
      const subscription = parseSubscription(entry, where);
      if (seen.has(subscription.id)) problems.push(`${where}.id: duplicate id "${subscription.id}"`);
      seen.add(subscription.id);
      parsed.push(subscription);
    } catch (error) {
      if (!(error instanceof SubscriptionError)) throw error;
      problems.push(...error.problems);
    }
  });
  if (problems.length > 0) throw new SubscriptionError(problems);
  return parsed;
}
