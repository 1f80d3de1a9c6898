// Removing everything a pixout prefix holds in Redis: its queues and keys ({prefix}:…, and prefix:… written
// by versions before every key took the hash tag); and everything of one integration (its budgets and tokens,
// src/inter/integration-keys.ts). For the demo and tests, which must leave a shared Redis as they found it.
// On a cluster every master is scanned.
import { once } from "node:events";
import { integrationKeyPrefix, type Integration } from "../inter/integration-keys.js";
import { adminConnection, isCluster, masters } from "../redis/connections.js";
import type { RedisTargetInput } from "../redis/target.js";
import { bullPrefix } from "./names.js";

export async function removeQueueKeys(redis: RedisTargetInput, redisPrefix: string): Promise<number> {
  return removeMatching(redis, [`${bullPrefix(redisPrefix)}:*`, `${redisPrefix}:*`]);
}

/** Only for an integration nobody else uses (the demo's emulator, a test's): its budgets and tokens. */
export async function removeIntegrationKeys(redis: RedisTargetInput, integration: Integration): Promise<number> {
  return removeMatching(redis, [`${integrationKeyPrefix(integration)}:*`]);
}

/** A MATCH pattern for a literal prefix: `{`, `[`, `*`, `?` and `\` stand for themselves. */
function literal(pattern: string): string {
  return pattern.replace(/[[\]*?\\]/g, (c) => `\\${c}`);
}

async function removeMatching(target: RedisTargetInput, prefixes: readonly string[]): Promise<number> {
  const client = adminConnection(target);
  client.on("error", () => undefined); // the failing command says it
  try {
    if (isCluster(client) && client.status !== "ready") await once(client, "ready");
    let removed = 0;
    for (const node of masters(client)) {
      for (const prefix of prefixes) {
        let cursor = "0";
        do {
          const [next, keys] = await node.scan(cursor, "MATCH", `${literal(prefix.slice(0, -1))}*`, "COUNT", 500);
          cursor = next;
          // One UNLINK per key: on a cluster node the keys of one SCAN page may live in several slots.
          const answers = (await node.pipeline(keys.map((key) => ["unlink", key])).exec()) ?? [];
          for (const [err, n] of answers) if (err === null) removed += Number(n);
        } while (cursor !== "0");
      }
    }
    return removed;
  } finally {
    client.disconnect();
  }
}
