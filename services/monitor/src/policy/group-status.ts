/**
 * A consumer group's health from a sliding window of offset observations, after Burrow's
 * evaluation rules (github.com/linkedin/Burrow/wiki/Consumer-Lag-Evaluation-Rules), adapted to
 * what an outside observer of committed offsets can see:
 *
 * 1. A partition whose lag was (within the control-record tolerance) zero at any observation
 *    of the window is OK.
 * 2. A lagging partition of a group with no active member is STOPPED: nobody consumes it.
 * 3. Until the window is full nothing else is concluded: OK.
 * 4. A lagging partition whose committed offset did not move across the window is STALLED
 *    (members are there but make no progress), unless it is a retry partition whose head is
 *    not due yet (the deliverer pauses those on purpose): that one is OK.
 * 5. A partition whose committed offset moves but whose lag grew at every observation is
 *    WARNING: the consumer falls behind.
 * 6. Otherwise OK. A group's status is its worst partition's.
 */
export type GroupStatus = 'OK' | 'WARNING' | 'STALLED' | 'STOPPED';

/** Ordered by gravity; the number is exported as the group-status metric. */
export const GROUP_STATUS_CODE: Readonly<Record<GroupStatus, number>> = { OK: 0, WARNING: 1, STALLED: 2, STOPPED: 3 };

export interface OffsetObservation {
  at: number;
  committed: number;
  end: number;
}

export interface PartitionStatusInput {
  /** Oldest first. */
  window: readonly OffsetObservation[];
  /** The observations a full window has. */
  windowSize: number;
  /** The group has members (Kafka's group state is not Empty or Dead). */
  active: boolean;
  /** Offset lag this small counts as zero (transaction markers). */
  tolerance: number;
  /** A retry partition whose head record is not due yet: not moving is expected. */
  waiting?: boolean;
}

export function partitionStatus(input: PartitionStatusInput): GroupStatus {
  const { window, tolerance } = input;
  const lagOf = (o: OffsetObservation) => Math.max(0, o.end - o.committed);
  const lagging = (o: OffsetObservation) => lagOf(o) > tolerance;
  if (window.length === 0 || window.some((o) => !lagging(o))) return 'OK';
  if (!input.active) return 'STOPPED';
  if (window.length < input.windowSize) return 'OK';
  const first = window[0]!;
  const last = window.at(-1)!;
  if (first.committed === last.committed) return input.waiting ? 'OK' : 'STALLED';
  let growing = lagOf(last) > lagOf(first);
  for (let i = 1; growing && i < window.length; i++) growing = lagOf(window[i]!) >= lagOf(window[i - 1]!);
  return growing ? 'WARNING' : 'OK';
}

export function worstStatus(statuses: Iterable<GroupStatus>): GroupStatus {
  let worst: GroupStatus = 'OK';
  for (const status of statuses) if (GROUP_STATUS_CODE[status] > GROUP_STATUS_CODE[worst]) worst = status;
  return worst;
}

/** Kafka group states with members that consume (everything but Empty and Dead). */
export function groupIsActive(state: string | undefined): boolean {
  return state !== undefined && state !== 'Empty' && state !== 'Dead' && state !== '';
}
