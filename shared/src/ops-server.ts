import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Telemetry } from './telemetry.ts';

export interface OpsServer {
  /** The bound port (useful when configured as 0). */
  readonly port: number;
  setReady(ready: boolean, reason?: string): void;
  /** Extra routes a service adds (the monitor's /status). */
  route(path: string, handler: Parameters<typeof createServer>[1]): void;
  close(): Promise<void>;
}

/**
 * The operator's port: /healthz (the process is alive), /readyz (it does its job: connected,
 * consuming), /metrics (Prometheus). Orchestrators probe the first two.
 */
export async function startOpsServer(options: {
  host: string;
  port: number;
  telemetry: Telemetry;
}): Promise<OpsServer> {
  let ready = false;
  let notReadyReason = 'starting';
  const routes = new Map<string, NonNullable<Parameters<typeof createServer>[1]>>();

  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (path === '/readyz') {
      const body = JSON.stringify(ready ? { status: 'ready' } : { status: 'not ready', reason: notReadyReason });
      response.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(body);
    } else if (path === '/metrics') {
      options.telemetry.handleMetrics(request, response);
    } else {
      const handler = routes.get(path);
      if (handler) handler(request, response);
      else response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });

  return {
    port: (server.address() as AddressInfo).port,
    setReady(value, reason = 'not ready') {
      ready = value;
      notReadyReason = reason;
    },
    route(path, handler) {
      if (handler) routes.set(path, handler);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
