import { jsonObject, MalformedRecord, numberField } from './malformed.ts';

/**
 * A deliverer instance's judgement of one endpoint's breaker, shared with the other instances
 * through the compacted `<prefix>.breakers` topic, keyed by the endpoint (the deliverer's
 * dispatch/shared-breakers.ts writes and reads it).
 */
export interface BreakerRecord {
  state: 'open' | 'closed';
  /** Open: when its probes start. */
  until?: number;
  /** The instance that judged it. */
  by: string;
  at: number;
}

export function encodeBreakerRecord(record: BreakerRecord): string {
  return JSON.stringify(record);
}

/** A record of the breakers topic, or what is wrong with it (logged by the caller). */
export function parseBreakerRecord(value: Buffer | string | null | undefined): BreakerRecord | MalformedRecord {
  const r = jsonObject('breaker state', value);
  if (r instanceof MalformedRecord) return r;
  const at = numberField(r, 'at');
  if ((r.state !== 'open' && r.state !== 'closed') || typeof r.by !== 'string' || at === undefined) return new MalformedRecord('breaker state', 'not {state: open|closed, by, at}');
  if (r.state === 'closed') return { state: 'closed', by: r.by, at };
  const until = numberField(r, 'until');
  return until === undefined ? new MalformedRecord('breaker state', 'open without "until"') : { state: 'open', until, by: r.by, at };
}
