// Summarizes V8 .cpuprofile files (from `node --cpu-prof`): self time by function and by
// package, so the top cost of each service can be read without Chrome DevTools.
// Also a CLI: node bench/src/profile.ts DIR_OR_FILE...
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { repoRoot } from './paths.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

function where(url: string): string {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = path.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (path.startsWith('node:')) return 'node (core)';
  if (path.startsWith(repoRoot)) return relative(repoRoot, path).split('/').slice(0, 2).join('/');
  return path;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  idleMs: number;
  byFunction: Array<{ name: string; ms: number; share: number }>;
  byPackage: Array<{ name: string; ms: number; share: number }>;
}

/**
 * Self time by function and package. With `windowS`, only the samples of the busiest
 * `windowS` seconds count (the measured burst, not start-up, warm-up or idle polling).
 */
export function summarizeProfile(file: string, top = 15, windowS?: number): ProfileSummary & { window?: { fromS: number; toS: number } } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const idleId = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const selfMs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const times: number[] = [];
  let t = 0;
  for (const d of deltas) times.push((t += d));
  let from = 0;
  let to = samples.length;
  let window: { fromS: number; toS: number } | undefined;
  if (windowS) {
    let best = -1;
    let busy = 0;
    let left = 0;
    for (let right = 0; right < samples.length; right++) {
      if (!idleId.has(samples[right]!)) busy += deltas[right] ?? 0;
      while (times[right]! - times[left]! > windowS * 1e6) {
        if (!idleId.has(samples[left]!)) busy -= deltas[left] ?? 0;
        left++;
      }
      if (busy > best) {
        best = busy;
        from = left;
        to = right + 1;
      }
    }
    window = { fromS: Math.round(times[from]! / 1e5) / 10, toS: Math.round(times[to - 1]! / 1e5) / 10 };
  }
  for (let i = from; i < to; i++) selfMs.set(samples[i]!, (selfMs.get(samples[i]!) ?? 0) + (deltas[i] ?? 0) / 1_000);
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, ms] of selfMs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += ms;
      continue;
    }
    total += ms;
    const name = `${functionName || '(anonymous)'} ${url ? `${where(url)}:${basename(url)}:${lineNumber + 1}` : ''}`.trim();
    fn.set(name, (fn.get(name) ?? 0) + ms);
    const group = functionName.startsWith('(') ? functionName : where(url);
    pkg.set(group, (pkg.get(group) ?? 0) + ms);
  }
  const rank = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: total > 0 ? ms / total : 0 }));
  return { file, totalMs: Math.round(total), idleMs: Math.round(idle), byFunction: rank(fn), byPackage: rank(pkg), ...(window ? { window } : {}) };
}

function profileFiles(path: string): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return path.endsWith('.cpuprofile') ? [path] : [];
  return readdirSync(path).flatMap((entry) => profileFiles(join(path, entry)));
}

export function summarizeProfiles(paths: string[], windowS?: number): string {
  const out: string[] = [`# CPU profiles (self time${windowS ? `, busiest ${windowS} s of each process` : ''})`, ''];
  for (const file of paths.flatMap(profileFiles)) {
    const s = summarizeProfile(file, 20, windowS);
    const window = s.window ? ` in the window ${s.window.fromS}–${s.window.toS} s after start` : '';
    out.push(`## ${relative(repoRoot, file)}`, '', `busy ${s.totalMs} ms, idle ${s.idleMs} ms${window}`, '', '| package | ms | share |', '| --- | --- | --- |');
    for (const p of s.byPackage) out.push(`| ${p.name} | ${p.ms} | ${(p.share * 100).toFixed(1)} % |`);
    out.push('', '| function | ms | share |', '| --- | --- | --- |');
    for (const f of s.byFunction) out.push(`| ${f.name.replace(/\|/g, '\\|')} | ${f.ms} | ${(f.share * 100).toFixed(1)} % |`);
    out.push('');
  }
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // node bench/src/profile.ts [--window SECONDS] FILE_OR_DIR...
  const args = process.argv.slice(2);
  const at = args.indexOf('--window');
  const windowS = at >= 0 ? Number(args.splice(at, 2)[1]) : undefined;
  process.stdout.write(`${summarizeProfiles(args, windowS)}\n`);
}
