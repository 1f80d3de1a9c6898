// A Redis connection and the payout queue for an operator's command that needs no bank (resume, approvals).
import { Queue } from "bullmq";
import type { RedisClient } from "../../redis/connections.js";
import { loadQueueSettings, type QueueSettings } from "../../config.js";
import { bullPrefix } from "../../queue/names.js";
import { ensureReady, producerConnection, RedisUnavailableError } from "../../redis/connections.js";
import { UserError } from "./exit-codes.js";

export async function withQueueRedis<T>(
  run: (redis: RedisClient, queue: Queue, settings: QueueSettings) => Promise<T>,
): Promise<T> {
  const settings = loadQueueSettings();
  const redis = producerConnection(settings.redis.target);
  const queue = new Queue(settings.queueName, { connection: redis, prefix: bullPrefix(settings.redisPrefix) });
  queue.on("error", () => undefined);
  try {
    await ensureReady(redis, settings.redis.target);
    return await run(redis, queue, settings);
  } catch (err) {
    if (err instanceof RedisUnavailableError) throw new UserError(err.message);
    throw err;
  } finally {
    await queue.close();
    redis.disconnect();
  }
}
