import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowList } from './allow-list.ts';

describe('allowList (HOOKRAIL_HTTP_ALLOW)', () => {
  it('accepts categories, IPs and CIDRs, comma-separated', () => {
    assert.deepEqual(allowList.parse('loopback, private,10.0.0.0/8,::1'), ['loopback', 'private', '10.0.0.0/8', '::1']);
  });

  it('refuses a misspelt category at start-up, naming what is expected', () => {
    const result = allowList.safeParse('lo0pback');
    assert.equal(result.success, false);
    assert.match(result.error!.issues[0]!.message, /expected loopback, private, .* or CIDRs such as 10\.0\.0\.0\/8/);
  });
});
