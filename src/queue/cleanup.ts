// Removing everything a pixout prefix holds in Redis: its queues ({prefix}:…) and its own keys (prefix:…);
// and everything of one integration (its budgets and tokens, src/inter/integration-keys.ts). For the demo
// and tests, which must leave a shared Redis as they found it.
import { Redis } from "ioredis";
import { integrationKeyPrefix, type Integration } from "../inter/integration-keys.js";
import { bullPrefix } from "./names.js";

export async function removeQueueKeys(redisUrl: string, redisPrefix: string): Promise<number> {
  return removeMatching(redisUrl, [`${bullPrefix(redisPrefix)}:*`, `${redisPrefix}:*`]);
}

/** Only for an integration nobody else uses (the demo's emulator, a test's): its budgets and tokens. */
export async function removeIntegrationKeys(redisUrl: string, integration: Integration): Promise<number> {
  return removeMatching(redisUrl, [`${integrationKeyPrefix(integration)}:*`]);
}

async function removeMatching(redisUrl: string, patterns: readonly string[]): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let removed = 0;
    for (const pattern of patterns) {
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
