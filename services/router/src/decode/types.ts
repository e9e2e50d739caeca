// The decoder's input and output: a source-topic record as KafkaJS gives it, and either the
// event found in it or the precise reason none could be found.

/** A record of a source topic, shaped as KafkaJS hands it to eachMessage/eachBatch. */
export interface SourceRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  /** Milliseconds since the epoch, as a decimal string (KafkaJS). */
  timestamp: string;
}

export type EventFormat =
  | 'json'
  | 'cloudevents-binary'
  | 'cloudevents-structured'
  | 'confluent-avro'
  | 'confluent-json'
  | 'confluent-protobuf';

export interface DecodedEvent {
  id: string;
  type: string;
  /** Epoch milliseconds. */
  time: number;
  /** UTF-8 JSON, exactly as it will be POSTed. */
  payload: Buffer;
  /** 'application/json' or 'application/cloudevents+json'. */
  contentType: string;
  format: EventFormat;
  /** topic/partition/offset */
  source: string;
}

export type InvalidReason =
  | 'empty'
  | 'oversize'
  | 'not-utf8'
  | 'invalid-json'
  | 'not-an-object'
  | 'missing-type'
  | 'missing-id'
  | 'invalid-cloudevent'
  | 'unknown-schema'
  | 'schema-registry-unavailable'
  | 'undecodable'
  /** The router failed on this record (a bug): kept here rather than crash-looping on it. */
  | 'internal';

export interface InvalidEvent {
  invalid: true;
  reason: InvalidReason;
  /** Human-readable, one line, at most 500 characters. */
  detail: string;
}

export type DecodeResult = DecodedEvent | InvalidEvent;

export interface SchemaRegistryOptions {
  /** Base URL of a Confluent-compatible registry API (e.g. http://registry:8081). */
  url: string;
  /** Basic auth, if the registry needs it. */
  auth?: { username: string; password: string };
  /** Per-request timeout in ms (default 5000). */
  timeoutMs?: number;
  /** Retries of a 5xx answer inside one decode (default 2); the router retries beyond that. */
  retries?: number;
  /** How long a "schema not found" answer is remembered, in ms (default 60000). */
  notFoundCacheMs?: number;
}

export interface DecoderOptions {
  /** Largest record value accepted, in bytes (default 1 MiB). Larger: 'oversize'. */
  maxPayloadBytes?: number;
  /** Record header holding the event id; wins over idPath when present and non-empty. */
  idHeader?: string;
  /** Record header holding the event type; wins over typePath when present and non-empty. */
  typeHeader?: string;
  /** Dot path to the id in the JSON payload (default 'id'). */
  idPath?: string;
  /** Dot path to the type in the JSON payload (default 'type'). */
  typePath?: string;
  /** Dot path to the time in the JSON payload (default 'time'): ISO-8601 or epoch ms. */
  timePath?: string;
  /** Needed for Confluent-framed (magic byte 0x00) values. */
  schemaRegistry?: SchemaRegistryOptions;
}

export interface Decoder {
  /** Never rejects for bad input: every problem with the record is an InvalidEvent. */
  decode(record: SourceRecord): Promise<DecodeResult>;
}

export function isInvalid(result: DecodeResult): result is InvalidEvent {
  return 'invalid' in result && result.invalid === true;
}
