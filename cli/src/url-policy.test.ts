import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refusedBecause } from './url-policy.ts';

const strict = { requireHttps: true, allow: [] };

describe('refusedBecause (the deliverers\' URL policy, checked at apply)', () => {
  it('accepts a public HTTPS URL by name without resolving it', () => {
    assert.equal(refusedBecause('https://warehouse.example.com/hooks', strict), undefined);
  });

  it('refuses http:// while HTTPS is required, and says how to change that', () => {
    assert.match(refusedBecause('http://warehouse.example.com/hooks', strict)!, /require HTTPS \(set HOOKRAIL_HTTP_REQUIRE_HTTPS=false/);
    assert.equal(refusedBecause('http://warehouse.example.com/hooks', { requireHttps: false, allow: [] }), undefined);
  });

  it('refuses loopback, private and metadata addresses unless the allow list names them', () => {
    assert.match(refusedBecause('https://127.0.0.1:8443/hook', strict)!, /127\.0\.0\.1 is a loopback address .*HOOKRAIL_HTTP_ALLOW=loopback/);
    assert.match(refusedBecause('https://localhost/hook', strict)!, /loopback/);
    assert.match(refusedBecause('https://10.1.2.3/hook', strict)!, /private address/);
    assert.match(refusedBecause('https://169.254.169.254/latest', strict)!, /metadata address/);
    assert.match(refusedBecause('https://[::1]/hook', strict)!, /loopback/);
    assert.equal(refusedBecause('https://127.0.0.1/hook', { requireHttps: true, allow: ['loopback'] }), undefined);
    assert.equal(refusedBecause('https://10.1.2.3/hook', { requireHttps: true, allow: ['10.1.0.0/16'] }), undefined);
  });
});
