// The benchmark's webhook receiver, in a process of its own (so the load generator's event
// loop never delays its timestamps). Paths choose the behaviour:
//   /fast/<name>          200 at once
//   /slow/<ms>/<name>     200 after <ms>
//   /flaky/<name>         503 the first time a webhook-id is seen, 200 afterwards
//   /fail/<name>          500 every time
//   /flaky/<pct>/<name>   503 to the first attempt of <pct> % of the webhook-ids (evenly spread)
//   /window/<from>/<to>/<mode>/<name>
//                         between epoch ms <from> and <to>: `slow-<ms>` answers 200 after <ms>,
//                         `status-<code>` answers <code>; 200 at once outside the window
// It can listen on more ports (op "ports"), so that a workload can have many receiver origins.
// Per name it counts 2xx answers, distinct webhook-ids (or body ids) answered 2xx, and the
// time of the last new one; with latency recording on, it keeps (receive time − body "t").
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Counter {
  ok: number;
  failed: number;
  distinct: Set<string>;
  firstAt: number;
  lastNewAt: number;
  inFlight: number;
  peakInFlight: number;
  latencies: number[];
  /** The body's "t" of each latency sample. */
  sentAt: number[];
  /** Arrival time and status of every request, while latency recording is on. */
  requests: Array<[number, number]>;
}

const counters = new Map<string, Counter>();
const seenFlaky = new Set<string>();
let flakyFirsts = 0;
/** Whether the n-th new webhook-id (1-based) fails its first attempt, for `percent` % of them. */
const failsFirst = (n: number, percent: number) => Math.floor((n * percent) / 100) > Math.floor(((n - 1) * percent) / 100);
let recordLatency = false;

const counterOf = (name: string): Counter => {
  let counter = counters.get(name);
  if (!counter) counters.set(name, (counter = { ok: 0, failed: 0, distinct: new Set(), firstAt: 0, lastNewAt: 0, inFlight: 0, peakInFlight: 0, latencies: [], sentAt: [], requests: [] }));
  return counter;
};
const now = () => performance.timeOrigin + performance.now();
const T_PATTERN = /"t":(\d+(?:\.\d+)?)/;
const ID_PATTERN = /"id":"([^"]+)"/;

const handle: RequestListener = (request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const at = now();
    const parts = (request.url ?? '/').split('/');
    const kind = parts[1] ?? 'fast';
    const name = parts.at(-1) ?? 'default';
    const counter = counterOf(name);
    const body = chunks.length === 1 ? chunks[0]!.toString('latin1') : Buffer.concat(chunks).toString('latin1');
    const id = String(request.headers['webhook-id'] ?? ID_PATTERN.exec(body)?.[1] ?? '');
    let status = 200;
    let delay = 0;
    if (kind === 'slow') delay = Number(parts[2] ?? 100);
    else if (kind === 'fail') status = 500;
    else if (kind === 'window' && at >= Number(parts[2]) && at < Number(parts[3])) {
      const [mode, value] = (parts[4] ?? '').split('-');
      if (mode === 'slow') delay = Number(value);
      else if (mode === 'status') status = Number(value);
    }
    else if (kind === 'flaky' && !seenFlaky.has(id)) {
      seenFlaky.add(id);
      const percent = parts.length > 3 ? Number(parts[2]) : 100;
      if (failsFirst(++flakyFirsts, percent)) status = 503;
    }
    counter.inFlight++;
    if (counter.inFlight > counter.peakInFlight) counter.peakInFlight = counter.inFlight;
    if (recordLatency) counter.requests.push([Math.round(at), status]);
    const answer = () => {
      counter.inFlight--;
      if (status < 300) {
        counter.ok++;
        if (!counter.distinct.has(id)) {
          counter.distinct.add(id);
          const done = delay > 0 ? now() : at;
          if (counter.firstAt === 0) counter.firstAt = done;
          counter.lastNewAt = done;
          if (recordLatency) {
            const t = Number(T_PATTERN.exec(body)?.[1]);
            if (Number.isFinite(t)) {
              counter.latencies.push(done - t);
              counter.sentAt.push(t);
            }
          }
        }
      } else counter.failed++;
      response.writeHead(status, { 'content-length': '0' }).end();
    };
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  });
};
const server = createServer(handle);
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
server.maxRequestsPerSocket = 0;

type Command =
  | { id: number; op: 'stats'; latencies?: boolean }
  | { id: number; op: 'reset' }
  | { id: number; op: 'record'; on: boolean }
  | { id: number; op: 'ports'; count: number };

/** More loopback ports answering like the first (each a receiver origin of its own); kept open. */
const extraPorts: number[] = [];
async function openPorts(count: number): Promise<number[]> {
  while (extraPorts.length < count) {
    const extra = createServer(handle);
    extra.keepAliveTimeout = server.keepAliveTimeout;
    await new Promise<void>((resolve) => extra.listen(0, '127.0.0.1', resolve));
    extraPorts.push((extra.address() as AddressInfo).port);
  }
  return extraPorts.slice(0, count);
}

process.on('message', (command: Command) => {
  if (command.op === 'reset') {
    counters.clear();
    seenFlaky.clear();
    flakyFirsts = 0;
    process.send!({ id: command.id, ok: true });
  } else if (command.op === 'record') {
    recordLatency = command.on;
    for (const counter of counters.values()) {
      counter.latencies = [];
      counter.sentAt = [];
      counter.requests = [];
    }
    process.send!({ id: command.id, ok: true });
  } else if (command.op === 'ports') {
    void openPorts(command.count).then((ports) => process.send!({ id: command.id, ports }));
  } else if (command.op === 'stats') {
    const stats = Object.fromEntries(
      [...counters].map(([name, c]) => [
        name,
        { ok: c.ok, failed: c.failed, distinct: c.distinct.size, firstAt: c.firstAt, lastNewAt: c.lastNewAt, inFlight: c.inFlight, peakInFlight: c.peakInFlight, ...(command.latencies ? { latencies: c.latencies, sentAt: c.sentAt, requests: c.requests } : {}) },
      ]),
    );
    process.send!({ id: command.id, stats });
  }
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  process.send!({ ready: true, port: (server.address() as AddressInfo).port });
});
