// A throwaway HTTP server on 127.0.0.1 for injecting registry failures the real registry does
// not produce on demand (5xx, hangs, odd 404s). Not a schema registry.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpStub {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

export async function startHttpStub(handler: (request: http.IncomingMessage, response: http.ServerResponse) => void): Promise<HttpStub> {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers with a status and a JSON (or text) body. */
export function reply(response: http.ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/vnd.schemaregistry.v1+json' });
  response.end(text);
}
