import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
// The official Standard Webhooks library: the independent verifier.
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { parseSigningSecret, signAttempt, signatureHeaders, signPayload } from './signing.ts';

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const nowSeconds = () => Math.floor(Date.now() / 1_000);
const body = Buffer.from(JSON.stringify({ type: 'invoice.paid', data: { id: 'in_1', amount: 4200, note: 'é ✓' } }));

function headersFor(secrets: string[], payload = body, id = 'msg_2b7Xq0LrVbQ1kH3c') {
  return signatureHeaders({ deliveryId: id, timestampSeconds: nowSeconds(), body: payload, secrets });
}

describe('signPayload, checked by the standardwebhooks library', () => {
  it('produces a signature the official verifier accepts', () => {
    const secret = newSecret();
    const payload = new Webhook(secret).verify(body, headersFor([secret]));
    assert.deepEqual(payload, JSON.parse(body.toString()));
  });

  it('during rotation, a verifier that knows only one of two secrets accepts', () => {
    const [oldSecret, newSecretValue] = [newSecret(), newSecret()];
    const headers = headersFor([oldSecret, newSecretValue]);
    assert.equal(headers['webhook-signature'].split(' ').length, 2);
    assert.doesNotThrow(() => new Webhook(oldSecret).verify(body, headers));
    assert.doesNotThrow(() => new Webhook(newSecretValue).verify(body, headers));
  });

  it('a verifier with another secret rejects', () => {
    const headers = headersFor([newSecret()]);
    assert.throws(() => new Webhook(newSecret()).verify(body, headers), WebhookVerificationError);
  });

  it('a changed body is rejected', () => {
    const secret = newSecret();
    const headers = headersFor([secret]);
    const tampered = Buffer.from(body.toString().replace('4200', '4201'));
    assert.throws(() => new Webhook(secret).verify(tampered, headers), WebhookVerificationError);
  });

  it('accepts a bare base64 secret, verified with the same key', () => {
    const bare = randomBytes(32).toString('base64');
    assert.doesNotThrow(() => new Webhook(`whsec_${bare}`).verify(body, headersFor([bare])));
  });
});

describe('signPayload format', () => {
  it('is v1,<base64 HMAC-SHA256 of "id.timestamp.body">, one per secret, space-separated', () => {
    const secrets = [newSecret(), newSecret()];
    const signature = signPayload({ deliveryId: 'msg_1', timestampSeconds: 1_700_000_000, body, secrets });
    const expected = secrets.map((secret) => {
      const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
      const mac = createHmac('sha256', key).update(`msg_1.1700000000.${body.toString()}`).digest('base64');
      return `v1,${mac}`;
    });
    assert.equal(signature, expected.join(' '));
  });

  it('signs the exact bytes, not a re-encoding of them', () => {
    const secret = newSecret();
    const binary = Buffer.from([0xff, 0x00, 0xfe, 0x7b]);
    const signature = signPayload({ deliveryId: 'msg_1', timestampSeconds: 1, body: binary, secrets: [secret] });
    const key = parseSigningSecret(secret);
    const mac = createHmac('sha256', key).update(Buffer.concat([Buffer.from('msg_1.1.'), binary])).digest('base64');
    assert.equal(signature, `v1,${mac}`);
  });

  it('refuses to sign without secrets, with a bad timestamp or without an id', () => {
    const base = { deliveryId: 'msg_1', timestampSeconds: 1, body };
    assert.throws(() => signPayload({ ...base, secrets: [] }), /no signing secret/);
    assert.throws(() => signPayload({ ...base, timestampSeconds: 1.5, secrets: [newSecret()] }), RangeError);
    assert.throws(() => signPayload({ ...base, deliveryId: '', secrets: [newSecret()] }), /delivery id is empty/);
  });
});

describe('signAttempt', () => {
  const input = { deliveryId: 'msg_1', timestampSeconds: 1, body };

  it('signs with good secrets', () => {
    const signed = signAttempt({ ...input, secrets: [newSecret()] });
    assert.ok(signed.ok);
    assert.match(signed.headers['webhook-signature'], /^v1,/);
  });

  it('returns the problem of an unusable secret instead of throwing, naming which one', () => {
    const unpadded = `whsec_${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
    const signed = signAttempt({ ...input, secrets: [newSecret(), unpadded] });
    assert.equal(signed.ok, false);
    assert.match(!signed.ok ? signed.problem : '', /^secrets\[1\]: the signing secret is base64 without its "=" padding/);
    assert.equal(signAttempt({ ...input, secrets: [] }).ok, false);
  });
});
