// Redis for the demo: the one the settings name — REDIS_URL if something answers there (or the Sentinel
// set / cluster of REDIS_SENTINELS / REDIS_CLUSTER_NODES); otherwise a private, throwaway redis-server on a
// free port when one is installed; otherwise a clear message on how to get Redis.
import { describeRedis, safeRedisUrl, type RedisTarget } from "../../redis/target.js";
import { redisFields } from "../../redis/settings.js";
import { redisAnswers, startRedisServer } from "./redis-server.js";

export interface DemoRedis {
  /** The Redis settings the demo's worker and producer use. */
  env: Record<string, string>;
  /** Where, for the demo's first line. */
  where: string;
  /** True when the demo started its own redis-server. */
  private: boolean;
  stop(): Promise<void>;
}

/** `userEnv`: the user's environment, whose Redis settings (and only those) the demo keeps. */
export async function demoRedis(target: RedisTarget, userEnv: Record<string, string | undefined>): Promise<DemoRedis> {
  const redisEnv = Object.fromEntries(
    Object.keys(redisFields.shape).flatMap((k) => (userEnv[k] ? [[k, userEnv[k]]] : [])),
  );
  if (target.kind !== "single")
    return { env: redisEnv, where: describeRedis(target), private: false, stop: () => Promise.resolve() };
  if (await redisAnswers(target.url))
    return { env: redisEnv, where: safeRedisUrl(target.url), private: false, stop: () => Promise.resolve() };
  try {
    const server = await startRedisServer();
    return { env: { REDIS_URL: server.url }, where: server.url, private: true, stop: () => server.stop() };
  } catch {
    throw new Error(
      `nothing answers at ${safeRedisUrl(target.url)} and redis-server could not be started. Start Redis ` +
        `(e.g. "redis-server --daemonize yes --save '' --appendonly no", or "docker run -p 6379:6379 redis:7") or set REDIS_URL.`,
    );
  }
}
