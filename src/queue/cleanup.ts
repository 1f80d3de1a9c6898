// Removing everything a pixout prefix holds in Redis: its queues ({prefix}:…) and its own keys
// (prefix:…: tokens, budgets). For the demo and tests, which must leave a shared Redis as they found it.
import { Redis } from "ioredis";
import { bullPrefix } from "./names.js";

export async function removeQueueKeys(redisUrl: string, redisPrefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let removed = 0;
    for (const pattern of [`${bullPrefix(redisPrefix)}:*`, `${redisPrefix}:*`]) {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
        cursor = next;
        if (keys.length > 0) removed += await redis.unlink(...keys);
      } while (cursor !== "0");
    }
    return removed;
  } finally {
    redis.disconnect();
  }
}
