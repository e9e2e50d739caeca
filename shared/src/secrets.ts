/**
 * Signing secrets: the one parser that both `subscriptions apply` (through the subscription
 * schema) and signing use, so the registry never accepts a secret the deliverer cannot sign
 * with. A secret is `whsec_` + standard, padded base64 of 24 to 64 random bytes, as Standard
 * Webhooks libraries generate; bare base64 (no prefix) is accepted too, as they do.
 *
 * Problems never echo the secret, so they are safe in logs, DLQ headers and CLI output.
 */

export const SECRET_PREFIX = 'whsec_';
/** The key sizes Standard Webhooks asks for. */
export const MIN_SECRET_BYTES = 24;
export const MAX_SECRET_BYTES = 64;

/** How to make a good secret: the end of every problem message. */
export const SECRET_HOWTO =
  `make one with "hookrail secrets generate" or "${SECRET_PREFIX}$(openssl rand -base64 32)"`;

const EXPECTED = `expected "${SECRET_PREFIX}" + base64 of ${MIN_SECRET_BYTES}–${MAX_SECRET_BYTES} random bytes`;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const LOOSE_BASE64 = /^[A-Za-z0-9+/=]+$/;
/** Something that looks like a prefix (`sk_`, `WHSEC_`, `whsec-`) before the key. */
const OTHER_PREFIX = /^([A-Za-z0-9]+[_-])/;

export type SecretCheck = { ok: true; key: Buffer } | { ok: false; problem: string };

/** The HMAC key of a signing secret, or one line saying what is wrong and how to fix it. */
export function checkSigningSecret(secret: unknown): SecretCheck {
  const fail = (what: string): SecretCheck => ({ ok: false, problem: `${what}: ${EXPECTED} (${SECRET_HOWTO})` });
  if (typeof secret !== 'string' || secret.trim() === '') return fail('the signing secret is empty');
  const prefixed = secret.startsWith(SECRET_PREFIX);
  const encoded = prefixed ? secret.slice(SECRET_PREFIX.length) : secret;
  if (encoded === '') return fail(`the signing secret is only the prefix "${SECRET_PREFIX}"`);
  if (!prefixed && !LOOSE_BASE64.test(secret)) {
    const other = OTHER_PREFIX.exec(secret)?.[1];
    if (other !== undefined && other.length <= 12) return fail(`the signing secret has the prefix "${other}", not "${SECRET_PREFIX}"`);
  }
  if (!BASE64.test(encoded)) {
    const unpadded = LOOSE_BASE64.test(encoded) && !encoded.includes('=') && encoded.length % 4 !== 0;
    return fail(
      unpadded
        ? `the signing secret is base64 without its "=" padding (${encoded.length} characters, not a multiple of 4)`
        : 'the signing secret is not standard base64 (A-Z a-z 0-9 + /, padded with "=")',
    );
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    return fail(`the signing secret decodes to ${key.length} bytes`);
  }
  return { ok: true, key };
}

/** The HMAC key of a signing secret; throws the problem as an Error (callers that validate first). */
export function signingKeyBytes(secret: string): Buffer {
  const checked = checkSigningSecret(secret);
  if (!checked.ok) throw new Error(checked.problem);
  return checked.key;
}
