/**
 * Runs jobs with a concurrency limit per subscription, each not before its due time. One slow
 * or failing receiver fills only its own slots; the others keep flowing.
 */
export interface Job {
  readonly subscriptionId: string;
  /** Epoch ms; 0 or past = now. */
  readonly dueAt: number;
  run(): Promise<void>;
}

export interface Dispatcher {
  submit(job: Job): void;
  /** Jobs submitted and not finished (waiting, queued or running). */
  readonly pending: number;
  /** Resolves when no job is running; waiting and queued jobs are dropped (handed back). */
  drain(timeoutMs: number): Promise<boolean>;
}

interface Lane {
  running: number;
  queue: Job[];
}

export function createDispatcher(options: {
  limitFor: (subscriptionId: string) => number;
  onSettled?: () => void;
  now?: () => number;
}): Dispatcher {
  const now = options.now ?? Date.now;
  const lanes = new Map<string, Lane>();
  const timers = new Set<NodeJS.Timeout>();
  let pending = 0;
  let running = 0;
  let closed = false;
  let idle: (() => void) | undefined;

  const laneOf = (id: string): Lane => {
    let lane = lanes.get(id);
    if (!lane) lanes.set(id, (lane = { running: 0, queue: [] }));
    return lane;
  };

  const pump = (id: string) => {
    const lane = laneOf(id);
    const limit = options.limitFor(id);
    while (!closed && lane.running < limit && lane.queue.length > 0) {
      const job = lane.queue.shift()!;
      lane.running++;
      running++;
      void job
        .run()
        .catch(() => undefined) // a job reports its own failures; the slot must come back
        .finally(() => {
          lane.running--;
          running--;
          pending--;
          if (lane.running === 0 && lane.queue.length === 0) lanes.delete(id);
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
      pending++;
      // Timers run on a monotonic clock and may fire a millisecond before the wall-clock due
      // time; a retry must never start early, so check again and wait out the rest.
      const waitUntilDue = () => {
        const wait = job.dueAt - now();
        if (wait <= 0) return enqueue(job);
        const timer = setTimeout(() => {
          timers.delete(timer);
          waitUntilDue();
        }, wait);
        timers.add(timer);
      };
      waitUntilDue();
    },
    get pending() {
      return pending;
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
