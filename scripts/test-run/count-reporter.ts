// A node:test reporter for the runner's count check (scripts/run-tests.ts): one JSON line per
// test declared, per result and per file finished, so that every test a file declared can be
// matched with its result (tally.ts). `node --test --test-reporter=<this> --test-reporter-destination=<file>`.
import type { CountEvent } from './tally.ts';

interface TestData {
  file?: string;
  entryFile?: string;
  testId?: number;
  nesting?: number;
  name?: string;
  type?: 'test' | 'suite';
  skip?: unknown;
  todo?: unknown;
  counts?: { tests: number };
  details?: { type?: 'test' | 'suite'; duration_ms?: number; error?: { message?: string; failureType?: string; cause?: unknown } };
}

/** The event for the counter, or undefined for one it does not need. */
export function countEvent(type: string, data: TestData): CountEvent | undefined {
  // Events from a file's own process carry entryFile; the runner's entry for the file itself does not.
  const file = data.entryFile;
  if (type === 'test:summary') return data.file ? { type: 'summary', file: data.file, tests: data.counts?.tests ?? 0 } : undefined;
  if (!file) {
    if (type === 'test:complete' && data.file && data.nesting === 0) {
      const failed = data.details?.error !== undefined;
      return { type: 'file', file: data.file, ok: !failed, durationMs: data.details?.duration_ms ?? 0, ...(failed ? { error: reason(data) } : {}) };
    }
    return undefined;
  }
  const test = { file, id: data.testId ?? -1, name: data.name ?? '' };
  if (type === 'test:enqueue') return { type: 'declared', ...test, suite: data.type === 'suite' };
  if (type === 'test:pass' || type === 'test:fail') {
    return { type: type === 'test:pass' ? 'passed' : 'failed', ...test, suite: data.details?.type === 'suite', skip: Boolean(data.skip), todo: Boolean(data.todo) };
  }
  return undefined;
}

function reason(data: TestData): string {
  const error = data.details?.error;
  const cause = error?.cause instanceof Error ? error.cause.message : typeof error?.cause === 'string' ? error.cause : undefined;
  return (cause ?? error?.message ?? 'failed').split('\n')[0]!.slice(0, 300);
}

export default async function* countReporter(source: AsyncIterable<{ type: string; data: TestData }>): AsyncGenerator<string> {
  for await (const { type, data } of source) {
    const event = countEvent(type, data);
    if (event) yield `${JSON.stringify(event)}\n`;
  }
}
