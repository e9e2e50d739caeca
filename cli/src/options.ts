import { InvalidArgumentError } from 'commander';

/** Commander parsers for option values: a wrong value is a usage error naming what was expected. */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isInteger(number) || number < min || number > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, got "${value}".`);
    }
    return number;
  };
}

export function positiveNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) {
    throw new InvalidArgumentError(`expected a positive number, got "${value}".`);
  }
  return number;
}

/** A time: ISO 8601, epoch milliseconds, "now", or that long ago ("2h", "-2h", "30m", "7d"). */
export function timeArgument(now: () => number = Date.now): (value: string) => number {
  return (value) => {
    const relative = /^-?(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(value.trim());
    if (relative) return now() - Number(relative[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    if (value.trim() === 'now') return now();
    if (/^\d{10,}$/.test(value.trim())) return Number(value);
    const parsed = Date.parse(value);
    if (Number.isNaN(parsed)) {
      throw new InvalidArgumentError(`expected a time: ISO 8601 (2026-01-31T12:00:00Z), epoch ms, "now", or how long ago ("2h", "30m", "7d"), got "${value}".`);
    }
    return parsed;
  };
}

/** Repeatable or comma-separated values: `--delivery-id a --delivery-id b,c`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((part) => part.trim()).filter(Boolean)];
}

/** A repeatable option whose values must be among `choices`. */
export function oneOf(choices: readonly string[]): (value: string, previous?: string[]) => string[] {
  return (value, previous = []) => {
    if (!choices.includes(value)) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got "${value}".`);
    return [...previous, value];
  };
}

/** Parses a JSON object argument (--data). */
export function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`expected a JSON object such as '{"amount": 42}': ${(error as Error).message}.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError(`expected a JSON object such as '{"amount": 42}', got ${value}.`);
  }
  return parsed as Record<string, unknown>;
}
