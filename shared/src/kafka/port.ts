/**
 * The Kafka port: the few operations hookrail's core (partition tracker, commit loop, tracked
 * consumer) needs from a Kafka client, and nothing else. KafkaJS is its adapter
 * (`kafkajs-port.ts`); the core's unit tests drive a fault-injecting fake
 * (`shared/test/fake-port.ts`). Another client (one with KIP-447 fencing, say) can be
 * added behind it without touching the core.
 */
import type { IHeaders, Message } from 'kafkajs';

/** A record to produce, with its topic: what a consumed record's handling turns into. */
export interface OutgoingRecord {
  topic: string;
  message: Message;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** One consumed record. Offsets are numbers: a partition's offsets stay below 2^53. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  timestamp: string;
}

/** What the consumer hands the core for each fetched partition batch. */
export interface FetchedBatch {
  topic: string;
  partition: number;
  records: ConsumedRecord[];
  /** Offset of the first record the broker returned, markers included (a fresh start position). */
  firstOffset: number;
}

/** Calls the core may make while it handles a batch. */
export interface BatchControl {
  /** Marks an offset fetched: the next fetch of the partition starts after it. */
  resolve(offset: number): void;
  /** Keeps the group membership alive during a long batch; throws when membership is lost. */
  heartbeat(): Promise<void>;
  /** False once the batch should be given up (stopping, or the assignment changed). */
  active(): boolean;
}

/** A membership the group coordinator gave this member: its partitions, for one generation. */
export interface Assignment {
  memberId: string;
  partitions: TopicPartition[];
}

/** What the consumer tells the core, besides batches. */
export interface ConsumerListener {
  onBatch(batch: FetchedBatch, control: BatchControl): Promise<void>;
  /** A new generation: this member holds exactly these partitions now. */
  onAssigned(assignment: Assignment): void;
  /**
   * Membership is in doubt (a rebalance began, the coordinator forgot this member, a
   * heartbeat or fetch failed with a membership error): stop committing until `onAssigned`.
   */
  onMembershipInDoubt(reason: string): void;
  /** A heartbeat the coordinator accepted: this member was in the group just now. */
  onHeartbeat(): void;
  /** A fetch round ended (with or without records): the consumer is alive. */
  onFetch(): void;
  /** A fetch that moved past transaction markers only: the partition reached `lastOffset`. */
  onPassedMarkers(topic: string, partition: number, lastOffset: number): void;
  /** The client gave up; `restarting` when it restarts the consumer on its own. */
  onCrash(error: unknown, restarting: boolean): void;
}

export interface ConsumerPort {
  /** Joins the group, subscribed to `topics`, and starts fetching. */
  start(topics: Array<string | RegExp>, listener: ConsumerListener): Promise<void>;
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  /** Stops fetching every partition while staying in the group (shutdown drains then commits). */
  pauseAll(): void;
  /** Leaves the group and disconnects. */
  stop(): Promise<void>;
}

export interface CommittedOffset {
  partition: number;
  /** -1 when the group has no commit for the partition. */
  offset: number;
  metadata: string | null;
}

export interface OffsetsPort {
  /**
   * The group's committed offsets for `topic`'s partitions, stable: they include every
   * transaction that committed offsets for them (KIP-447's stable offset fetch). While such a
   * transaction is still pending (its coordinator has not yet written its markers, say after a
   * failover) this throws a `KafkaPortError` of kind 'unstable': ask again later. `partitions`
   * limits the read (and the wait) to those.
   */
  committed(groupId: string, topic: string, partitions?: number[]): Promise<CommittedOffset[]>;
}

export interface OffsetToCommit extends TopicPartition {
  offset: number;
  metadata: string;
}

/** One open transaction. Every step may throw; the core then aborts and decides. */
export interface TransactionPort {
  send(records: OutgoingRecord[]): Promise<void>;
  sendOffsets(groupId: string, offsets: OffsetToCommit[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface TransactionalProducerPort {
  begin(): Promise<TransactionPort>;
  /**
   * Starts the producer afresh with the same transactional id. Resolves only once the
   * coordinator has completed or aborted whatever transaction the old producer left open (its
   * markers written), so afterwards the stable committed offsets tell whether an ambiguous
   * commit landed.
   */
  reset(): Promise<void>;
  disconnect(): Promise<void>;
}

/** Errors the core treats specially; adapters map their client's errors onto these kinds. */
export type KafkaErrorKind =
  /** Another producer with this transactional id took over: this instance must stop. */
  | 'fenced'
  /** A record or request the broker will never accept (too large, invalid). */
  | 'record-rejected'
  /** Group membership is gone or moving (unknown member, illegal generation, rebalancing). */
  | 'membership'
  /** Committed offsets asked for while a transactional offset commit for them is pending. */
  | 'unstable'
  | 'other';

/** An error from a port, with the kind the core acts on. */
export class KafkaPortError extends Error {
  readonly kind: KafkaErrorKind;
  constructor(kind: KafkaErrorKind, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'KafkaPortError';
    this.kind = kind;
  }
}

export function errorKind(error: unknown): KafkaErrorKind {
  return error instanceof KafkaPortError ? error.kind : 'other';
}
