// The count check of the test runner, pure: from the events of count-reporter.ts, per file, the
// tests it declared and the results that reached the runner, and what does not add up. A file
// whose process ended before it reported everything (what --test-force-exit caused: 663, 636
// and 621 of 663 unit tests counted in three runs) fails the run instead of shrinking the count.

export type CountEvent =
  | { type: 'declared'; file: string; id: number; name: string; suite: boolean }
  | { type: 'passed' | 'failed'; file: string; id: number; name: string; suite: boolean; skip: boolean; todo: boolean }
  /** The file's own process counted its tests (its last word before exiting). */
  | { type: 'summary'; file: string; tests: number }
  /** The runner saw the file's process end. */
  | { type: 'file'; file: string; ok: boolean; durationMs: number; error?: string };

export interface FileTally {
  file: string;
  /** Tests (suites not counted) the file registered. */
  declared: number;
  passed: number;
  failed: number;
  skipped: number;
  todo: number;
  /** Declared tests and suites that have no result. */
  missing: string[];
  /** The file's own count of its tests; undefined when its process never sent it. */
  ownCount?: number;
  ended?: { ok: boolean; durationMs: number; error?: string };
}

/** Results of tests (not suites) that reached the runner. */
export const reported = (t: FileTally): number => t.passed + t.failed + t.skipped + t.todo;

export function tally(events: Iterable<CountEvent>): Map<string, FileTally> {
  const files = new Map<string, FileTally>();
  const of = (file: string) => {
    let t = files.get(file);
    if (!t) files.set(file, (t = { file, declared: 0, passed: 0, failed: 0, skipped: 0, todo: 0, missing: [] }));
    return t;
  };
  const open = new Map<string, string>();
  for (const event of events) {
    const t = of(event.file);
    if (event.type === 'summary') t.ownCount = event.tests;
    else if (event.type === 'file') t.ended = { ok: event.ok, durationMs: event.durationMs, ...(event.error ? { error: event.error } : {}) };
    else if (event.type === 'declared') {
      open.set(`${event.file}#${event.id}`, event.name);
      if (!event.suite) t.declared++;
    } else {
      open.delete(`${event.file}#${event.id}`);
      if (event.suite) continue;
      if (event.type === 'failed') t.failed++;
      else if (event.todo) t.todo++;
      else if (event.skip) t.skipped++;
      else t.passed++;
    }
  }
  for (const [key, name] of open) of(key.slice(0, key.lastIndexOf('#'))).missing.push(name);
  return files;
}

/** What does not add up for one file, one line each; empty when every declared test has its result. */
export function countProblems(t: FileTally): string[] {
  const problems: string[] = [];
  if (t.ownCount === undefined) {
    const why = t.ended?.error ? `: ${t.ended.error}` : '';
    problems.push(`${t.file}: its process ended before it reported all its results (${reported(t)} of ${t.declared} declared tests reported)${why}`);
  } else if (t.ownCount !== reported(t)) {
    problems.push(`${t.file}: the file counted ${t.ownCount} tests, ${reported(t)} results reached the runner`);
  }
  if (t.missing.length > 0) {
    const names = t.missing.slice(0, 5).map((name) => JSON.stringify(name)).join(', ');
    problems.push(`${t.file}: ${t.missing.length} declared tests or suites have no result (${names}${t.missing.length > 5 ? ', …' : ''})`);
  }
  return problems;
}
