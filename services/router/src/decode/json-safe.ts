// Values decoded from Avro / Protobuf / JSON Schema records, made fit for JSON: bytes become
// base64 strings, Maps objects, Dates ISO strings, non-finite numbers null; bigints (Avro longs)
// stay bigints in the tree and are written as exact JSON integers by stringifyJsonSafe.

const MAX_DEPTH = 512;

interface RawJson {
  rawJSON(text: string): unknown;
}

/** A plain JSON tree (bigints allowed) built from a decoded value. Throws TypeError on a cycle. */
export function toJsonSafe(value: unknown): unknown {
  return convert(value, new Set(), 0);
}

/** JSON text of a toJsonSafe tree; bigints become integer literals, without precision loss. */
export function stringifyJsonSafe(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? (JSON as unknown as RawJson).rawJSON(v.toString()) : v,
  );
  // JSON.stringify gives undefined only for undefined / functions / symbols at the top level.
  return text ?? 'null';
}

function convert(value: unknown, ancestors: Set<object>, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  const object = value as object;
  if (depth > MAX_DEPTH) throw new TypeError(`value nested deeper than ${MAX_DEPTH} levels`);
  if (object instanceof Uint8Array) return Buffer.from(object.buffer, object.byteOffset, object.byteLength).toString('base64');
  if (object instanceof ArrayBuffer) return Buffer.from(object).toString('base64');
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
  if (ancestors.has(object)) throw new TypeError('value contains a cycle');
  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      return object.map((item) => {
        const converted = convert(item, ancestors, depth + 1);
        return converted === undefined ? null : converted; // as JSON.stringify does in arrays
      });
    }
    if (object instanceof Map) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of object) setField(out, String(key), convert(item, ancestors, depth + 1));
      return out;
    }
    if (object instanceof Set) return convert([...object], ancestors, depth + 1);
    if (isLong(object)) return longToBigInt(object);
    // Protobuf messages (longs as strings, bytes as base64, enums as names) and the like.
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return convert(toJSON.call(object), ancestors, depth + 1);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(object)) {
      setField(out, key, convert((object as Record<string, unknown>)[key], ancestors, depth + 1));
    }
    return out;
  } finally {
    ancestors.delete(object);
  }
}

function setField(out: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined) return;
  // defineProperty: a "__proto__" key is kept as data instead of changing the prototype.
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A long.js Long (protobufjs int64 fields when the message is read without toJSON). */
interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
}

function isLong(value: object): value is LongLike {
  const v = value as Partial<LongLike> & { toString?: unknown };
  return (
    typeof v.low === 'number' && typeof v.high === 'number' && typeof v.unsigned === 'boolean' && Object.keys(value).length === 3
  );
}

function longToBigInt(long: LongLike): bigint {
  const value = (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0);
  return long.unsigned ? value : BigInt.asIntN(64, value);
}
