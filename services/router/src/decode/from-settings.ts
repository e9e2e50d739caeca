import type { DecodeSettings } from '../config.ts';
import { createDecoder } from './decoder.ts';
import type { Decoder } from './types.ts';

/** The decoder the router's settings describe; the backfill builds the same one. */
export function decoderFor(settings: DecodeSettings): Decoder {
  return createDecoder({
    maxPayloadBytes: settings.maxPayloadBytes,
    idPath: settings.idPath,
    typePath: settings.typePath,
    timePath: settings.timePath,
    ...(settings.idHeader ? { idHeader: settings.idHeader } : {}),
    ...(settings.typeHeader ? { typeHeader: settings.typeHeader } : {}),
    ...(settings.schemaRegistryUrl ? { schemaRegistry: { url: settings.schemaRegistryUrl } } : {}),
  });
}
