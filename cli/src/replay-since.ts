import { InvalidArgumentError } from 'commander';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * `--replay-since`: a past time, as ISO 8601 (`2026-01-31T12:00:00Z`) or how long ago
 * (`30m`, `2h`, `7d`; `-2h` as `dlq --since` writes it). Anything else, or a time in the
 * future, is a usage error that says what was expected.
 */
export function replaySince(now: () => number = Date.now): (value: string) => number {
  return (raw) => {
    const value = raw.trim();
    const ago = /^-?(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(value);
    const at = ago ? now() - Number(ago[1]) * UNIT_MS[ago[2] as keyof typeof UNIT_MS] : ISO_8601.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(at)) {
      throw new InvalidArgumentError(`expected an ISO 8601 time (2026-01-31T12:00:00Z) or how long ago (30m, 2h, 7d), got "${raw}".`);
    }
    if (at > now()) throw new InvalidArgumentError(`"${raw}" is in the future: expected a past time, from which the dead letters are replayed.`);
    return at;
  };
}
