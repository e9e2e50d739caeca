import { isIP } from 'node:net';
import { buildConnector } from 'undici';
import { createAddressGuard, createGuardedLookup, SsrfBlockedError, type SsrfPolicy } from '../policy/ssrf.ts';

export interface GuardedConnectorOptions {
  ssrf: SsrfPolicy;
  /** Bounds DNS lookup, TCP connect and the TLS handshake together. */
  connectTimeoutMs: number;
}

/**
 * undici's connector with the SSRF guard on every path to a socket: names go through the
 * guarded lookup (so the check is on the address actually connected to), and literal IPs —
 * which net.connect never passes to `lookup` — are checked here.
 */
export function createGuardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  const guard = createAddressGuard(options.ssrf);
  const connect = buildConnector({ timeout: options.connectTimeoutMs, lookup: createGuardedLookup(options.ssrf) });
  return (connectOptions, callback) => {
    const { hostname } = connectOptions;
    if (isIP(hostname) !== 0) {
      const { forbidden, why } = guard.check(hostname);
      if (forbidden) {
        // Asynchronously, as a real connect failure would be.
        process.nextTick(callback, new SsrfBlockedError(hostname, hostname, why ?? 'forbidden'), null);
        return;
      }
    }
    connect(connectOptions, callback);
  };
}
