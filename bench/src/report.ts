import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Table from 'cli-table3';
import { loadAverage, machineInfo, type MachineInfo } from './machine.ts';
import { output, repoRoot } from './paths.ts';

export interface TableData {
  title: string;
  head: string[];
  rows: Array<Array<string | number>>;
}

export interface ScenarioResult {
  scenario: string;
  title: string;
  /** Short statement of what was measured and how. */
  method: string;
  tables: TableData[];
  /** Machine-readable figures (what other scenarios and the summary read). */
  data: Record<string, unknown>;
  /** Targets: what was aimed at, what was measured, whether it was met. */
  targets?: Array<{ target: string; measured: string; met: boolean | undefined }>;
  notes?: string[];
  charts?: Array<{ file: string; svg: string }>;
}

export interface ScenarioRecord extends ScenarioResult {
  machine: MachineInfo;
  quick: boolean;
  startedAt: string;
  durationS: number;
  loadAverage: { before: [number, number, number]; after: [number, number, number] };
}

export function printTable(table: TableData): void {
  const color = process.stdout.isTTY === true;
  const t = new Table({ head: table.head, style: color ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] } });
  for (const row of table.rows) t.push(row.map(String));
  process.stdout.write(`\n${table.title}\n${t.toString()}\n`);
}

export function markdownTable(table: TableData): string {
  const line = (cells: Array<string | number>) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [`**${table.title}**`, '', line(table.head), line(table.head.map(() => '---')), ...table.rows.map(line)].join('\n');
}

/** Prints the scenario's tables and writes `<scenario>.json` and its charts to bench/results/. */
export function writeScenario(result: ScenarioResult, meta: { quick: boolean; startedAt: Date; loadBefore: [number, number, number] }): ScenarioRecord {
  mkdirSync(output.dir, { recursive: true });
  const record: ScenarioRecord = {
    ...result,
    charts: undefined,
    machine: machineInfo(),
    quick: meta.quick,
    startedAt: meta.startedAt.toISOString(),
    durationS: Math.round((Date.now() - meta.startedAt.getTime()) / 100) / 10,
    loadAverage: { before: meta.loadBefore, after: loadAverage() },
  };
  const chartFiles: string[] = [];
  for (const chart of result.charts ?? []) {
    writeFileSync(join(output.dir, chart.file), chart.svg);
    chartFiles.push(chart.file);
  }
  writeFileSync(join(output.dir, `${result.scenario}.json`), `${JSON.stringify({ ...record, charts: chartFiles }, null, 2)}\n`);
  for (const table of result.tables) printTable(table);
  for (const target of result.targets ?? []) {
    const mark = target.met === undefined ? '?' : target.met ? 'met' : 'MISSED';
    process.stdout.write(`  target: ${target.target} — measured ${target.measured} — ${mark}\n`);
  }
  for (const note of result.notes ?? []) process.stdout.write(`  note: ${note}\n`);
  if (chartFiles.length) process.stdout.write(`  wrote ${relative(repoRoot, output.dir)}/${result.scenario}.json, ${chartFiles.map((f) => `${relative(repoRoot, output.dir)}/${f}`).join(', ')}\n`);
  return { ...record, charts: (result.charts ?? []).map((c) => ({ file: c.file, svg: '' })) };
}
