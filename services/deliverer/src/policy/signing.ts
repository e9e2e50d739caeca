import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { checkSigningSecret, signingKeyBytes } from '@hookrail/shared';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
 * `<webhook-id>.<webhook-timestamp>.<body>`, sent as `v1,<base64>`; one signature per secret,
 * space-separated, so a receiver that knows either the old or the new secret accepts the
 * request while a secret is being rotated.
 */

/**
 * The HMAC key of a signing secret: `whsec_<base64>` or bare base64. Throws an Error that says
 * what is wrong without echoing the secret (the shared parser, the one `subscriptions apply`
 * validates with).
 */
export const parseSigningSecret = signingKeyBytes;

export interface SignInput {
  /** The `webhook-id`: the delivery id, stable across retries. */
  deliveryId: string;
  /** The `webhook-timestamp`: whole seconds since the epoch, of this attempt. */
  timestampSeconds: number;
  /** Exactly the bytes POSTed. */
  body: Buffer;
  /** All current secrets (several during rotation). */
  secrets: readonly string[];
}

// Importing the raw key was the deliverer's largest single cost per attempt (profiled in
// bench/results/evidence); keep one KeyObject per secret, bounded so rotated-out secrets go.
const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_LIMIT = 10_000;

function signingKey(secret: string): KeyObject {
  let key = keyCache.get(secret);
  if (!key) {
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    key = createSecretKey(parseSigningSecret(secret));
    keyCache.set(secret, key);
  }
  return key;
}

/** The `webhook-signature` header value. */
export function signPayload(input: SignInput): string {
  const { deliveryId, timestampSeconds, body, secrets } = input;
  if (secrets.length === 0) throw new Error('cannot sign: the subscription has no signing secret');
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError(`timestampSeconds must be whole seconds since the epoch, got ${timestampSeconds}`);
  }
  if (deliveryId === '') throw new Error('cannot sign: the delivery id is empty');
  const signedPrefix = Buffer.from(`${deliveryId}.${timestampSeconds}.`, 'utf8');
  return secrets
    .map((secret) => {
      const hmac = createHmac('sha256', signingKey(secret));
      hmac.update(signedPrefix);
      hmac.update(body);
      return `v1,${hmac.digest('base64')}`;
    })
    .join(' ');
}

/** The three Standard Webhooks headers of one attempt. */
export function signatureHeaders(input: SignInput): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': input.deliveryId,
    'webhook-timestamp': String(input.timestampSeconds),
    'webhook-signature': signPayload(input),
  };
}

export type SignedHeaders = ReturnType<typeof signatureHeaders>;

/**
 * The signature headers, or why this subscription's secrets cannot sign (a secret stored
 * before apply validated it): an outcome for the caller to dead-letter, never an exception.
 */
export function signAttempt(input: SignInput): { ok: true; headers: SignedHeaders } | { ok: false; problem: string } {
  if (input.secrets.length === 0) return { ok: false, problem: 'the subscription has no signing secret' };
  for (const [index, secret] of input.secrets.entries()) {
    const checked = checkSigningSecret(secret);
    if (!checked.ok) return { ok: false, problem: `secrets[${index}]: ${checked.problem}` };
  }
  return { ok: true, headers: signatureHeaders(input) };
}
