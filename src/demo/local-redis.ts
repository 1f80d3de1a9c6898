// Redis for the demo: REDIS_URL if something answers there; otherwise a private, throwaway
// redis-server on a free port when one is installed; otherwise a clear message on how to get Redis.
import { safeRedisUrl } from "../queue/redis-connection.js";
import { redisAnswers, startRedisServer } from "./redis-server.js";

export interface DemoRedis {
  url: string;
  /** True when the demo started its own redis-server. */
  private: boolean;
  stop(): Promise<void>;
}

export async function demoRedis(url: string): Promise<DemoRedis> {
  if (await redisAnswers(url)) return { url, private: false, stop: () => Promise.resolve() };
  try {
    const server = await startRedisServer();
    return { url: server.url, private: true, stop: () => server.stop() };
  } catch {
    throw new Error(
      `nothing answers at ${safeRedisUrl(url)} and redis-server could not be started. Start Redis ` +
        `(e.g. "redis-server --daemonize yes --save '' --appendonly no", or "docker run -p 6379:6379 redis:7") or set REDIS_URL.`,
    );
  }
}
