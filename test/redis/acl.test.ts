// The ACL docs/operating/redis.md gives, on a Redis of this test's own: a user limited to pixout's keys, without the
// dangerous commands, pays, retries and passes doctor's checks — with its password in REDIS_PASSWORD.
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { runDoctor } from "../../src/ops/doctor/run-doctor.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { startPipeline } from "../helpers/pipeline.js";
import { startPrivateRedis } from "../helpers/private-redis.js";

describe("Redis ACL", () => {
  it(`the documented user pays, retries and is checked by doctor; a wrong password is said as such, not as "does not answer"`, async () => {
    const server = await startPrivateRedis();
    cleanupAfter(() => server.stop());
    const admin = new Redis(server.url);
    cleanupAfter(() => {
      admin.disconnect();
    });
    await admin.call(
      "ACL",
      "SETUSER",
      "pixout",
      "on",
      ">pixout-acl-password",
      "~{pixout}:*",
      "~pixout:*",
      "+@all",
      "-@dangerous",
      "+info",
      "+config|get",
      "+wait",
    );
    await admin.call("ACL", "SETUSER", "default", "off");
    const url = server.url.replace("redis://", "redis://pixout@");
    const p = await startPipeline({
      env: {
        REDIS_URL: url,
        REDIS_PASSWORD: "pixout-acl-password",
        PIXOUT_REDIS_PREFIX: "pixout",
        PIXOUT_DAILY_LIMIT: "1000.00",
      },
    });
    await p.producer.enqueue({
      paymentId: "acl-1",
      amount: "3.00",
      recipient: { type: "key", key: "fornecedor@example.com" },
    });
    expect((await p.producer.waitForResult("acl-1", { timeoutMs: 20_000 })).outcome).toBe("paid");
    expect((await p.producer.retry("acl-1", { actor: "test", reason: "check", dryRun: true })).status).toBe("refused"); // paid: never again
    const report = await runDoctor({ env: p.env, redisTimeoutMs: 5_000 });
    const statuses = Object.fromEntries(
      report.checks.filter((c) => c.id.startsWith("redis.") || c.id === "queue").map((c) => [c.id, c.status]),
    );
    expect(statuses).toMatchObject({ "redis.connection": "ok", "redis.eviction": "ok", queue: "ok" });
    expect(report.checks.find((c) => c.id === "redis.persistence")?.detail).not.toMatch(/could not check/);

    const wrong = await runDoctor({ env: { ...p.env, REDIS_PASSWORD: "not-the-password" }, redisTimeoutMs: 3_000 });
    expect(wrong.checks.find((c) => c.id === "redis.connection")).toMatchObject({
      status: "error",
      detail: expect.stringMatching(/refused pixout's credentials \(WRONGPASS\)/) as unknown,
    });
  }, 40_000);
});
