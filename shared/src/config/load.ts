import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';

/** A configuration that failed validation; the message lists every bad field. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadOptions {
  /** Environment variable → dotted config path. */
  envMap: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  /** YAML file; defaults to $HOOKRAIL_CONFIG. Environment variables override it. */
  file?: string | undefined;
  /** Values set by code (tests, the CLI's flags); they override both. */
  overrides?: Record<string, unknown>;
}

type Source = { kind: 'env'; name: string } | { kind: 'file'; name: string } | { kind: 'code' };

/**
 * Loads a service's configuration: YAML file, then environment, then overrides, validated by
 * one zod schema. Throws ConfigError naming each field, where its value came from, and what
 * was expected.
 */
export function loadConfig<S extends z.ZodType>(schema: S, options: LoadOptions): z.infer<S> {
  const env = options.env ?? process.env;
  const file = options.file ?? env.HOOKRAIL_CONFIG;
  const raw: Record<string, unknown> = {};
  const sources = new Map<string, Source>();

  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError([`config file ${file}: cannot be read (${(error as Error).message})`]);
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text) ?? {};
    } catch (error) {
      throw new ConfigError([`config file ${file}: not valid YAML (${(error as Error).message})`]);
    }
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError([`config file ${file}: expected a mapping at the top level`]);
    }
    Object.assign(raw, parsed);
  }
  for (const [name, path] of Object.entries(options.envMap)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    setPath(raw, path, value);
    sources.set(path, { kind: 'env', name });
  }
  for (const [path, value] of Object.entries(options.overrides ?? {})) {
    setPath(raw, path, value);
    sources.set(path, { kind: 'code' });
  }

  const result = schema.safeParse(raw);
  if (result.success) return result.data;

  const envByPath = new Map(Object.entries(options.envMap).map(([name, path]) => [path, name]));
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(top level)';
    // A list element's problem (kafka.brokers.0) came from the setting that holds the list.
    const sourcePath = [...sources.keys()].find((key) => path === key || path.startsWith(`${key}.`));
    const source = sourcePath === undefined ? undefined : sources.get(sourcePath);
    const value = readPath(raw, sourcePath ?? path);
    const where =
      source?.kind === 'env'
        ? ` (from ${source.name}=${JSON.stringify(value)})`
        : value !== undefined && file
          ? ` (in ${file}: ${JSON.stringify(value)})`
          : '';
    const missing = value === undefined && issue.code === 'invalid_type';
    const hint = missing && envByPath.has(path) ? `; set ${envByPath.get(path)} or ${path} in the config file` : '';
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((key) => (path === '(top level)' ? key : `${path}.${key}`));
      return `${keys.join(', ')}: unknown setting${keys.length > 1 ? 's' : ''}${file ? ` in ${file}` : ''}`;
    }
    return `${path}: ${missing ? 'required, ' : ''}${issue.message}${where}${hint}`;
  });
  throw new ConfigError(problems);
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

function readPath(target: Record<string, unknown>, path: string): unknown {
  let node: unknown = target;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
