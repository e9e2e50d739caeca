import Table from 'cli-table3';

/**
 * Colour only on a terminal: piped or redirected output (and NO_COLOR) carries no escape
 * codes. FORCE_COLOR turns it back on.
 */
export function useColour(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true;
}

/** A table for stdout: cli-table3's colours on a terminal only. */
export function table(head: string[], options: { colWidths?: Array<number | null>; wordWrap?: boolean } = {}): Table.Table {
  const style = useColour() ? {} : { head: [], border: [] };
  return new Table({ head, style, ...options } as Table.TableConstructorOptions);
}

/** One JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
