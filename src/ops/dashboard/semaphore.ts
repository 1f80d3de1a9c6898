// A bound on concurrent work with a bounded queue: every login that misses the cache runs
// a full scrypt (32 MiB, ~100 ms) on libuv's small thread pool, which file and DNS work share. A flood of bad
// logins must neither queue without limit nor take the pool: a few run, a few wait, the rest are told to
// come back (BUSY) at once.

export const BUSY: unique symbol = Symbol("busy");

export interface Semaphore {
  /** Runs `task` when a slot is free; BUSY, without running it, when `maxWaiting` tasks wait already. */
  run<T>(task: () => Promise<T>): Promise<T | typeof BUSY>;
}

export function createSemaphore(o: { concurrency: number; maxWaiting: number }): Semaphore {
  let running = 0;
  const waiting: (() => void)[] = [];
  return {
    async run(task) {
      if (running < o.concurrency) {
        running++;
      } else {
        if (waiting.length >= o.maxWaiting) return BUSY;
        // The finishing task hands its slot over (running stays the same).
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
      try {
        return await task();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else running--;
      }
    },
  };
}
