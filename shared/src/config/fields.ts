import { z } from 'zod';

// Field types that accept both YAML values and environment strings, so one schema validates
// both sources. Each carries a message that says what was expected.

const trimmedList = (value: unknown): unknown =>
  typeof value === 'string'
    ? value.split(',').map((part) => part.trim()).filter((part) => part.length > 0)
    : value;

/** A comma-separated list in env, a YAML sequence in the file. */
export const list = <T extends z.ZodType>(item: T, error = 'expected a list (comma-separated in the environment)') =>
  z.preprocess(trimmedList, z.array(item, { error }));

export const integer = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: `expected a whole number from ${min} to ${max}` })
    .int({ error: `expected a whole number from ${min} to ${max}` })
    .min(min, { error: `expected a whole number from ${min} to ${max}` })
    .max(max, { error: `expected a whole number from ${min} to ${max}` });

export const ratio = z.coerce
  .number({ error: 'expected a number between 0 and 1 (e.g. 0.999)' })
  .gt(0, { error: 'expected a number between 0 and 1 (e.g. 0.999)' })
  .lt(1, { error: 'expected a number between 0 and 1 (e.g. 0.999)' });

export const boolean = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value;
    const normalized = value.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(normalized)) return true;
    if (['false', '0', 'no', 'off'].includes(normalized)) return false;
    return value;
  },
  z.boolean({ error: 'expected true or false' }),
);

const HOST_PORT = /^[A-Za-z0-9.\-_]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/;
export const hostPort = z
  .string({ error: 'expected host:port' })
  .regex(HOST_PORT, { error: 'expected host:port (e.g. 127.0.0.1:9092)' });

/** A topic name as Kafka accepts it. */
export const topicName = z
  .string({ error: 'expected a topic name' })
  .regex(/^[A-Za-z0-9._-]{1,249}$/, {
    error: 'expected a topic name of letters, digits, ".", "_" or "-" (at most 249)',
  });

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
  error: 'expected one of fatal, error, warn, info, debug, trace, silent',
});

/** A duration in milliseconds; env and YAML may say "1500", "30s", "5m", "2h", "7d". */
export const durationMs = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value;
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value);
    if (!match) return value;
    const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 'ms'] ?? 1;
    return Math.round(Number(match[1]) * unit);
  },
  z
    .number({ error: 'expected a duration such as 1500, 1500ms, 30s, 5m, 2h or 7d' })
    .int({ error: 'expected a whole number of milliseconds' })
    .nonnegative({ error: 'expected a duration that is not negative' }),
);
