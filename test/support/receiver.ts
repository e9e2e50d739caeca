import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  webhookId: string;
  /** The request's path (and query), e.g. `/hook`. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  at: number;
  /** How many requests this webhook-id had received before this one. */
  seen: number;
  /** The status answered (once answered). */
  status?: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
  /** Answer only once this settles (a test holds the answer until it has changed something). */
  after?: Promise<unknown>;
}

export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Requests being answered right now, and the most seen at once. */
  readonly inFlight: number;
  readonly peakInFlight: number;
  /** Distinct webhook-ids answered with a 2xx. */
  readonly delivered: Set<string>;
  close(): Promise<void>;
}

/** A real HTTP receiver on loopback whose answer is decided per request. */
export async function startReceiver(reply: (request: ReceivedRequest) => Reply = () => ({ status: 200 })): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const seenCount = new Map<string, number>();
  const delivered = new Set<string>();
  let inFlight = 0;
  let peakInFlight = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const webhookId = String(request.headers['webhook-id'] ?? '');
      const seen = seenCount.get(webhookId) ?? 0;
      seenCount.set(webhookId, seen + 1);
      const received: ReceivedRequest = { webhookId, path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks), at: Date.now(), seen };
      requests.push(received);
      inFlight++;
      peakInFlight = Math.max(peakInFlight, inFlight);
      const answer = reply(received);
      const send = () => {
        inFlight--;
        received.status = answer.status;
        if (answer.status >= 200 && answer.status < 300) delivered.add(webhookId);
        response.writeHead(answer.status, answer.headers).end(answer.body ?? '');
      };
      if (answer.after) void answer.after.then(send, send);
      else if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    delivered,
    get inFlight() {
      return inFlight;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
