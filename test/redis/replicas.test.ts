// PIXOUT_REDIS_WAIT_REPLICAS asks more replicas than Redis has: nothing counts. An enqueue is not acknowledged
// (the producer is told, and may enqueue again), a worker sends nothing and says why, and doctor names the fix.
import { describe, expect, it } from "vitest";
import { runDoctor } from "../../src/ops/doctor/run-doctor.js";
import { RedisNotReplicatedError } from "../../src/redis/errors.js";
import { startPipeline, workerUnfit } from "../helpers/pipeline.js";

describe("PIXOUT_REDIS_WAIT_REPLICAS without the replicas", () => {
  it("refuses to acknowledge an enqueue, sends nothing, and says so in the worker's readiness and in doctor", async () => {
    const p = await startPipeline({ env: { PIXOUT_REDIS_WAIT_REPLICAS: "1", PIXOUT_REDIS_WAIT_TIMEOUT_MS: "200" } });
    const refused = await p.producer
      .enqueue({ paymentId: "wait-1", amount: "2.00", recipient: { type: "key", key: "fornecedor@example.com" } })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(RedisNotReplicatedError);
    expect((refused as Error).message).toMatch(
      /^enqueue not confirmed: only 0 of the 1 replicas PIXOUT_REDIS_WAIT_REPLICAS asks for confirmed a write within 200 ms/,
    );
    expect((refused as Error).message).toMatch(
      /The payment may be queued and will then be paid: enqueue it again with the same paymentId .* and never pay it another way$/,
    );
    const unfit = await workerUnfit(p, /replicas PIXOUT_REDIS_WAIT_REPLICAS asks for/);
    expect(unfit.detail).toMatch(/check the replicas \(INFO replication\), or lower PIXOUT_REDIS_WAIT_REPLICAS/);
    // The job landed on the master all the same; the worker does not send it while no replica confirms.
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await p.producer.get("wait-1"))?.outcome).toBe("queued");
    expect(p.emulator.ledger.snapshot().executions.total).toBe(0);
    const report = await runDoctor({ env: p.env, redisTimeoutMs: 5_000 });
    expect(report.checks.find((c) => c.id === "redis.replication")).toMatchObject({
      status: "error",
      detail:
        "PIXOUT_REDIS_WAIT_REPLICAS=1 but 0 connected replica(s): every enqueue and every send would wait in vain and fail",
      fix: "add replicas, or lower PIXOUT_REDIS_WAIT_REPLICAS to 0",
    });
  }, 30_000);
});
