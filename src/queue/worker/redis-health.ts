// Whether this worker's Redis is fit to carry payments, watched: a Redis error anywhere (a step, BullMQ's own
// moves, the probe) marks it unfit with what is wrong and what to do (src/redis/errors.ts); a probe — a
// write under the prefix's hash tag, confirmed by the replicas PIXOUT_REDIS_WAIT_REPLICAS asks for — then
// runs every second until Redis takes it again. The worker stops taking jobs meanwhile, its readiness says
// why, and it starts again by itself (src/queue/worker/worker.ts). A payment is never the one blamed.
import type { Logger } from "pino";
import { classifyRedisError, isRedisError, type RedisProblem } from "../../redis/errors.js";

export type RedisHealthState = { healthy: true } | { healthy: false; problem: RedisProblem; since: number };

export interface RedisHealth {
  /** A Redis error seen anywhere: unfit from now on, until a probe passes. Other errors are ignored. */
  report(err: unknown): void;
  state(): RedisHealthState;
  close(): void;
}

export interface RedisHealthOptions {
  /** Throws a Redis error when Redis is unfit (a write and, when asked for, its replicas' confirmation). */
  probe: () => Promise<void>;
  /** The setting that points at Redis, for the fixes (REDIS_URL, REDIS_SENTINELS…). */
  setting: string;
  onChange: (state: RedisHealthState) => void;
  logger: Logger;
  /** Probe period while fit (default 5 s) and while unfit (default 1 s). */
  healthyEveryMs?: number;
  unhealthyEveryMs?: number;
  now?: () => number;
}

export function watchRedisHealth(options: RedisHealthOptions): RedisHealth {
  const now = options.now ?? Date.now;
  let current: RedisHealthState = { healthy: true };
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let probing = false;
  // A problem the probe does not meet (a refused command on keys it does not write, a bug's CROSSSLOT) comes
  // back as soon as the worker takes jobs again: each relapse within a minute doubles the probe period (up to
  // a minute), and is logged only at first and then every tenth time.
  let recoveredAt = Number.NEGATIVE_INFINITY;
  let relapses = 0;
  const unhealthyEveryMs = (): number =>
    Math.min(60_000, (options.unhealthyEveryMs ?? 1_000) * 2 ** Math.min(relapses, 16));

  const set = (next: RedisHealthState): void => {
    const changed =
      next.healthy !== current.healthy ||
      (!next.healthy && !current.healthy && next.problem.kind !== current.problem.kind);
    if (!next.healthy && current.healthy) relapses = now() - recoveredAt < 60_000 ? relapses + 1 : 0;
    if (next.healthy && !current.healthy) recoveredAt = now();
    current = next;
    if (!changed) return;
    const quiet = relapses > 2 && relapses % 10 !== 0;
    if (next.healthy) {
      if (!quiet) options.logger.info("Redis takes pixout's writes again: taking jobs again");
    } else if (!quiet) {
      const again =
        relapses > 0
          ? ` (again: ${String(relapses)} time(s) within a minute of taking jobs; probing every ${String(Math.round(unhealthyEveryMs() / 1000))} s)`
          : "";
      options.logger.error(
        { redisProblem: next.problem.kind },
        `${next.problem.message} — this worker takes no jobs until Redis is fit (payments wait, none is failed for it)${again}`,
      );
    }
    options.onChange(next);
  };

  const schedule = (): void => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(
      () => void tick().catch(() => undefined),
      current.healthy ? (options.healthyEveryMs ?? 5_000) : unhealthyEveryMs(),
    );
    timer.unref();
  };

  async function tick(): Promise<void> {
    if (probing || closed) return;
    probing = true;
    try {
      await options.probe();
      set({ healthy: true });
    } catch (err) {
      if (isRedisError(err))
        set({
          healthy: false,
          problem: classifyRedisError(err, options.setting),
          since: current.healthy ? now() : current.since,
        });
    } finally {
      probing = false;
      schedule();
    }
  }

  // The first probe at once: a worker pointed at the wrong kind of node should not take a job first.
  timer = setTimeout(() => void tick().catch(() => undefined), 0);
  timer.unref();
  return {
    report(err) {
      if (closed || !isRedisError(err)) return;
      set({
        healthy: false,
        problem: classifyRedisError(err, options.setting),
        since: current.healthy ? now() : current.since,
      });
      schedule();
    },
    state: () => current,
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
