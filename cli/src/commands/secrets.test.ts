import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSubscription } from '@hookrail/shared';
import { generateSecret } from './secrets.ts';

describe('generateSecret', () => {
  it('makes a whsec_ secret of 32 random bytes that a subscription accepts', () => {
    const secret = generateSecret();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(secret.slice('whsec_'.length), 'base64').length, 32);
    const subscription = parseSubscription({ id: 'a', source: 's', destination: 'd', url: 'https://example.com/', eventTypes: ['*'], tier: 1, secrets: [secret] });
    assert.deepEqual(subscription.secrets, [secret]);
  });

  it('never repeats', () => {
    assert.notEqual(generateSecret(), generateSecret());
  });
});
