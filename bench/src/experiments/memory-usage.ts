// Experiment (not a change to the services): loaded with `node --import`, it writes the
// service's process.memoryUsage() every 500 ms as JSON lines to
// $TMPDIR/hookrail-memory-usage/<service>-<pid>.jsonl, to tell V8 heap (used / total) from
// external buffers and the rest of RSS. `npm run bench -- --scenario memory --experiment memory-usage`.
import { appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = join(tmpdir(), 'hookrail-memory-usage');
mkdirSync(dir, { recursive: true });
const service = /services\/([a-z]+)\//.exec(process.argv[1] ?? '')?.[1] ?? 'node';
const file = join(dir, `${service}-${process.pid}.jsonl`);
const MiB = 2 ** 20;
const start = Date.now();
setInterval(() => {
  const m = process.memoryUsage();
  const line = { t: (Date.now() - start) / 1_000, rss: m.rss / MiB, heapTotal: m.heapTotal / MiB, heapUsed: m.heapUsed / MiB, external: m.external / MiB, arrayBuffers: m.arrayBuffers / MiB };
  appendFileSync(file, `${JSON.stringify(line, (_, v: unknown) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v))}\n`);
}, 500).unref();
