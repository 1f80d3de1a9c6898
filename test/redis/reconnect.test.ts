// ioredis ends a connection for good when a reconnect races a failover (its Sentinel connector is told to
// disconnect while it resolves the new master): a long-lived producer must connect again when next used, not
// refuse every call until restarted. Ended here by hand, the way ioredis leaves it.
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { createPayoutProducer } from "../../src/queue/producer/producer.js";
import { ensureReady, producerConnection } from "../../src/redis/connections.js";
import { testRedisUrl } from "../helpers/redis.js";

describe("a connection ioredis gave up on", () => {
  it("is connected again by the next call that needs Redis", async () => {
    const url = testRedisUrl();
    const redis = producerConnection(url);
    try {
      await ensureReady(redis, url);
      const ended = once(redis, "end");
      redis.disconnect();
      await ended;
      expect(redis.status).toBe("end");
      await ensureReady(redis, url, 2_000);
      expect(await redis.ping()).toBe("PONG");
    } finally {
      redis.disconnect();
    }
  });

  it("is not reopened by a producer that was closed", async () => {
    const producer = createPayoutProducer({
      connection: testRedisUrl(),
      redisPrefix: `reconnect-${String(process.pid)}`,
    });
    await producer.get("nothing-here");
    await producer.close();
    await expect(producer.get("nothing-here")).rejects.toThrow(/producer is closed/);
  });
});
