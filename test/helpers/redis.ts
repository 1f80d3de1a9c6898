import { Redis } from "ioredis";

/** Tests use REDIS_URL when set, else the machine's shared Redis. */
export function testRedisUrl(): string {
  // eslint-disable-next-line no-restricted-properties -- tests pick their Redis like CI does
  return process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
}

export async function assertRedisAnswers(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 2000,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(
      `Redis does not answer at ${url} (${(err as Error).message}). Start one with: ` +
        `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`,
    );
  } finally {
    redis.disconnect();
  }
}
