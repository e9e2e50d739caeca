// Helpers for the monitor's tests: its HTTP endpoints, Kafka's own consumer-groups tool, and
// the external tools (promtool, Chromium) that CI installs from Debian.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, testBrokers } from './kafka.ts';

const run = promisify(execFile);

export async function fetchJson<T = any>(port: number, path: string): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

export async function fetchText(port: number, path: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return response.text();
}

/** One row of `kafka-consumer-groups --describe`. */
export interface GroupCommandRow {
  group: string;
  topic: string;
  partition: number;
  current: number | null;
  end: number | null;
  lag: number | null;
}

/** Kafka's ConsumerGroupCommand --describe for the groups, parsed. */
export async function describeGroups(groups: string[]): Promise<{ rows: GroupCommandRow[]; output: string }> {
  const args = [join(repoRoot, 'scripts/kafka.sh'), 'run', 'groups', '--bootstrap-server', testBrokers()[0]!, '--describe', ...groups.flatMap((g) => ['--group', g])];
  const { stdout } = await run('bash', args, { maxBuffer: 10 * 1024 * 1024, env: { ...process.env, KAFKA_TOOL_OPTS: '-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC' } });
  const rows: GroupCommandRow[] = [];
  const number = (text: string | undefined) => (text === undefined || text === '-' ? null : Number(text));
  for (const line of stdout.split('\n')) {
    const cells = line.trim().split(/\s+/);
    if (cells.length < 6 || cells[0] === 'GROUP' || !groups.includes(cells[0]!)) continue;
    rows.push({ group: cells[0]!, topic: cells[1]!, partition: Number(cells[2]), current: number(cells[3]), end: number(cells[4]), lag: number(cells[5]) });
  }
  rows.sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return { rows, output: stdout };
}

/** A tool from Debian's packages that the tests need (.ci/run installs them). */
export function tool(path: string, name: string): string {
  if (existsSync(path)) return path;
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  const packages: Record<string, string> = { promtool: 'prometheus', amtool: 'prometheus-alertmanager' };
  throw new Error(`${name} is not installed: apt-get install ${packages[name] ?? name}`);
}

export async function promtool(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const binary = tool('/usr/bin/promtool', 'promtool');
  const result = spawnSync(binary, args, { input, encoding: 'utf8', cwd: repoRoot });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Opens `url` in Debian's Chromium (headless, through playwright-core), runs `use`, closes it. */
export async function withChromiumPage<T>(url: string, use: (page: import('playwright-core').Page) => Promise<T>, viewport = { width: 1400, height: 1000 }): Promise<T> {
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'hookrail-chromium-')), {
    executablePath: tool('/usr/bin/chromium', 'chromium'),
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await context.newPage();
    await page.goto(url);
    return await use(page);
  } finally {
    await context.close();
  }
}
