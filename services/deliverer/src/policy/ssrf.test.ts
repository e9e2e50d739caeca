import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { describe, it } from 'node:test';
import {
  createAddressGuard,
  createGuardedLookup,
  isForbiddenAddress,
  SSRF_BLOCKED_CODE,
  SsrfBlockedError,
  type AddressCategory,
} from './ssrf.ts';

const forbidden: Array<[ip: string, category: AddressCategory]> = [
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.254', 'private'],
  ['192.168.1.10', 'private'],
  ['127.0.0.1', 'loopback'],
  ['127.255.0.9', 'loopback'],
  ['169.254.169.254', 'metadata'],
  ['169.254.1.1', 'link-local'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['100.64.0.1', 'cgnat'],
  ['100.127.255.254', 'cgnat'],
  ['100.100.100.200', 'cgnat'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['255.255.255.255', 'reserved'],
  ['240.0.0.1', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['::', 'unspecified'],
  ['fc00::1', 'private'],
  ['fd12:3456:789a::1', 'private'],
  ['fd00:ec2::254', 'metadata'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['febf:ffff::1', 'link-local'],
  ['ff02::1', 'multicast'],
  ['2001:db8::1', 'reserved'],
  // IPv6 forms that carry an IPv4 address are judged by that address.
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:10.1.2.3', 'private'],
  ['::ffff:169.254.169.254', 'metadata'],
  ['::ffff:0:192.168.0.1', 'private'],
  ['::127.0.0.1', 'loopback'],
  ['64:ff9b::127.0.0.1', 'loopback'],
  ['64:ff9b::a9fe:a9fe', 'metadata'],
  ['64:ff9b:1::1', 'reserved'],
  ['2002:c0a8:0101::1', 'private'],
];

const publicAddresses = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.216.34',
  '172.15.255.255',
  '172.32.0.0',
  '100.63.255.255',
  '100.128.0.0',
  '169.253.255.255',
  '192.169.0.1',
  '2606:4700:4700::1111',
  '2a00:1450:4001::200e',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
  '2002:0808:0808::1',
];

describe('isForbiddenAddress', () => {
  for (const [ip, category] of forbidden) {
    it(`forbids ${ip} as ${category}`, () => {
      const verdict = isForbiddenAddress(ip);
      assert.equal(verdict.forbidden, true);
      assert.match(verdict.why ?? '', new RegExp(` is ${category}: `));
    });
  }

  for (const ip of publicAddresses) {
    it(`allows public ${ip}`, () => assert.deepEqual(isForbiddenAddress(ip), { forbidden: false }));
  }

  it('explains IPv4 carried in IPv6', () => {
    assert.match(isForbiddenAddress('::ffff:127.0.0.1').why ?? '', /^127\.0\.0\.1 \(IPv4-mapped in ::ffff:127\.0\.0\.1\) is loopback/);
  });

  it('forbids what is not an IP address (a name must be resolved first)', () => {
    assert.equal(isForbiddenAddress('localhost').forbidden, true);
    assert.equal(isForbiddenAddress('').forbidden, true);
    assert.match(isForbiddenAddress('example.com').why ?? '', /not an IP address/);
  });
});

describe('createAddressGuard allow-list', () => {
  it('allows a category by name', () => {
    const guard = createAddressGuard({ allow: ['loopback'] });
    assert.equal(guard.check('127.0.0.1').forbidden, false);
    assert.equal(guard.check('::1').forbidden, false);
    assert.equal(guard.check('::ffff:127.0.0.1').forbidden, false);
    assert.equal(guard.check('10.0.0.1').forbidden, true);
  });

  it('allows CIDRs and single addresses, of both families', () => {
    const guard = createAddressGuard({ allow: ['10.1.0.0/16', '127.0.0.1', 'fd00:1::/32'] });
    assert.equal(guard.check('10.1.200.3').forbidden, false);
    assert.equal(guard.check('10.2.0.1').forbidden, true);
    assert.equal(guard.check('127.0.0.1').forbidden, false);
    assert.equal(guard.check('::ffff:127.0.0.1').forbidden, false);
    assert.equal(guard.check('127.0.0.2').forbidden, true);
    assert.equal(guard.check('fd00:1::5').forbidden, false);
    assert.equal(guard.check('fd00:2::5').forbidden, true);
  });

  it('keeps the metadata address forbidden when only link-local is allowed', () => {
    const guard = createAddressGuard({ allow: ['link-local'] });
    assert.equal(guard.check('169.254.10.10').forbidden, false);
    assert.equal(guard.check('169.254.169.254').forbidden, true);
    assert.equal(createAddressGuard({ allow: ['metadata'] }).check('169.254.169.254').forbidden, false);
  });

  for (const entry of ['lo', '10.0.0.0/33', '10.0.0/8', 'fd00::/129', '10.0.0.0/8/1', '10.0.0.0/x', 'example.com']) {
    it(`rejects the allow-list entry ${JSON.stringify(entry)} at startup`, () => {
      assert.throws(() => createAddressGuard({ allow: [entry] }), /ssrf allow-list: .* is neither a CIDR .*loopback, private/);
    });
  }
});

/** A resolver that answers from a table, as dns.lookup with all: true would. */
function fakeResolver(table: Record<string, LookupAddress[]>) {
  return (
    hostname: string,
    _options: object,
    callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
  ) => {
    const addresses = table[hostname];
    if (addresses) return queueMicrotask(() => callback(null, addresses));
    const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
    error.code = 'ENOTFOUND';
    queueMicrotask(() => callback(error, []));
  };
}

const table: Record<string, LookupAddress[]> = {
  'public.example': [{ address: '93.184.216.34', family: 4 }, { address: '2606:2800:220:1::1', family: 6 }],
  'rebind.example': [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }],
  'metadata.example': [{ address: '169.254.169.254', family: 4 }],
  'empty.example': [],
};

function lookupWith(policy: { allow?: string[] }, hostname: string, all: boolean) {
  const lookup = createGuardedLookup(policy, fakeResolver(table));
  return new Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }>((resolve) =>
    lookup(hostname, { all }, (error, address, family) => resolve({ error, address, family })),
  );
}

describe('createGuardedLookup', () => {
  it('passes public answers through, in both calling styles', async () => {
    const all = await lookupWith({}, 'public.example', true);
    assert.equal(all.error, null);
    assert.deepEqual(all.address, table['public.example']);
    const one = await lookupWith({}, 'public.example', false);
    assert.equal(one.error, null);
    assert.equal(one.address, '93.184.216.34');
    assert.equal(one.family, 4);
  });

  it('refuses a name with any forbidden address, naming the address and why', async () => {
    const { error } = await lookupWith({}, 'rebind.example', true);
    assert.ok(error instanceof SsrfBlockedError);
    assert.equal(error.code, SSRF_BLOCKED_CODE);
    assert.equal(error.address, '127.0.0.1');
    assert.match(error.message, /^refusing to connect to rebind\.example \(127\.0\.0\.1\): 127\.0\.0\.1 is loopback/);
  });

  it('refuses the metadata address behind a name', async () => {
    const { error } = await lookupWith({ allow: ['link-local'] }, 'metadata.example', false);
    assert.equal(error?.code, SSRF_BLOCKED_CODE);
  });

  it('honours the allow-list', async () => {
    const { error } = await lookupWith({ allow: ['loopback'] }, 'rebind.example', true);
    assert.equal(error, null);
  });

  it('passes DNS errors through and treats an empty answer as not found', async () => {
    assert.equal((await lookupWith({}, 'nothing.example', true)).error?.code, 'ENOTFOUND');
    assert.equal((await lookupWith({}, 'empty.example', true)).error?.code, 'ENOTFOUND');
  });

  it('checks what the system resolver says for localhost', async () => {
    const lookup = createGuardedLookup({});
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      lookup('localhost', { all: true }, (err) => resolve(err)),
    );
    assert.equal(error?.code, SSRF_BLOCKED_CODE);
  });
});
