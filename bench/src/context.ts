import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { output, resultsDir } from './paths.ts';
import type { Receiver } from './receiver.ts';
import type { ScenarioResult } from './report.ts';

export interface Context {
  quick: boolean;
  kafka: Kafka;
  receiver: Receiver;
  /** A figure from a scenario run earlier in this run, else from its JSON in bench/results/. */
  previous(scenario: string): Record<string, unknown> | undefined;
  log(message: string): void;
  /** Time scale: full sizes, or a fraction of them with --quick. */
  size(full: number, quick: number): number;
}

export interface Scenario {
  name: string;
  title: string;
  run(context: Context): Promise<ScenarioResult>;
}

export function loadPrevious(memory: Map<string, Record<string, unknown>>, scenario: string): Record<string, unknown> | undefined {
  const known = memory.get(scenario);
  if (known) return known;
  // This run's folder first, then the main results (an experiment compares at the same rates).
  for (const dir of [output.dir, resultsDir]) {
    const file = join(dir, `${scenario}.json`);
    if (!existsSync(file)) continue;
    try {
      return (JSON.parse(readFileSync(file, 'utf8')) as { data: Record<string, unknown> }).data;
    } catch {
      /* try the next */
    }
  }
  return undefined;
}
