import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { checkSigningSecret, signingKeyBytes } from './secrets.ts';

describe('signing secrets: the one parser of apply and signing', () => {
  it('decodes whsec_ and bare base64 to the same key', () => {
    const key = randomBytes(32);
    assert.deepEqual(signingKeyBytes(`whsec_${key.toString('base64')}`), key);
    assert.deepEqual(signingKeyBytes(key.toString('base64')), key);
  });

  it('accepts 24 to 64 byte keys', () => {
    assert.equal(signingKeyBytes(randomBytes(24).toString('base64')).length, 24);
    assert.equal(signingKeyBytes(randomBytes(64).toString('base64')).length, 64);
  });

  const malformed: Array<[string, string, RegExp]> = [
    ['empty', '', /empty/],
    ['only the prefix', 'whsec_', /only the prefix/],
    ['not base64', 'whsec_this is not base64!!', /not standard base64/],
    ['base64url alphabet', `whsec_${'_-'.repeat(22)}`, /not standard base64/],
    ['unpadded', `whsec_${randomBytes(32).toString('base64').replace(/=+$/, '')}`, /without its "=" padding/],
    ['too short', `whsec_${randomBytes(16).toString('base64')}`, /decodes to 16 bytes: expected "whsec_" \+ base64 of 24–64 random bytes/],
    ['too long', `whsec_${randomBytes(96).toString('base64')}`, /decodes to 96 bytes/],
    ['another prefix', `sk_${randomBytes(32).toString('base64')}`, /has the prefix "sk_", not "whsec_"/],
  ];
  for (const [what, secret, message] of malformed) {
    it(`rejects ${what} with a clear message that does not echo the secret`, () => {
      assert.throws(
        () => signingKeyBytes(secret),
        (error: unknown) => {
          assert.ok(error instanceof Error);
          assert.match(error.message, message);
          assert.match(error.message, /hookrail secrets generate/);
          const body = secret.replace(/^(whsec_|sk_)/, '');
          if (body.length > 4) assert.ok(!error.message.includes(body), 'the secret leaked into the message');
          return true;
        },
      );
    });
  }
});


describe('checkSigningSecret', () => {
  it('returns the problem instead of throwing', () => {
    const checked = checkSigningSecret(`whsec_${randomBytes(65).toString('base64')}`);
    assert.equal(checked.ok, false);
    assert.match(!checked.ok ? checked.problem : '', /decodes to 65 bytes/);
    assert.equal(checkSigningSecret(42).ok, false);
  });

  it('accepts what "openssl rand -base64 32" makes, with the prefix', () => {
    assert.ok(checkSigningSecret(`whsec_${randomBytes(32).toString('base64')}`).ok);
  });
});
