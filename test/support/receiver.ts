// The one HTTP receiver of the tests: a real server on loopback (or on the address given) that
// records every request and answers each as `reply` decides. It plays a webhook receiver (the
// integration tests, the container test), a schema registry that fails on demand (the router's
// decoder tests) and a misbehaving server (the deliverer's HTTP sender tests). Imports only
// Node, so the container test can mount it into the image beside its fixture.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  webhookId: string;
  /** The same as `url`: the request's path (and query), e.g. `/hook`. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  at: number;
  /** How many requests this webhook-id had received before this one. */
  seen: number;
  /** The status answered (once answered through a Reply). */
  status?: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** A string or bytes as they are; anything else as JSON (content-type application/json unless given). */
  body?: string | Buffer | object;
  delayMs?: number;
  /** Answer only once this settles (a test holds the answer until it has changed something). */
  after?: Promise<unknown>;
}

/**
 * Decides the answer to a request. Returning nothing leaves the answer to the function, which
 * has the raw response: to stall, stream, destroy the socket or never answer.
 */
export type Responder = (request: ReceivedRequest, response: ServerResponse) => Reply | void;

export interface Receiver {
  /** `<origin>/hook`, where the webhook tests send. */
  readonly url: string;
  /** `http://<host>:<port>`. */
  readonly origin: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Requests being answered right now, and the most seen at once. */
  readonly inFlight: number;
  readonly peakInFlight: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Distinct webhook-ids answered with a 2xx. */
  readonly delivered: Set<string>;
  /** Stops listening and drops every open connection. */
  close(): Promise<void>;
}

function send(response: ServerResponse, answer: Reply): void {
  const { body } = answer;
  const json = body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body);
  const headers = json ? { 'content-type': 'application/json', ...answer.headers } : answer.headers;
  response.writeHead(answer.status, headers).end(json ? JSON.stringify(body) : (body ?? ''));
}

/** Starts a receiver; by default it answers 200 to everything, on 127.0.0.1 and a free port. */
export async function startReceiver(reply: Responder = () => ({ status: 200 }), options: { host?: string; port?: number } = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const seenCount = new Map<string, number>();
  const delivered = new Set<string>();
  const sockets = new Set<Socket>();
  // Answers waiting out their delay: cleared on close, or they would keep the test process alive.
  const delayed = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let peakInFlight = 0;
  let connections = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const webhookId = String(request.headers['webhook-id'] ?? '');
      const seen = seenCount.get(webhookId) ?? 0;
      seenCount.set(webhookId, seen + 1);
      const received: ReceivedRequest = { method: request.method ?? '', url: request.url ?? '/', path: request.url ?? '/', webhookId, headers: request.headers, body: Buffer.concat(chunks), at: Date.now(), seen };
      requests.push(received);
      const answer = reply(received, response);
      if (!answer) return;
      inFlight++;
      peakInFlight = Math.max(peakInFlight, inFlight);
      const answerNow = () => {
        inFlight--;
        received.status = answer.status;
        if (answer.status >= 200 && answer.status < 300) delivered.add(webhookId);
        send(response, answer);
      };
      if (answer.after) void answer.after.then(answerNow, answerNow);
      else if (answer.delayMs) {
        const timer = setTimeout(() => {
          delayed.delete(timer);
          answerNow();
        }, answer.delayMs);
        delayed.add(timer);
      }
      else answerNow();
    });
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://${options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'}:${port}`;
  return {
    url: `${origin}/hook`,
    origin,
    port,
    requests,
    delivered,
    get inFlight() {
      return inFlight;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const timer of delayed) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
      }),
  };
}
