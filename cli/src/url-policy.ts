import { createAddressGuard } from '@hookrail/deliverer/policy/ssrf';
import { isIP } from 'node:net';

export interface DeliveryPolicy {
  requireHttps: boolean;
  allow: readonly string[];
}

/**
 * Would the deliverers refuse this receiver URL? The same rules they apply at send time:
 * HTTPS unless HOOKRAIL_HTTP_REQUIRE_HTTPS=false, and no loopback, private or metadata
 * address unless HOOKRAIL_HTTP_ALLOW lets it through. Names are judged by the deliverer on
 * the address they resolve to when it connects; here only literal IPs and localhost are
 * known, so no DNS lookup is made. Returns why it would be refused, or undefined.
 */
export function refusedBecause(url: string, policy: DeliveryPolicy): string | undefined {
  const target = new URL(url);
  if (target.protocol === 'http:' && policy.requireHttps) {
    return 'http:// URL: the deliverers require HTTPS (set HOOKRAIL_HTTP_REQUIRE_HTTPS=false where they run, for development only)';
  }
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const ip = isIP(host) !== 0 ? host : host === 'localhost' || host.endsWith('.localhost') ? '127.0.0.1' : undefined;
  if (ip === undefined) return undefined;
  const verdict = createAddressGuard({ allow: policy.allow }).check(ip);
  if (!verdict.forbidden) return undefined;
  const category = verdict.why?.match(/ is ([a-z-]+):/)?.[1];
  return `${host} is a ${category ?? 'forbidden'} address the deliverers refuse (SSRF guard); allow it with HOOKRAIL_HTTP_ALLOW=${category ?? ip} where they run`;
}
