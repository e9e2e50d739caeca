import assert from 'node:assert/strict';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startReceiver, type Receiver } from '../../../../test/support/receiver.ts';
import { createHttpSender, type HttpSender, type HttpSenderOptions } from './sender.ts';

// Real servers on 127.0.0.1 (the tests' receiver, raw TCP for the rest), no mocks: what the
// sender sees is what a receiver would cause.

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const DEV: HttpSenderOptions = { requireHttps: false, ssrf: { allow: ['loopback'] } };
const payload = Buffer.from(JSON.stringify({ type: 'order.created', id: 'ord_1' }));
const post = (sender: HttpSender, url: string, extra: Partial<{ headers: Record<string, string>; timeoutMs: number; body: Buffer }> = {}) =>
  sender.send({ url, body: extra.body ?? payload, headers: extra.headers ?? {}, ...(extra.timeoutMs ? { timeoutMs: extra.timeoutMs } : {}) });

describe('createHttpSender against real servers', () => {
  let sender: HttpSender;
  let server: Receiver;

  before(async () => {
    sender = createHttpSender({ ...DEV, headersTimeoutMs: 300, bodyTimeoutMs: 300 });
    server = await startReceiver((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      switch (path) {
        case '/ok':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
          return;
        case '/fail':
          res.writeHead(500).end('boom');
          return;
        case '/busy':
          res.writeHead(503, { 'retry-after': '120' }).end();
          return;
        case '/redirect':
          res.writeHead(302, { location: '/ok' }).end();
          return;
        case '/gone':
          res.writeHead(410).end('subscription removed');
          return;
        case '/slow-headers':
          return; // never answers
        case '/stalled-body':
          res.writeHead(200);
          res.write('partial');
          return; // never finishes
        case '/huge':
          res.writeHead(200, { 'content-type': 'text/plain' });
          void (async () => {
            const chunk = Buffer.alloc(64 * 1024, 'x');
            for (let i = 0; i < 160 && !res.destroyed; i++) {
              if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
            }
            res.end();
          })();
          return;
        default:
          res.writeHead(404).end();
      }
    });
  });

  after(async () => {
    await sender.close();
    await server.close();
  });

  it('200: delivered, with the POSTed bytes and headers intact', async () => {
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000', 'webhook-signature': 'v1,abc=' };
    const result = await post(sender, `${server.origin}/ok?x=1`, { headers });
    assert.equal(result.status, 200);
    assert.equal(result.errorClass, undefined);
    assert.equal(result.responseBodySnippet, '{"received":true}');
    assert.ok(result.durationMs > 0);
    const request = server.requests.at(-1)!;
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/ok?x=1');
    assert.deepEqual(request.body, payload);
    assert.equal(request.headers['webhook-id'], 'msg_1');
    assert.equal(request.headers['webhook-signature'], 'v1,abc=');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['user-agent'], 'hookrail/0.1');
  });

  it('500: the status and a snippet of the body', async () => {
    const result = await post(sender, `${server.origin}/fail`);
    assert.equal(result.status, 500);
    assert.equal(result.responseBodySnippet, 'boom');
  });

  it('503 with Retry-After: the delay is parsed', async () => {
    const result = await post(sender, `${server.origin}/busy`);
    assert.equal(result.status, 503);
    assert.equal(result.retryAfterMs, 120_000);
  });

  it('302: the status, not followed', async () => {
    const before = server.requests.length;
    const result = await post(sender, `${server.origin}/redirect`);
    assert.equal(result.status, 302);
    assert.equal(server.requests.length, before + 1);
  });

  it('410: the status', async () => {
    assert.equal((await post(sender, `${server.origin}/gone`)).status, 410);
  });

  it('slow headers: timeout', async () => {
    const result = await post(sender, `${server.origin}/slow-headers`);
    assert.equal(result.errorClass, 'timeout');
    assert.equal(result.status, undefined);
    assert.match(result.errorDetail ?? '', /UND_ERR_HEADERS_TIMEOUT|Headers Timeout/);
  });

  it('the total timeout bounds the whole attempt', async () => {
    const quick = createHttpSender({ ...DEV, headersTimeoutMs: 5_000, totalTimeoutMs: 150 });
    try {
      const result = await post(quick, `${server.origin}/slow-headers`);
      assert.equal(result.errorClass, 'timeout');
      assert.ok(result.durationMs < 2_000, `took ${result.durationMs} ms`);
      const perRequest = await post(quick, `${server.origin}/slow-headers`, { timeoutMs: 100 });
      assert.equal(perRequest.errorClass, 'timeout');
    } finally {
      await quick.close();
    }
  });

  it('a body that stalls after the head keeps the status and notes the problem', async () => {
    const result = await post(sender, `${server.origin}/stalled-body`);
    assert.equal(result.status, 200);
    assert.equal(result.errorClass, undefined);
    assert.equal(result.responseBodySnippet, 'partial');
    assert.match(result.errorDetail ?? '', /response body: .*Body Timeout|UND_ERR_BODY_TIMEOUT/);
  });

  it('a huge body is read only up to the cap and a 4 KiB snippet is kept', async () => {
    const result = await post(sender, `${server.origin}/huge`);
    assert.equal(result.status, 200);
    assert.equal(result.responseBodySnippet?.length, 4 * 1024);
    assert.match(result.errorDetail ?? '', /cut off after \d+ bytes/);
    const readBytes = Number(/after (\d+) bytes/.exec(result.errorDetail ?? '')?.[1]);
    assert.ok(readBytes >= 64 * 1024 && readBytes < 10 * 64 * 1024, `read ${readBytes} bytes`);
  });

  it('still works after all that (the pool recovers from cut-off connections)', async () => {
    assert.equal((await post(sender, `${server.origin}/ok`)).status, 200);
  });
});

describe('createHttpSender connection failures', () => {
  it('a server that accepts and destroys the socket: connection', async () => {
    const server = createTcpServer((socket) => socket.destroy());
    const port = await listen(server);
    const sender = createHttpSender(DEV);
    try {
      const result = await post(sender, `http://127.0.0.1:${port}/`);
      assert.equal(result.errorClass, 'connection');
      assert.equal(result.status, undefined);
    } finally {
      await sender.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('an unused port: connection (ECONNREFUSED)', async () => {
    const server = createTcpServer();
    const port = await listen(server);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const sender = createHttpSender(DEV);
    try {
      const result = await post(sender, `http://127.0.0.1:${port}/`);
      assert.equal(result.errorClass, 'connection');
      assert.match(result.errorDetail ?? '', /ECONNREFUSED/);
    } finally {
      await sender.close();
    }
  });

  it('an unresolvable name: dns', async () => {
    const sender = createHttpSender(DEV);
    try {
      const result = await post(sender, 'http://nonexistent.invalid/hook');
      assert.equal(result.errorClass, 'dns');
      assert.match(result.errorDetail ?? '', /ENOTFOUND|EAI_AGAIN/);
    } finally {
      await sender.close();
    }
  });

  it('TLS spoken to a plain HTTP port: tls', async () => {
    const server = await startReceiver(() => ({ status: 200 }));
    const sender = createHttpSender({ ssrf: { allow: ['loopback'] } });
    try {
      const result = await post(sender, `https://127.0.0.1:${server.port}/`);
      assert.equal(result.errorClass, 'tls', result.errorDetail);
    } finally {
      await sender.close();
      await server.close();
    }
  });
});

describe('createHttpSender refuses what must not be sent', () => {
  let server: Receiver;
  before(async () => {
    server = await startReceiver(() => ({ status: 200, body: 'ok' }));
  });
  after(() => server.close());

  it('http:// when HTTPS is required: invalid-url, nothing sent', async () => {
    const sender = createHttpSender({ ssrf: { allow: ['loopback'] } });
    try {
      const result = await post(sender, `${server.origin}/`);
      assert.equal(result.errorClass, 'invalid-url');
      assert.match(result.errorDetail ?? '', /HTTPS is required/);
      assert.equal(server.connections, 0);
    } finally {
      await sender.close();
    }
  });

  for (const url of ['not a url', 'ftp://example.com/x', 'https://user:secret@example.com/hook']) {
    it(`${url}: invalid-url`, async () => {
      const sender = createHttpSender();
      try {
        const result = await post(sender, url);
        assert.equal(result.errorClass, 'invalid-url');
        assert.ok(!(result.errorDetail ?? '').includes('secret'), 'credentials leaked into the detail');
      } finally {
        await sender.close();
      }
    });
  }

  it('a payload over the limit: body-too-large, nothing sent', async () => {
    const sender = createHttpSender({ ...DEV, maxRequestBytes: 1_000 });
    const before = server.connections;
    try {
      const result = await post(sender, `${server.origin}/`, { body: Buffer.alloc(1_001) });
      assert.equal(result.errorClass, 'body-too-large');
      assert.equal(server.connections, before);
    } finally {
      await sender.close();
    }
  });

  it('SSRF: loopback is blocked by IP, by IPv6 literal and by name, without connecting', async () => {
    const sender = createHttpSender({ requireHttps: false });
    const before = server.connections;
    try {
      for (const url of [`${server.origin}/`, `http://[::1]:${server.port}/`, `http://localhost:${server.port}/`]) {
        const result = await post(sender, url);
        assert.equal(result.errorClass, 'ssrf-blocked', `${url}: ${result.errorDetail}`);
        assert.match(result.errorDetail ?? '', /is loopback/);
      }
      assert.equal(server.connections, before);
    } finally {
      await sender.close();
    }
  });

  it('SSRF: allowed when allow-listed, by IP and by name', async () => {
    const byCidr = createHttpSender({ requireHttps: false, ssrf: { allow: ['127.0.0.0/8', '::1'] } });
    try {
      assert.equal((await post(byCidr, `${server.origin}/`)).status, 200);
      assert.equal((await post(byCidr, `http://localhost:${server.port}/`)).status, 200);
    } finally {
      await byCidr.close();
    }
  });
});

describe('createHttpSender connection reuse', () => {
  it('sequential requests reuse keep-alive connections', async () => {
    const server = await startReceiver(() => ({ status: 204 }));
    const sender = createHttpSender(DEV);
    try {
      for (let i = 0; i < 20; i++) assert.equal((await post(sender, `${server.origin}/`)).status, 204);
      // Two, not one: the body ends a tick before undici marks its connection idle, so the
      // request sent right after opens a second one; from then on the two alternate.
      assert.ok(server.connections <= 2, `${server.connections} connections for 20 requests`);
    } finally {
      await sender.close();
      await server.close();
    }
  });

  it('many concurrent requests use at most connectionsPerOrigin connections, and reuse them', async () => {
    let inFlight = 0;
    let peak = 0;
    const server = await startReceiver((_req, res) => {
      peak = Math.max(peak, ++inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(200).end();
      }, 10);
    });
    const sender = createHttpSender({ ...DEV, connectionsPerOrigin: 8 });
    try {
      for (let round = 0; round < 2; round++) {
        const results = await Promise.all(Array.from({ length: 100 }, () => post(sender, `${server.origin}/`)));
        assert.ok(results.every((result) => result.status === 200));
      }
      assert.equal(server.requests.length, 200);
      assert.ok(server.connections <= 8, `${server.connections} connections`);
      assert.ok(peak > 1, 'requests ran in parallel');
    } finally {
      await sender.close();
      await server.close();
    }
  });

  it('close() waits for attempts in flight and leaves nothing open', async () => {
    const server = await startReceiver(() => ({ status: 200, delayMs: 50 }));
    const sender = createHttpSender(DEV);
    const pending = post(sender, `${server.origin}/`);
    await sleep(10);
    await sender.close();
    assert.equal((await pending).status, 200);
    await server.close();
  });
});
