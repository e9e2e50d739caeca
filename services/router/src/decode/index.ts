export { createDecoder, DEFAULT_MAX_PAYLOAD_BYTES } from './decoder.ts';
export { derivedId } from './json-event.ts';
export { MAX_ID_CHARS, MAX_TYPE_CHARS } from './attributes.ts';
export { isInvalid } from './types.ts';
export type {
  DecodedEvent,
  DecodeResult,
  Decoder,
  DecoderOptions,
  EventFormat,
  InvalidEvent,
  InvalidReason,
  SchemaRegistryOptions,
  SourceRecord,
} from './types.ts';
