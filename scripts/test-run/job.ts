// One job of the test run: `node --test` on one file (or on the unit tests' patterns) in its own
// process group, its spec output kept for printing in one piece, its count events in a file.
// Test files run without --test-force-exit: a file's process has to end by itself once its
// tests are done. One whose every declared test has its result but that is still alive
// `lingerMs` later left something open (a Kafka client, a server, a timer, a child process): it is
// stopped (SIGTERM, so its exit hooks kill what it started, then SIGKILL) and the run fails.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CountEvent } from './tally.ts';

export interface JobSpec {
  name: string;
  /** Files or glob patterns for `node --test`. */
  patterns: string[];
}

export interface JobOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  events: CountEvent[];
  wallMs: number;
  /** Files whose tests were done but whose process did not end by itself. */
  lingered: string[];
  /** The job ran past its time limit and was stopped. */
  timedOut: boolean;
  /** Processes of its group still ran after it ended (killed then). */
  leftProcesses: boolean;
}

export interface JobOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  nodeFlags: string[];
  lingerMs: number;
  timeLimitMs: number;
}

const reporter = join(import.meta.dirname, 'count-reporter.ts');

export function parseEvents(text: string): CountEvent[] {
  return text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as CountEvent);
}

function readEvents(file: string): CountEvent[] {
  try {
    // A line being written may be cut: only whole lines count.
    const text = readFileSync(file, 'utf8');
    return parseEvents(text.slice(0, text.lastIndexOf('\n') + 1));
  } catch {
    return [];
  }
}

/**
 * Files whose every declared test has its result but whose process has not ended. (A file's
 * own summary only comes as its process ends, so an open handle delays it too.)
 */
export function doneButRunning(events: readonly CountEvent[]): string[] {
  const open = new Map<string, Set<number>>();
  const results = new Set<string>();
  const ended = new Set<string>();
  for (const event of events) {
    const ids = open.get(event.file) ?? open.set(event.file, new Set()).get(event.file)!;
    if (event.type === 'declared') ids.add(event.id);
    else if (event.type === 'passed' || event.type === 'failed') {
      ids.delete(event.id);
      results.add(event.file);
    } else ended.add(event.file);
  }
  return [...open].filter(([file, ids]) => ids.size === 0 && results.has(file) && !ended.has(file)).map(([file]) => file);
}

export async function runJob(spec: JobSpec, options: JobOptions): Promise<JobOutcome> {
  const eventsFile = join(mkdtempSync(join(tmpdir(), 'hookrail-test-run-')), 'events.ndjson');
  const started = Date.now();
  const args = [
    ...options.nodeFlags,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${reporter}`, `--test-reporter-destination=${eventsFile}`,
    ...spec.patterns,
  ];
  // Its own process group, so a stop reaches the services and tools the tests started too.
  const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

  const lingered = new Set<string>();
  let timedOut = false;
  const doneSince = new Map<string, number>();
  const stopGroup = async () => {
    signalGroup(child.pid!, 'SIGTERM');
    const killer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
    signalGroup(child.pid!, 'SIGKILL'); // whatever of the group is left
  };
  let stopping: Promise<void> | undefined;
  const watch = setInterval(() => {
    if (stopping) return;
    const now = Date.now();
    const done = doneButRunning(readEvents(eventsFile));
    for (const file of done) if (!doneSince.has(file)) doneSince.set(file, now);
    for (const [file, since] of doneSince) {
      if (!done.includes(file)) doneSince.delete(file);
      else if (now - since > options.lingerMs) lingered.add(file);
    }
    if (now - started > options.timeLimitMs) timedOut = true;
    if (lingered.size > 0 || timedOut) stopping = stopGroup();
  }, 1_000);
  const [code, signal] = await exited;
  clearInterval(watch);
  await stopping;
  const leftProcesses = !stopping && signalGroup(child.pid!, 'SIGKILL');
  return { code, signal, output: Buffer.concat(chunks).toString('utf8'), events: readEvents(eventsFile), wallMs: Date.now() - started, lingered: [...lingered], timedOut, leftProcesses };
}

/** Signals every process of the group; false when none was left. */
function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
