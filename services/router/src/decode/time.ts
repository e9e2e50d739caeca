// Event times: ISO-8601 / RFC 3339 strings and epoch-millisecond numbers, parsed without
// depending on the machine's time zone (Date.parse reads "2024-05-01T10:00" as local time).

const MAX_EPOCH_MS = 8.64e15; // the range of a JavaScript Date

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;

export interface IsoOptions {
  /** RFC 3339 (CloudEvents): a full date-time with seconds and an offset. */
  rfc3339?: boolean;
}

/**
 * Epoch ms of an ISO-8601 date or date-time, or undefined when it is not one. A date-time
 * without an offset is read as UTC; a date alone is midnight UTC.
 */
export function parseIsoTime(text: string, options: IsoOptions = {}): number | undefined {
  const match = ISO.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, hh, mi, ss, fraction, zulu, sign, oh, om] = match;
  if (options.rfc3339 && (hh === undefined || ss === undefined || (zulu === undefined && sign === undefined))) {
    return undefined;
  }
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(hh ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(ss ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  let offsetMinutes = 0;
  if (sign !== undefined) {
    const offsetHours = Number(oh);
    const offsetMins = Number(om);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined; // e.g. 02-30
  date.setUTCHours(hour, minute, second, ms); // a leap second (:60) rolls into the next minute
  const epoch = date.getTime() - offsetMinutes * 60_000;
  return Number.isFinite(epoch) && Math.abs(epoch) <= MAX_EPOCH_MS ? epoch : undefined;
}

/**
 * An event time found in a payload: epoch ms as a number, bigint or digit string, or an ISO-8601
 * string. Undefined when absent or unparseable (the caller falls back to the record time).
 */
export function parseEventTime(value: unknown): number | undefined {
  if (typeof value === 'bigint') return parseEventTime(Number(value)); // Avro longs
  if (typeof value === 'number') {
    return Number.isFinite(value) && Math.abs(value) <= MAX_EPOCH_MS ? Math.trunc(value) : undefined;
  }
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (/^\d{1,16}$/.test(trimmed)) return parseEventTime(Number(trimmed));
    return parseIsoTime(trimmed);
  }
  return undefined;
}

/** The record's timestamp (KafkaJS: ms as a string); now if it is somehow not a number. */
export function recordTime(timestamp: unknown): number {
  const ms =
    typeof timestamp === 'number' || (typeof timestamp === 'string' && timestamp.trim() !== '')
      ? Number(timestamp)
      : Number.NaN;
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_EPOCH_MS ? Math.trunc(ms) : Date.now();
}
