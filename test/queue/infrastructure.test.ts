// Redis failing under a payout step (a failover's READONLY, a LOADING restart, a timeout) is the
// infrastructure's problem, not the payment's: the step runs again later without spending the job's
// BullMQ attempts, and the payment ends as the bank says.
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import { cleanupAfter } from "../helpers/cleanup.js";
import { startPipeline, redisUrlOf } from "../helpers/pipeline.js";
import { startTcpProxy } from "../helpers/tcp-proxy.js";
import { startWorkerProcess } from "../helpers/worker-process.js";

describe("Redis errors under a step", async () => {
  const p = await startPipeline({ worker: false });

  it("three READONLY answers while a payment is followed do not use up its two BullMQ attempts: it is paid", async () => {
    const proxy = await startTcpProxy(Number(new URL(redisUrlOf(p.config)).port || 6379));
    cleanupAfter(() => proxy.close());
    const id = `ro-${randomUUID().slice(0, 8)}`;
    // The fleet's status budget in Redis answers READONLY three times, as a replica would right after a failover.
    proxy.failNext(["budget", "status"], "READONLY You can't write against a read only replica.", 3);
    const w = startWorkerProcess({ ...p.env, REDIS_URL: proxy.url, LOG_LEVEL: "warn" }, ["ignore", "pipe", "pipe"]);
    let output = "";
    w.stdout?.on("data", (b: Buffer) => (output += b.toString()));
    cleanupAfter(() => void w.kill("SIGTERM"));
    // A producer that allows only two attempts (BullMQ's own retries of the worker's failures).
    const raw = new Queue(p.config.queueName, { connection: p.redis, prefix: `{${p.config.redisPrefix}}` });
    cleanupAfter(() => raw.close());
    await raw.add(
      "payout",
      { paymentId: id, amount: "10.00", recipient: { type: "key", key: "fornecedor@example.com" } },
      { jobId: `payment-${id}`, attempts: 2, backoff: { type: "fixed", delay: 100 } },
    );
    const view = await p.producer.waitForResult(id, { timeoutMs: 30_000 });
    expect(view.outcome).toBe("paid");
    // The three errors were answered (in their turn, by the server), and the worker took them as Redis's.
    expect(proxy.stats().failed).toBe(3);
    expect(output).toMatch(/Redis failed under a payout step/);
    // One attempt: the one that completed it (BullMQ counts it); no failure was recorded on the way.
    const job = await raw.getJob(`payment-${id}`);
    expect(job?.attemptsMade).toBe(1);
    expect(job?.stacktrace).toEqual([]);
  }, 40_000);

  it("a Redis error under the fleet's token cache (MOVED from a cluster node) spends none of the payment's bank attempts: it is paid", async () => {
    const proxy = await startTcpProxy(Number(new URL(redisUrlOf(p.config)).port || 6379));
    cleanupAfter(() => proxy.close());
    const id = `moved-${randomUUID().slice(0, 8)}`;
    // The token cache's reads answer MOVED three times, as a single-node client meets a cluster node that does
    // not own the integration's slot. Before, each was filed as the bank's INTER_CONNECTION and counted.
    proxy.failNext([":token:"], "MOVED 6052 127.0.0.1:7101", 3);
    const w = startWorkerProcess({ ...p.env, REDIS_URL: proxy.url, LOG_LEVEL: "warn", PIXOUT_MAX_ATTEMPTS: "1" }, [
      "ignore",
      "pipe",
      "pipe",
    ]);
    let output = "";
    w.stdout?.on("data", (b: Buffer) => (output += b.toString()));
    cleanupAfter(() => void w.kill("SIGTERM"));
    await p.producer.enqueue({
      paymentId: id,
      amount: "10.00",
      recipient: { type: "key", key: "fornecedor@example.com" },
    });
    const view = await p.producer.waitForResult(id, { timeoutMs: 30_000 });
    expect(proxy.stats().failed).toBe(3);
    expect(view).toMatchObject({ outcome: "paid", attempts: 0 }); // one bank attempt allowed: one counted would have failed it
    expect(output).toMatch(/Redis answered MOVED: it is a cluster node — set REDIS_CLUSTER_NODES/);
    expect(p.emulator.paymentsWithKey(view.idempotencyKey ?? "")).toHaveLength(1);
  }, 40_000);
});
