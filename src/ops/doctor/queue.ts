// Doctor: the payout queue's job counts, read from Redis (BullMQ reads only; nothing is written).
import { Queue } from "bullmq";
import type { RedisClient } from "../../redis/connections.js";
import type { QueueSettings } from "../../config.js";
import { bullPrefix } from "../../queue/names.js";
import { failure, ok, warning, type Check } from "./check.js";

const STATES = ["waiting", "prioritized", "active", "delayed", "waiting-children", "completed", "failed"] as const;

export async function checkQueue(
  redis: RedisClient,
  settings: Pick<QueueSettings, "queueName" | "redisPrefix">,
): Promise<Check> {
  // skipMetasUpdate: a Queue otherwise writes its meta hash; doctor only reads.
  const queue = new Queue(settings.queueName, {
    connection: redis,
    prefix: bullPrefix(settings.redisPrefix),
    skipMetasUpdate: true,
  });
  queue.on("error", () => undefined); // reported through the failing call
  const title = `queue ${settings.queueName}`;
  try {
    const [counts, paused] = await Promise.all([queue.getJobCounts(...STATES), queue.isPaused()]);
    const shown = STATES.filter(
      (s) => (counts[s] ?? 0) > 0 || ["waiting", "active", "delayed", "completed", "failed"].includes(s),
    );
    const detail = shown.map((s) => `${s} ${String(counts[s] ?? 0)}`).join(", ");
    if (paused)
      return warning(
        "queue",
        title,
        `paused: workers take no job (${detail})`,
        "resume the queue (BullMQ's queue.resume(), or your dashboard)",
      );
    return ok("queue", title, detail);
  } catch (err) {
    return failure(
      "queue",
      title,
      `could not read the job counts: ${err instanceof Error ? err.message : String(err)}`,
      "check that REDIS_URL's user may read the queue's keys",
    );
  } finally {
    await queue.close();
  }
}
