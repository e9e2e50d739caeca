import type { Kafka, Producer } from 'kafkajs';
import { encodeBreakerRecord, MalformedRecord, parseBreakerRecord, type BreakerRecord, type Logger } from '@hookrail/shared';
import type { BreakerState } from '../policy/circuit-breaker.ts';
import type { DestinationGuard, SharedBreakerState, Transition } from './destination-guard.ts';

/**
 * Instances agree (docs/architecture.md, "Protecting receivers"): each deliverer instance
 * publishes its endpoint breakers' openings and closings to the compacted `<p>.breakers` topic
 * (key: the endpoint), and reads every other instance's into its own guard. So a receiver that
 * is down is probed by the instance whose cool-down ends first, not by every instance, and the
 * others close (and start their slow start) when it does. Best effort: a record that cannot be
 * written or read leaves each instance to its own judgement, which is what it had before.
 * The record: shared/src/records/breaker-state.ts.
 */
/** What another instance's record means for this one's guard; undefined = nothing (its own record, or stale). */
export function sharedStateOf(record: BreakerRecord, self: string, now: number): SharedBreakerState | undefined {
  if (record.by === self) return undefined;
  if (record.state === 'closed') return { state: 'closed' };
  return record.until! > now ? { state: 'open', until: record.until! } : undefined;
}

export interface SharedBreakers {
  /** The guard's onTransition: publishes this instance's own endpoint openings and closings. */
  onTransition(destination: string, from: BreakerState, to: BreakerState, how: Transition): void;
  stop(): Promise<void>;
}

export async function startSharedBreakers(options: {
  kafka: Kafka;
  topic: string;
  instanceId: string;
  /** A throwaway group of this process: it reads the whole topic and commits nothing. */
  groupId: string;
  guard: DestinationGuard;
  logger: Logger;
}): Promise<SharedBreakers> {
  const { kafka, topic, instanceId, logger } = options;
  const producer: Producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 100, sessionTimeout: 10_000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      const destination = message.key?.toString('utf8');
      const record = parseBreakerRecord(message.value);
      if (!destination || record instanceof MalformedRecord) {
        logger.warn({ topic, offset: message.offset, ...(record instanceof MalformedRecord ? { problem: record.problem } : {}) }, 'ignoring a record of the breakers topic that is not a breaker state');
        return;
      }
      const shared = sharedStateOf(record, instanceId, Date.now());
      if (shared) options.guard.adopt(destination, shared);
    },
  });

  return {
    onTransition(destination, _from, to, how) {
      if (how.kind !== 'endpoint' || how.adopted || to === 'half-open') return;
      const record: BreakerRecord = to === 'open' ? { state: 'open', until: how.openUntil, by: instanceId, at: Date.now() } : { state: 'closed', by: instanceId, at: Date.now() };
      producer
        .send({ topic, messages: [{ key: destination, value: encodeBreakerRecord(record) }] })
        .catch((error: unknown) => logger.warn({ err: error, destination }, 'could not share a breaker state with the other instances; each judges on its own meanwhile'));
    },
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
