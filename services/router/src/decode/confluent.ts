// Confluent wire format: magic byte 0x00, 4-byte big-endian schema id, then the record encoded
// with that schema (Avro binary, JSON text, or Protobuf after its message-index list), decoded
// through @kafkajs/confluent-schema-registry.

import http from 'node:http';
import https from 'node:https';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avsc from 'avsc';
import { invalid } from './invalid.ts';
import { parseJsonBytes } from './json-text.ts';
import { toJsonSafe } from './json-safe.ts';
import { classifyRegistryError } from './registry-errors.ts';
import type { EventFormat, InvalidEvent, SchemaRegistryOptions } from './types.ts';

export const MAGIC_BYTE = 0x00;
export const HEADER_BYTES = 5;

export type ConfluentFormat = Extract<EventFormat, `confluent-${string}`>;

export interface ConfluentDecoded {
  format: ConfluentFormat;
  schemaId: number;
  /** The decoded record as a JSON tree (bigints for Avro longs); see json-safe.ts. */
  value: unknown;
  /** For JSON Schema records: the JSON bytes as produced, to POST without re-serializing. */
  jsonBytes?: Buffer;
}

/** The schema id when `value` has the Confluent header (magic byte and ≥ 5 bytes), else undefined. */
export function confluentSchemaId(value: Uint8Array): number | undefined {
  if (value.length < HEADER_BYTES || value[0] !== MAGIC_BYTE) return undefined;
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).readInt32BE(1);
}

/** Avro longs read as bigint, so 64-bit ids and amounts keep every digit. */
const bigintLong = avsc.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint | number) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (n: unknown) => BigInt(n as string | number | bigint),
  toJSON: (n: bigint) => (Number.isSafeInteger(Number(n)) ? Number(n) : n.toString()),
  isValid: (n: unknown) => typeof n === 'bigint' || Number.isSafeInteger(n),
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

/** avsc typeHook that reads and writes every Avro long as a bigint. */
export function avroBigintLongHook(schema: unknown): avsc.Type | undefined {
  const isLong =
    schema === 'long' ||
    (typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'long');
  return isLong ? bigintLong : undefined;
}

type RegistryArgs = ConstructorParameters<typeof SchemaRegistry>[0];
type Middleware = NonNullable<RegistryArgs['middlewares']>[number];

interface MappersmithRequest {
  timeout(): number | undefined;
  enhance(extras: { timeout: number }): MappersmithRequest;
}

/** Sets a timeout on registry requests (mappersmith has none by default: a hung registry would hang decode). */
function timeoutMiddleware(timeoutMs: number): Middleware {
  const middleware = () => ({
    async prepareRequest(next: () => Promise<MappersmithRequest>) {
      const request = await next();
      return request.timeout() ? request : request.enhance({ timeout: timeoutMs });
    },
  });
  return middleware as unknown as Middleware;
}

const FORMATS: Record<string, ConfluentFormat> = {
  [SchemaType.AVRO]: 'confluent-avro',
  [SchemaType.JSON]: 'confluent-json',
  [SchemaType.PROTOBUF]: 'confluent-protobuf',
};

export interface ConfluentDecoder {
  decode(value: Buffer, schemaId: number): Promise<ConfluentDecoded | InvalidEvent>;
}

/** A decoder for Confluent-framed values backed by one registry client (and its schema cache). */
export function createConfluentDecoder(options: SchemaRegistryOptions): ConfluentDecoder {
  const url = new URL(options.url); // throws on a bad URL: a configuration error
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`schemaRegistry.url must be http(s), got ${JSON.stringify(options.url)}`);
  }
  const timeoutMs = options.timeoutMs ?? 5_000;
  const notFoundCacheMs = options.notFoundCacheMs ?? 60_000;
  const agent = url.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const registry = new SchemaRegistry(
    {
      host: options.url.replace(/\/+$/, ''),
      clientId: 'hookrail-router',
      ...(options.auth ? { auth: options.auth } : {}),
      agent: agent as http.Agent,
      retry: {
        retries: options.retries ?? 2,
        initialRetryTimeInSecs: 0.1,
        maxRetryTimeInSecs: 2,
        factor: 0.2,
        multiplier: 2,
      },
      middlewares: [timeoutMiddleware(timeoutMs)],
    },
    { [SchemaType.AVRO]: { typeHook: avroBigintLongHook as never } },
  );
  // "Not found" answers are remembered for a while: a stream of records framed with a bad id
  // should not turn into a stream of registry requests. Bounded so junk ids cannot grow it.
  const notFound = new Map<number, { until: number; detail: string }>();

  async function decode(value: Buffer, schemaId: number): Promise<ConfluentDecoded | InvalidEvent> {
    if (schemaId < 0) {
      return invalid('undecodable', `value starts with the Confluent magic byte 0x00 but its schema id ${schemaId} is negative`);
    }
    const remembered = notFound.get(schemaId);
    if (remembered && remembered.until > Date.now()) return invalid('unknown-schema', remembered.detail);

    let schema: Awaited<ReturnType<SchemaRegistry['getSchema']>>;
    try {
      schema = await registry.getSchema(schemaId);
    } catch (error) {
      const failure = classifyRegistryError(error, schemaId);
      if (failure.reason === 'unknown-schema' && notFoundCacheMs > 0) {
        if (notFound.size >= 1_000) notFound.clear();
        notFound.set(schemaId, { until: Date.now() + notFoundCacheMs, detail: failure.detail });
      }
      return failure;
    }
    const type = registry.cache.getSchema(schemaId)?.type;
    const format = (type !== undefined ? FORMATS[type] : undefined) ?? 'confluent-avro';
    const body = value.subarray(HEADER_BYTES);

    let decoded: unknown;
    try {
      decoded = schema.fromBuffer(body);
    } catch (error) {
      return invalid('undecodable', `value does not decode with ${type ?? 'AVRO'} schema id ${schemaId}: ${describe(error)}`);
    }

    let jsonBytes: Buffer | undefined;
    if (format === 'confluent-json') {
      // The library parsed it leniently (buffer.toString()); keep the exact bytes if they are
      // strict UTF-8 JSON, so big numbers reach receivers unchanged.
      const parsed = parseJsonBytes(body, `JSON Schema record (schema id ${schemaId})`);
      if ('invalid' in parsed) return parsed;
      jsonBytes = parsed.bytes;
    }

    try {
      const tree = toJsonSafe(decoded);
      return jsonBytes ? { format, schemaId, value: tree, jsonBytes } : { format, schemaId, value: tree };
    } catch (error) {
      return invalid('undecodable', `decoded ${format} record (schema id ${schemaId}) cannot be turned into JSON: ${describe(error)}`);
    }
  }

  return { decode };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const paths = (error as { paths?: unknown }).paths;
    const where = Array.isArray(paths) && paths.length > 0 ? ` at ${JSON.stringify(paths).slice(0, 200)}` : '';
    return `${error.message}${where}`;
  }
  return String(error);
}
