import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP, isIPv4, isIPv6, type LookupFunction } from 'node:net';

/**
 * SSRF guard (DESIGN.md, "Security"): a receiver URL must not reach private, loopback,
 * link-local or metadata addresses unless config allows them. Judged on the resolved IP, never
 * on the name, so DNS pointing a public-looking name at 127.0.0.1 is caught as well.
 */

/** What kind of non-public address a rule covers; also the words an allow-list may use. */
export type AddressCategory =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'unspecified'
  | 'cgnat'
  | 'multicast'
  | 'reserved';

export const ADDRESS_CATEGORIES: readonly AddressCategory[] = [
  'loopback', 'private', 'link-local', 'metadata', 'unspecified', 'cgnat', 'multicast', 'reserved',
];

export interface SsrfPolicy {
  /**
   * Exceptions: categories ('loopback', 'private', …) or CIDRs / single IPs ('127.0.0.1',
   * '10.1.0.0/16', 'fd00::/8'). 'link-local' does not include 'metadata': allow that by name.
   */
  allow?: readonly string[];
}

export interface AddressVerdict {
  forbidden: boolean;
  why?: string;
}

interface Rule {
  readonly cidr: string;
  readonly category: AddressCategory;
  readonly note: string;
  readonly list: BlockList;
}

function rule(cidr: string, category: AddressCategory, note: string): Rule {
  return { cidr, category, note, list: blockListOf(cidr) };
}

// Checked in order: the first match names the category, so the specific come first
// (the metadata address before the link-local range it sits in).
const IPV4_RULES: readonly Rule[] = [
  rule('169.254.169.254/32', 'metadata', 'cloud instance metadata'),
  rule('168.63.129.16/32', 'metadata', 'Azure platform endpoint'),
  rule('0.0.0.0/8', 'unspecified', '"this network"'),
  rule('10.0.0.0/8', 'private', 'RFC 1918'),
  rule('100.64.0.0/10', 'cgnat', 'shared address space (carrier-grade NAT)'),
  rule('127.0.0.0/8', 'loopback', 'loopback'),
  rule('169.254.0.0/16', 'link-local', 'link-local'),
  rule('172.16.0.0/12', 'private', 'RFC 1918'),
  rule('192.0.0.0/24', 'reserved', 'IETF protocol assignments'),
  rule('192.0.2.0/24', 'reserved', 'documentation'),
  rule('192.88.99.0/24', 'reserved', '6to4 relay anycast'),
  rule('192.168.0.0/16', 'private', 'RFC 1918'),
  rule('198.18.0.0/15', 'reserved', 'benchmarking'),
  rule('198.51.100.0/24', 'reserved', 'documentation'),
  rule('203.0.113.0/24', 'reserved', 'documentation'),
  rule('224.0.0.0/4', 'multicast', 'multicast'),
  rule('240.0.0.0/4', 'reserved', 'reserved and broadcast'),
];

const IPV6_RULES: readonly Rule[] = [
  rule('::/128', 'unspecified', 'unspecified'),
  rule('::1/128', 'loopback', 'loopback'),
  rule('fd00:ec2::254/128', 'metadata', 'AWS instance metadata'),
  rule('64:ff9b:1::/48', 'reserved', 'local-use NAT64'),
  rule('100::/64', 'reserved', 'discard-only'),
  rule('2001::/32', 'reserved', 'Teredo tunnelling'),
  rule('2001:db8::/32', 'reserved', 'documentation'),
  rule('fc00::/7', 'private', 'unique local'),
  rule('fe80::/10', 'link-local', 'link-local'),
  rule('fec0::/10', 'private', 'site-local (deprecated)'),
  rule('ff00::/8', 'multicast', 'multicast'),
];

/** A policy compiled once: config errors surface at startup, checks are cheap. */
export interface AddressGuard {
  check(ip: string): AddressVerdict;
}

export function createAddressGuard(policy: SsrfPolicy = {}): AddressGuard {
  const allowedCategories = new Set<AddressCategory>();
  const allowedRanges = new BlockList();
  for (const entry of policy.allow ?? []) {
    const word = entry.trim().toLowerCase();
    if ((ADDRESS_CATEGORIES as readonly string[]).includes(word)) {
      allowedCategories.add(word as AddressCategory);
    } else {
      addCidr(allowedRanges, entry.trim(), 'ssrf allow-list');
    }
  }

  const inAllowedRange = (address: string) => allowedRanges.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');

  return {
    check(ip: string): AddressVerdict {
      const address = withoutZone(ip);
      if (isIP(address) === 0) return { forbidden: true, why: `not an IP address: ${JSON.stringify(ip)}` };
      const found = findRule(address);
      if (!found) return { forbidden: false };
      const { rule: matched, ipv4, form } = found;
      if (allowedCategories.has(matched.category) || inAllowedRange(address) || (ipv4 && inAllowedRange(ipv4))) {
        return { forbidden: false };
      }
      const via = ipv4 ? `${ipv4} (${form} in ${address})` : address;
      return { forbidden: true, why: `${via} is ${matched.category}: ${matched.note}, ${matched.cidr}` };
    },
  };
}

/** One-off check; prefer createAddressGuard for repeated use. */
export function isForbiddenAddress(ip: string, policy: SsrfPolicy = {}): AddressVerdict {
  return createAddressGuard(policy).check(ip);
}

/** The first rule an address falls under, looking through IPv6 forms that carry an IPv4 address. */
function findRule(address: string): { rule: Rule; ipv4?: string; form?: string } | undefined {
  if (isIPv4(address)) {
    const matched = matchRule(IPV4_RULES, address, 'ipv4');
    return matched && { rule: matched };
  }
  const direct = matchRule(IPV6_RULES, address, 'ipv6');
  if (direct) return { rule: direct };
  const embedded = embeddedIPv4(address);
  const inner = embedded && matchRule(IPV4_RULES, embedded.ipv4, 'ipv4');
  return inner && embedded && { rule: inner, ipv4: embedded.ipv4, form: embedded.form };
}

function matchRule(rules: readonly Rule[], address: string, family: 'ipv4' | 'ipv6'): Rule | undefined {
  return rules.find((candidate) => candidate.list.check(address, family));
}

/** Zone ids (fe80::1%eth0) are not part of the address. */
function withoutZone(ip: string): string {
  const percent = ip.indexOf('%');
  return percent === -1 ? ip : ip.slice(0, percent);
}

/**
 * The IPv4 address an IPv6 address carries, for the forms that reach it: IPv4-mapped
 * (::ffff:a.b.c.d — the OS connects over IPv4), IPv4-translated (::ffff:0:a.b.c.d),
 * deprecated IPv4-compatible (::a.b.c.d), NAT64 well-known prefix (64:ff9b::/96) and 6to4
 * (2002:AABB:CCDD::/48).
 */
function embeddedIPv4(address: string): { ipv4: string; form: string } | undefined {
  const h = ipv6Hextets(address);
  if (!h) return undefined;
  const quad = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  const zeros = (from: number, to: number) => h.slice(from, to).every((part) => part === 0);
  const [h0, h1, h2, , h4, h5, h6, h7] = h as [number, number, number, number, number, number, number, number];
  if (zeros(0, 5) && h5 === 0xffff) return { ipv4: quad(h6, h7), form: 'IPv4-mapped' };
  if (zeros(0, 4) && h4 === 0xffff && h5 === 0) return { ipv4: quad(h6, h7), form: 'IPv4-translated' };
  if (zeros(0, 6)) return { ipv4: quad(h6, h7), form: 'IPv4-compatible' };
  if (h0 === 0x64 && h1 === 0xff9b && zeros(2, 6)) return { ipv4: quad(h6, h7), form: 'NAT64' };
  if (h0 === 0x2002) return { ipv4: quad(h1, h2), form: '6to4' };
  return undefined;
}

/** The eight 16-bit groups of a valid IPv6 address. */
function ipv6Hextets(address: string): number[] | undefined {
  if (!isIPv6(address)) return undefined;
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const [head = '', rest] = text.split('::');
  const front = parse(head);
  if (rest === undefined) return front;
  const back = parse(rest);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}

function blockListOf(cidr: string): BlockList {
  const list = new BlockList();
  addCidr(list, cidr, 'ssrf rule');
  return list;
}

function addCidr(list: BlockList, entry: string, what: string): void {
  const [address = '', prefixText, extra] = entry.split('/');
  const family = isIP(address);
  const bits = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (family === 0 || extra !== undefined || !/^\d+$/.test(prefixText ?? '0') || prefix > bits) {
    throw new Error(
      `${what}: ${JSON.stringify(entry)} is neither a CIDR (10.0.0.0/8, fd00::/8), an IP, ` +
        `nor one of ${ADDRESS_CATEGORIES.join(', ')}`,
    );
  }
  list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
}

/** The error a blocked connection fails with; the sender maps its code to 'ssrf-blocked'. */
export const SSRF_BLOCKED_CODE = 'ERR_HOOKRAIL_SSRF_BLOCKED';

export class SsrfBlockedError extends Error {
  readonly code = SSRF_BLOCKED_CODE;
  readonly hostname: string;
  readonly address: string;

  constructor(hostname: string, address: string, why: string) {
    super(`refusing to connect to ${hostname === address ? address : `${hostname} (${address})`}: ${why}`);
    this.name = 'SsrfBlockedError';
    this.hostname = hostname;
    this.address = address;
  }
}

type Resolve = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolve: Resolve = (hostname, options, callback) => dnsLookup(hostname, options, callback);

/**
 * A `lookup` for net/tls connect (and so undici's `connect` option): resolves as usual, then
 * refuses the connection if any resolved address is forbidden — a name with one public and one
 * private address is refused outright rather than left to chance. Literal IPs skip lookup in
 * net.connect: the connector must check those itself (see http/guarded-connector.ts).
 */
export function createGuardedLookup(policy: SsrfPolicy = {}, resolve: Resolve = systemResolve): LookupFunction {
  const guard = createAddressGuard(policy);
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      if (addresses.length === 0) {
        const notFound: NodeJS.ErrnoException = new Error(`no addresses for ${hostname}`);
        notFound.code = 'ENOTFOUND';
        return callback(notFound, '', 0);
      }
      for (const { address } of addresses) {
        const { forbidden, why } = guard.check(address);
        if (forbidden) return callback(new SsrfBlockedError(hostname, address, why ?? 'forbidden'), '', 0);
      }
      if (options.all) return callback(null, addresses);
      const [first] = addresses as [LookupAddress];
      return callback(null, first.address, first.family);
    });
  };
}
