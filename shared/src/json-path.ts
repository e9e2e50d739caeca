/** A compiled dot path into a JSON value, e.g. 'meta.eventId' or 'items.0.id'. */
export interface JsonPath {
  /** The path as written, for messages. */
  text: string;
  segments: readonly string[];
}

/** Compiles a dot path; throws on a malformed one (a configuration error, found at startup). */
export function compilePath(text: string): JsonPath {
  if (typeof text !== 'string' || text.length === 0) {
    throw new TypeError(`JSON path must be a non-empty string, got ${JSON.stringify(text)}`);
  }
  const segments = text.split('.');
  if (segments.some((segment) => segment.length === 0)) {
    throw new TypeError(`JSON path ${JSON.stringify(text)} has an empty segment (write 'a.b.c')`);
  }
  return { text, segments };
}

/**
 * The value at `path`, or undefined when any step is missing. Only own properties are followed
 * (so 'constructor' or '__proto__' never reach the prototype); a digit segment indexes arrays.
 */
export function valueAtPath(root: unknown, path: JsonPath): unknown {
  let current: unknown = root;
  for (const segment of path.segments) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9]\d*)$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (typeof current === 'object' && current !== null) {
      if (!Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
}
