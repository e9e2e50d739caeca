/**
 * A fault-injecting fake of the Kafka port, for the core's unit tests: a broker that keeps
 * committed transactions and offsets, a producer whose every step can be made to fail (or to
 * commit and then report failure), and a consumer the test drives (assign, deliver, revoke).
 */
import type {
  Assignment,
  BatchControl,
  CommittedOffset,
  ConsumerListener,
  ConsumerPort,
  OffsetsPort,
  OffsetToCommit,
  OutgoingRecord,
  TopicPartition,
  TransactionalProducerPort,
  TransactionPort,
} from '../src/kafka/port.ts';
import { KafkaPortError, type KafkaErrorKind } from '../src/kafka/port.ts';

export type Step = 'begin' | 'send' | 'sendOffsets' | 'commit' | 'abort' | 'reset';

export interface Fault {
  step: Step;
  kind?: KafkaErrorKind;
  /** For 'commit': the transaction lands, then the call fails (an ambiguous commit). */
  landed?: boolean;
  /** The call never answers (a broker gone without closing the connection). */
  hang?: boolean;
}

export class FakeBroker {
  /** Every record of every committed transaction, in commit order. */
  readonly committedRecords: OutgoingRecord[] = [];
  readonly offsets = new Map<string, { offset: number; metadata: string }>();
  transactions = { committed: 0, aborted: 0 };
  /** Records refused as too large. */
  rejections = 0;
  /**
   * When set, a commit's markers are written late (a coordinator failing over mid-commit): its
   * offsets and records show only once the producer adds offsets to its next transaction or is
   * reset (as a coordinator answers CONCURRENT_TRANSACTIONS, and InitProducerId returns, only
   * once the previous transaction is complete), or `completePending()` is called (the new
   * coordinator finishing it on its own). Meanwhile a read of those offsets is 'unstable'.
   */
  lateMarkers = false;
  private pending: Array<{ apply: () => void; keys: Set<string>; producer: object }> = [];
  /** Reads of committed offsets answered 'unstable'. */
  unstableReads = 0;

  /** Writes the markers of commits still pending (of one producer's only, when given). */
  completePending(producer?: object): void {
    const done = this.pending.filter((entry) => producer === undefined || entry.producer === producer);
    this.pending = this.pending.filter((entry) => !done.includes(entry));
    for (const { apply } of done) apply();
  }
  /** Records larger than this (value bytes) are refused with 'record-rejected'. */
  maxValueBytes = Infinity;
  private faults: Fault[] = [];

  /** The next time `step` runs, it fails. */
  failNext(fault: Fault): void {
    this.faults.push(fault);
  }

  take(step: Step): Fault | undefined {
    const index = this.faults.findIndex((fault) => fault.step === step);
    return index < 0 ? undefined : this.faults.splice(index, 1)[0];
  }

  committedOffset(groupId: string, topic: string, partition: number) {
    return this.offsets.get(`${groupId}/${topic}/${partition}`);
  }

  offsetsPort(): OffsetsPort {
    return {
      committed: async (groupId, topic, partitions): Promise<CommittedOffset[]> => {
        await Promise.resolve();
        const asked = (key: string) => {
          const [g, t, p] = key.split('/');
          return g === groupId && t === topic && (!partitions || partitions.includes(Number(p)));
        };
        if (this.pending.some(({ keys }) => [...keys].some(asked))) {
          this.unstableReads++;
          throw new KafkaPortError('unstable', new Error('a transactional offset commit is pending'));
        }
        const out: CommittedOffset[] = [];
        for (const [key, value] of this.offsets) {
          if (asked(key)) out.push({ partition: Number(key.split('/')[2]), offset: value.offset, metadata: value.metadata });
        }
        return out;
      },
    };
  }

  producer(): TransactionalProducerPort {
    const broker = this;
    const maybeFail = (step: Step) => {
      const fault = broker.take(step);
      if (fault?.hang) return 'hang' as const;
      if (fault && !fault.landed) throw new KafkaPortError(fault.kind ?? 'other', new Error(`injected failure at ${step}`));
      return fault;
    };
    let open = false;
    /** This producer's transactional id, as far as the coordinator is concerned. */
    const self = {};
    return {
      async begin(): Promise<TransactionPort> {
        await Promise.resolve();
        if (open) throw new Error('fake: two transactions open on one producer');
        maybeFail('begin');
        open = true;
        const records: OutgoingRecord[] = [];
        const offsets: Array<{ groupId: string; offset: OffsetToCommit }> = [];
        const end = () => {
          open = false;
        };
        return {
          async send(batch) {
            await Promise.resolve();
            maybeFail('send');
            for (const record of batch) {
              const size = record.message.value ? Buffer.byteLength(record.message.value) : 0;
              if (size > broker.maxValueBytes) broker.rejections++;
              if (size > broker.maxValueBytes) throw new KafkaPortError('record-rejected', new Error(`record of ${size} bytes too large`));
            }
            records.push(...batch);
          },
          async sendOffsets(groupId, list) {
            await Promise.resolve();
            broker.completePending(self);
            maybeFail('sendOffsets');
            for (const offset of list) offsets.push({ groupId, offset });
          },
          async commit() {
            await Promise.resolve();
            const fault = maybeFail('commit');
            if (fault === 'hang') return new Promise<void>(() => undefined);
            const apply = () => {
              broker.committedRecords.push(...records);
              for (const { groupId, offset } of offsets) {
                broker.offsets.set(`${groupId}/${offset.topic}/${offset.partition}`, { offset: offset.offset, metadata: offset.metadata });
              }
            };
            if (broker.lateMarkers) broker.pending.push({ apply, keys: new Set(offsets.map(({ groupId, offset }) => `${groupId}/${offset.topic}/${offset.partition}`)), producer: self });
            else apply();
            broker.transactions.committed++;
            if (fault?.landed) throw new KafkaPortError('other', new Error('injected: commit landed, then the call failed'));
            end();
          },
          async abort() {
            await Promise.resolve();
            maybeFail('abort');
            broker.transactions.aborted++;
            end();
          },
        };
      },
      async reset() {
        await Promise.resolve();
        maybeFail('reset');
        broker.completePending(self);
        open = false;
      },
      async disconnect() {},
    };
  }
}

/** A consumer the test drives: it assigns, delivers batches, and signals membership. */
export class FakeConsumer implements ConsumerPort {
  listener: ConsumerListener | undefined;
  readonly paused = new Set<string>();
  pausedAll = false;
  stopped = false;
  /** Offsets resolved per partition: the next fetch would start after them. */
  readonly resolved = new Map<string, number>();
  private active = true;

  async start(_topics: Array<string | RegExp>, listener: ConsumerListener): Promise<void> {
    this.listener = listener;
  }
  pause(partitions: TopicPartition[]): void {
    for (const { topic, partition } of partitions) this.paused.add(`${topic}:${partition}`);
  }
  resume(partitions: TopicPartition[]): void {
    for (const { topic, partition } of partitions) this.paused.delete(`${topic}:${partition}`);
  }
  pauseAll(): void {
    this.pausedAll = true;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }

  assign(assignment: Assignment): void {
    this.active = true;
    this.listener!.onAssigned(assignment);
  }
  /** A rebalance begins: batches under way are no longer current. */
  doubt(reason = 'rebalancing'): void {
    this.active = false;
    this.listener!.onMembershipInDoubt(reason);
  }
  heartbeat(): void {
    this.listener!.onHeartbeat();
  }

  /** Hands the core a batch of records with the given offsets (payload: the offset). */
  async deliver(topic: string, partition: number, offsets: number[], value: (offset: number) => Buffer | null = (o) => Buffer.from(String(o))): Promise<void> {
    const control: BatchControl = {
      resolve: (offset) => void this.resolved.set(`${topic}:${partition}`, offset),
      heartbeat: async () => this.listener!.onHeartbeat(),
      active: () => this.active && !this.stopped,
    };
    await this.listener!.onBatch(
      {
        topic,
        partition,
        firstOffset: offsets[0] ?? 0,
        records: offsets.map((offset) => ({ topic, partition, offset, key: null, value: value(offset), headers: {}, timestamp: '0' })),
      },
      control,
    );
    this.listener!.onFetch();
  }
}
