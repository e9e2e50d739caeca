import { topicNameOf, type Tier } from '@hookrail/shared';
import type { OffsetSnapshot, PartitionLag } from './offsets.ts';
import { groupIsActive, partitionStatus, worstStatus, type GroupStatus, type OffsetObservation } from './policy/group-status.ts';
import { addEndPoint, timeLagSeconds, type EndPoint } from './policy/time-lag.ts';
import { classifyGroup, classifyTopic } from './policy/topology.ts';

export interface PartitionReport extends PartitionLag {
  lagSeconds: number;
  status: GroupStatus;
}

export interface GroupReport {
  group: string;
  role: string;
  tier?: Tier;
  /** Kafka's group state. */
  state: string;
  status: GroupStatus;
  lag: number;
  /** Max time lag over all its partitions. */
  maxLagSeconds: number;
  /** Max time lag on the topics that say whether deliveries are late (a deliverer: its tier topic). */
  deliveryLagSeconds: number;
  partitions: PartitionReport[];
}

export interface LagTrackerOptions {
  prefix: string;
  windowSize: number;
  tolerance: number;
  /** Extra time a retry head may wait past its rung's delay (jitter, the poll interval). */
  retryAllowanceMs: number;
}

/**
 * Keeps, per partition, the end-offset table (time lag) and the window of committed-offset
 * observations (Burrow-like status) across offset readings. No I/O: feed it snapshots.
 */
export class LagTracker {
  readonly #options: LagTrackerOptions;
  readonly #ends = new Map<string, EndPoint[]>();
  readonly #windows = new Map<string, OffsetObservation[]>();
  #groups: GroupReport[] = [];

  constructor(options: LagTrackerOptions) {
    this.#options = options;
  }

  update(snapshot: OffsetSnapshot): GroupReport[] {
    const { at } = snapshot;
    const { prefix, tolerance, windowSize } = this.#options;
    for (const [topic, offsets] of snapshot.topics) {
      for (const [partition, end] of offsets.end) {
        const key = `${topic}:${partition}`;
        this.#ends.set(key, addEndPoint(this.#ends.get(key) ?? [], { at, end }));
      }
    }
    const seen = new Set<string>();
    const byGroup = new Map<string, PartitionReport[]>();
    for (const row of snapshot.lag) {
      const key = `${row.group}\u0000${row.topic}:${row.partition}`;
      seen.add(key);
      const window = [...(this.#windows.get(key) ?? []), { at, committed: row.committed, end: row.end }].slice(-windowSize);
      this.#windows.set(key, window);
      const lagSeconds = timeLagSeconds({
        points: this.#ends.get(`${row.topic}:${row.partition}`) ?? [],
        committed: row.committed,
        end: row.end,
        now: at,
        tolerance,
      });
      const info = classifyTopic(row.topic, prefix);
      const waiting = info.kind === 'retry' && lagSeconds * 1_000 <= (info.delayMs ?? 0) + this.#options.retryAllowanceMs;
      const status = partitionStatus({ window, windowSize, active: groupIsActive(snapshot.groupStates.get(row.group)), tolerance, waiting });
      const list = byGroup.get(row.group) ?? [];
      list.push({ ...row, lagSeconds: Math.round(lagSeconds * 1_000) / 1_000, status });
      byGroup.set(row.group, list);
    }
    for (const key of this.#windows.keys()) if (!seen.has(key)) this.#windows.delete(key);

    this.#groups = [...byGroup].map(([group, partitions]) => {
      const info = classifyGroup(group, prefix);
      const deliveryTopic = info.role === 'deliverer' && info.tier !== undefined ? topicNameOf(prefix, { kind: 'tier', tier: info.tier }) : undefined;
      const relevant = deliveryTopic ? partitions.filter((p) => p.topic === deliveryTopic) : partitions;
      return {
        group,
        role: info.role,
        ...(info.tier !== undefined ? { tier: info.tier } : {}),
        state: snapshot.groupStates.get(group) ?? 'Unknown',
        status: worstStatus(partitions.map((p) => p.status)),
        lag: partitions.reduce((sum, p) => sum + p.lag, 0),
        maxLagSeconds: Math.max(0, ...partitions.map((p) => p.lagSeconds)),
        deliveryLagSeconds: Math.max(0, ...relevant.map((p) => p.lagSeconds)),
        partitions,
      };
    });
    return this.#groups;
  }

  get groups(): readonly GroupReport[] {
    return this.#groups;
  }
}
