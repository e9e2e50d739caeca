import { createTokenBucket, type TokenBucket } from './token-bucket.ts';

/**
 * Runs jobs with a concurrency limit and an optional rate per subscription, each not before
 * its due time. One slow or failing receiver fills only its own slots; the others keep flowing.
 */
export interface Job {
  readonly subscriptionId: string;
  /** Epoch ms; 0 or past = now. */
  readonly dueAt: number;
  /** Aborted when the job's record is no longer this instance's: a job not yet started is dropped. */
  readonly signal?: AbortSignal;
  run(): Promise<void>;
}

export interface Dispatcher {
  submit(job: Job): void;
  /** Jobs submitted and not finished (waiting, queued or running). */
  readonly pending: number;
  /** One subscription's jobs not finished, and how many of them run. */
  load(subscriptionId: string): { pending: number; running: number };
  /**
   * Subscriptions with work: jobs not finished, or one submitted within the last `ACTIVE_MS`
   * (a fast receiver's queue is empty most of the time, yet it has work), this one counted too.
   */
  active(subscriptionId: string): number;
  /** Resolves when no job is running; waiting and queued jobs are dropped (handed back). */
  drain(timeoutMs: number): Promise<boolean>;
}

/** A subscription that got a job this recently has work, even with none pending right now. */
export const ACTIVE_MS = 5_000;

export interface SubscriptionLimits {
  maxInFlight: number;
  /** Requests per second; unset = unlimited. */
  ratePerSecond?: number | undefined;
  /** Requests the rate may save up (default one second's worth). */
  burst?: number | undefined;
}

interface Lane {
  running: number;
  queue: Job[];
  /** Set while the lane waits for its rate limit to allow the next request. */
  rateTimer?: NodeJS.Timeout;
}

export function createDispatcher(options: {
  limitFor: (subscriptionId: string) => SubscriptionLimits;
  onSettled?: () => void;
  now?: () => number;
}): Dispatcher {
  const now = options.now ?? Date.now;
  const lanes = new Map<string, Lane>();
  const timers = new Set<NodeJS.Timeout>();
  // Kept across idle periods so a lane that empties and refills cannot burst past its rate.
  const buckets = new Map<string, TokenBucket>();
  /** Removes a job's abort listener when it starts. */
  const detach = new Map<Job, () => void>();
  let pending = 0;
  /** When each subscription last got a job, and the count of those with work (recomputed at most every 100 ms). */
  const lastSubmit = new Map<string, number>();
  let activeCount = { at: -Infinity, count: 0 };
  const countActive = (at: number) => {
    if (at - activeCount.at < 100) return activeCount.count;
    let count = 0;
    for (const [id, last] of lastSubmit) {
      if (at - last < ACTIVE_MS || perSubscription.has(id)) count++;
      else lastSubmit.delete(id);
    }
    activeCount = { at, count };
    return count;
  };
  /** Jobs not finished per subscription (waiting, queued, running). */
  const perSubscription = new Map<string, number>();
  const count = (id: string, delta: number) => {
    const n = (perSubscription.get(id) ?? 0) + delta;
    if (n <= 0) perSubscription.delete(id);
    else perSubscription.set(id, n);
    pending += delta;
  };
  let running = 0;
  let closed = false;
  let idle: (() => void) | undefined;

  const laneOf = (id: string): Lane => {
    let lane = lanes.get(id);
    if (!lane) lanes.set(id, (lane = { running: 0, queue: [] }));
    return lane;
  };

  /** 0 when the subscription's rate allows a request now, else the ms to wait. */
  const rateWait = (id: string, { ratePerSecond, burst }: SubscriptionLimits): number => {
    if (ratePerSecond === undefined) return 0;
    let bucket = buckets.get(id);
    if (bucket?.ratePerSecond !== ratePerSecond) buckets.set(id, (bucket = createTokenBucket(ratePerSecond, burst, now())));
    return bucket.take(now());
  };

  const pump = (id: string) => {
    const lane = laneOf(id);
    if (lane.rateTimer) return;
    const limits = options.limitFor(id);
    while (!closed && lane.running < limits.maxInFlight && lane.queue.length > 0) {
      const wait = rateWait(id, limits);
      if (wait > 0) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          delete lane.rateTimer;
          pump(id);
        }, wait);
        lane.rateTimer = timer;
        timers.add(timer);
        return;
      }
      const job = lane.queue.shift()!;
      detach.get(job)?.();
      detach.delete(job);
      lane.running++;
      running++;
      void job
        .run()
        .catch(() => undefined) // a job reports its own failures; the slot must come back
        .finally(() => {
          lane.running--;
          running--;
          count(id, -1);
          if (lane.running === 0 && lane.queue.length === 0 && !lane.rateTimer) lanes.delete(id);
          options.onSettled?.();
          if (running === 0) idle?.();
          pump(id);
        });
    }
  };

  const enqueue = (job: Job) => {
    laneOf(job.subscriptionId).queue.push(job);
    pump(job.subscriptionId);
  };

  return {
    submit(job) {
      if (job.signal?.aborted) return;
      count(job.subscriptionId, 1);
      lastSubmit.set(job.subscriptionId, now());
      let waiting: NodeJS.Timeout | undefined;
      // A job whose record moved to another instance is dropped before it runs: its timer
      // cleared, its queue place given up. One already running finishes; its result is ignored.
      const onAbort = () => {
        if (waiting) {
          clearTimeout(waiting);
          timers.delete(waiting);
          waiting = undefined;
          count(job.subscriptionId, -1);
          detach.delete(job);
          return;
        }
        const lane = lanes.get(job.subscriptionId);
        const index = lane?.queue.indexOf(job) ?? -1;
        if (lane && index >= 0) {
          lane.queue.splice(index, 1);
          count(job.subscriptionId, -1);
          detach.delete(job);
          if (lane.running === 0 && lane.queue.length === 0 && !lane.rateTimer) lanes.delete(job.subscriptionId);
        }
      };
      if (job.signal) {
        job.signal.addEventListener('abort', onAbort, { once: true });
        // Once running, the job is past dropping: the listener goes (a partition's signal lives long).
        const { signal } = job;
        detach.set(job, () => signal.removeEventListener('abort', onAbort));
      }
      // Timers run on a monotonic clock and may fire a millisecond before the wall-clock due
      // time; a retry must never start early, so check again and wait out the rest.
      const waitUntilDue = () => {
        waiting = undefined;
        const wait = job.dueAt - now();
        if (wait <= 0) return enqueue(job);
        waiting = setTimeout(() => {
          timers.delete(waiting!);
          waitUntilDue();
        }, wait);
        timers.add(waiting);
      };
      waitUntilDue();
    },
    get pending() {
      return pending;
    },
    load(subscriptionId) {
      return { pending: perSubscription.get(subscriptionId) ?? 0, running: lanes.get(subscriptionId)?.running ?? 0 };
    },
    active(subscriptionId) {
      return countActive(now()) + (lastSubmit.has(subscriptionId) || perSubscription.has(subscriptionId) ? 0 : 1);
    },
    async drain(timeoutMs) {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      if (running === 0) return true;
      return new Promise<boolean>((resolve) => {
        const timeout = setTimeout(() => resolve(false), timeoutMs);
        idle = () => {
          clearTimeout(timeout);
          resolve(true);
        };
      });
    },
  };
}
