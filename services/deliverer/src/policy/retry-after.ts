/**
 * Retry-After (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, parsed to a delay in ms.
 */

/**
 * Longer waits are clamped, not ignored: "come back in a year" still means "as late as you
 * may". The retry decision bounds the wait again by the tier's horizon.
 */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1_000;

const DELTA_SECONDS = /^\d+$/;

const MONTHS: Readonly<Record<string, number>> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};

// The three HTTP-date forms (RFC 9110 §5.6.7). Parsed by hand: Date.parse accepts far more
// than HTTP allows ("1.5" is a date to it) and reads asctime in local time.
const IMF_FIXDATE = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC_850 = /^[A-Za-z]{6,9}, (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME = /^[A-Za-z]{3} ([A-Za-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/**
 * The delay a Retry-After value asks for, in ms from `nowMs`; undefined when absent, invalid
 * or not in the future (no wait asked for is the same as no hint). Capped at MAX_RETRY_AFTER_MS.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;

  if (DELTA_SECONDS.test(text)) {
    const ms = Number(text) * 1_000;
    return ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
  }

  const at = parseHttpDate(text, nowMs);
  if (at === undefined) return undefined;
  const ms = at - nowMs;
  return ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}

/** Epoch ms of an HTTP-date in any of its three forms, or undefined. */
function parseHttpDate(text: string, nowMs: number): number | undefined {
  let match = IMF_FIXDATE.exec(text);
  if (match) return utc(match[3], match[2], match[1], match[4], match[5], match[6]);

  match = RFC_850.exec(text);
  if (match) {
    // Two-digit years: RFC 9110 says a date more than 50 years in the future is in the past.
    const twoDigits = Number(match[3]);
    const nowYear = new Date(nowMs).getUTCFullYear();
    let year = Math.floor(nowYear / 100) * 100 + twoDigits;
    if (year > nowYear + 50) year -= 100;
    return utc(String(year), match[2], match[1], match[4], match[5], match[6]);
  }

  match = ASCTIME.exec(text);
  if (match) return utc(match[6], match[1], match[2]?.trim(), match[3], match[4], match[5]);

  return undefined;
}

function utc(
  year: string | undefined,
  monthName: string | undefined,
  day: string | undefined,
  hour: string | undefined,
  minute: string | undefined,
  second: string | undefined,
): number | undefined {
  const month = MONTHS[(monthName ?? '').toLowerCase()];
  if (month === undefined) return undefined;
  const parts = [year, day, hour, minute, second].map(Number);
  const [y, d, h, m, s] = parts as [number, number, number, number, number];
  if (parts.some((part) => !Number.isInteger(part))) return undefined;
  if (d < 1 || d > 31 || h > 23 || m > 59 || s > 60) return undefined;
  const ms = Date.UTC(y, month, d, h, m, Math.min(s, 59));
  // Reject dates that roll over (31 Feb becomes 3 Mar in Date.UTC).
  return new Date(ms).getUTCDate() === d ? ms : undefined;
}
