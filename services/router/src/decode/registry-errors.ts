// What a failed schema lookup means for the record. Only a registry that answers "this schema
// id does not exist" makes the record permanently undecodable ('unknown-schema'); everything
// else (refused connection, timeout, 5xx, 401/403, a 404 that is not a schema answer because
// the URL is wrong, e.g. Apicurio's "RESTEASY003210: Could not find resource for full path")
// is the registry's problem, not the event's: 'schema-registry-unavailable',
// which the router retries instead of parking the event as invalid.
//
// @kafkajs/confluent-schema-registry turns every failed HTTP call into a ResponseError (its
// errorMiddleware; not exported, so it is recognised by shape): `status` is the HTTP status,
// or 400 when no HTTP answer came at all (mappersmith reports connection errors and timeouts
// as a client error 400 whose message is the socket error, e.g. "connect ECONNREFUSED ...").

import { invalid } from './invalid.ts';
import type { InvalidEvent } from './types.ts';

interface ResponseErrorLike {
  name: string;
  message: string;
  status: number;
  url?: string;
}

export function isResponseError(error: unknown): error is ResponseErrorLike {
  return (
    error instanceof Error &&
    error.name === 'ResponseError' &&
    typeof (error as Partial<ResponseErrorLike>).status === 'number'
  );
}

/** Socket-level failures as mappersmith words them (no HTTP answer was received). */
const NETWORK_ERROR = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|socket hang up|Timeout \(\d+ms\)|timed? ?out/i;

/** The library words an HTTP error without a JSON `message` as "Error, status N: ...". */
const NO_REGISTRY_MESSAGE = /Error, status \d{3}/;

/**
 * How registries word "no schema with this id" (error_code 40403, which the library drops):
 * Confluent, Karapace, Redpanda: "Schema 99999 not found"; Apicurio 2/3: "No content with
 * id/hash 'contentId-99999' was found."; a missing reference: "Subject 'x' not found".
 */
const SCHEMA_NOT_FOUND = /not found|no content with id/i;

/** Maps an error from fetching schema `schemaId` to the record's InvalidEvent. */
export function classifyRegistryError(error: unknown, schemaId: number): InvalidEvent {
  const message = stripClientId(error instanceof Error ? error.message : String(error));
  if (!isResponseError(error)) {
    // Not an HTTP failure: the registry answered, but with a schema this library cannot use
    // (unknown schemaType, unparseable Avro/Protobuf/JSON Schema text, bad reference).
    return invalid('undecodable', `schema id ${schemaId} from the schema registry cannot be used: ${message}`);
  }
  const status = error.status;
  if (status === 404 && !NO_REGISTRY_MESSAGE.test(message) && SCHEMA_NOT_FOUND.test(message)) {
    return invalid('unknown-schema', `schema id ${schemaId} is not in the schema registry (404: ${message})`);
  }
  if (status === 404) {
    return invalid(
      'schema-registry-unavailable',
      `schema registry answered 404 without a schema error for schema id ${schemaId} (is the registry URL right? ${message})`,
    );
  }
  if (status === 400 && NETWORK_ERROR.test(message)) {
    return invalid('schema-registry-unavailable', `schema registry unreachable while fetching schema id ${schemaId}: ${message}`);
  }
  if (status === 401 || status === 403) {
    return invalid(
      'schema-registry-unavailable',
      `schema registry refused access (${status}) while fetching schema id ${schemaId}; check the credentials: ${message}`,
    );
  }
  return invalid('schema-registry-unavailable', `schema registry failed (${status}) while fetching schema id ${schemaId}: ${message}`);
}

/** "hookrail-router - Schema 7 not found" → "Schema 7 not found". */
function stripClientId(message: string): string {
  const dash = message.indexOf(' - ');
  return dash > 0 && dash < 64 && !message.slice(0, dash).includes(' ') ? message.slice(dash + 3) : message;
}
