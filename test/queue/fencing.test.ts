// A worker whose Redis link freezes between its lock step and its send, while its lock expires and another
// worker takes the job: the stale worker must send nothing and write nothing once its link comes back
// (the never-pay-twice reproduction: a bank that forgot the key, resends not trusted).
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import type { Environment } from "../../src/config.js";
import { bankIdempotencyKey } from "../../src/payments/idempotency.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { startPipeline, redisUrlOf } from "../helpers/pipeline.js";
import { startTcpProxy } from "../helpers/tcp-proxy.js";
import { startWorkerProcess } from "../helpers/worker-process.js";

describe("fencing", async () => {
  const p = await startPipeline({
    worker: false,
    emulator: { idempotency: false },
    env: {
      PIXOUT_TRUST_BANK_IDEMPOTENCY: "false",
      PIXOUT_RESEND_WINDOW_MINUTES: "0.05",
      PIXOUT_LOCK_DURATION_MS: "2000",
      PIXOUT_STALLED_INTERVAL_MS: "500",
    },
  });
  const env: Environment = { ...p.env, LOG_LEVEL: "warn" };
  const redisPort = Number(new URL(redisUrlOf(p.config)).port || 6379);

  it("a worker frozen after its lock step sends nothing when its link comes back; the other worker's outcome stands", async () => {
    const id = `fence-${randomUUID().slice(0, 8)}`;
    const key = bankIdempotencyKey(id, 0);
    const proxy = await startTcpProxy(redisPort);
    cleanupAfter(() => proxy.close());
    // Worker A reaches Redis through the proxy: its send step's fenced write (the lock extension, the record
    // `pending` and the send-in-flight mark) reaches Redis and runs, then its link freezes for 9 s — longer
    // than the 2 s lock — before it can see the answer.
    const frozen = proxy.freezeAfter([`payment-${id}:lock`, "\r\nsend\r\n"], 9_000);
    const a = startWorkerProcess({ ...env, REDIS_URL: proxy.url, PIXOUT_CONCURRENCY: "1" });
    await p.producer.enqueue({
      paymentId: id,
      amount: "12.00",
      recipient: { type: "key", key: "fornecedor@example.com" },
    });
    await frozen;
    // Worker B takes the job once A's lock expires: it finds the send-in-flight mark and, not trusting the
    // bank's memory of keys, parks the payment for a human.
    const b = startWorkerProcess({ ...env, PIXOUT_CONCURRENCY: "1" });
    const parked = await p.producer.waitForResult(id, { timeoutMs: 20_000 });
    expect(parked.outcome).toBe("needs-reconciliation");
    expect(parked.reason).toMatch(/an earlier send may have been executed/);
    // A's link thaws: what it had in flight lands, and it goes on — it must neither send nor write.
    await sleep(9_000 + 2_000);
    const after = await p.producer.get(id);
    expect(after).toMatchObject({ outcome: "needs-reconciliation", jobState: "completed", reason: parked.reason });
    expect(p.emulator.paymentsWithKey(key)).toEqual([]);
    expect(p.emulator.ledger.snapshot().requests["POST /banking/v2/pix"]?.total ?? 0).toBe(0);
    a.kill("SIGTERM");
    b.kill("SIGTERM");
  }, 60_000);

  it("a stale run cannot overwrite a finished job's state, its record or send: every write is fenced by the job's lock", async () => {
    const id = `fence-${randomUUID().slice(0, 8)}`;
    const queue = new Queue(p.config.queueName, { connection: p.redis, prefix: `{${p.config.redisPrefix}}` });
    cleanupAfter(() => queue.close());
    const w = startWorkerProcess({ ...env, PIXOUT_CONCURRENCY: "1" });
    await p.producer.enqueue({
      paymentId: id,
      amount: "13.00",
      recipient: { type: "key", key: "fornecedor@example.com" },
    });
    const paid = await p.producer.waitForResult(id, { timeoutMs: 20_000 });
    expect(paid.outcome).toBe("paid");
    w.kill("SIGTERM");
    const job = await queue.getJob(`payment-${id}`);
    const data = JSON.stringify(job?.data);
    // A stale worker's writes carry a lock token the job no longer has: the fenced script refuses them.
    const { createFencedStore } = await import("../../src/queue/worker/fenced-store.js");
    const { createPaymentRecords } = await import("../../src/queue/payment-record.js");
    const records = createPaymentRecords(p.redis, p.config.redisPrefix, p.config.queueName);
    const store = createFencedStore(
      p.redis,
      p.config.redisPrefix,
      p.config.queueName,
      async (pid) => (await records.read([pid]))[0],
      400,
    );
    const claim = (job?.data as { state: { claim: string } }).state.claim;
    const pendingAgain = { outcome: "pending" as const, generation: 0, at: new Date().toISOString() };
    expect(await store.beforeSend(`payment-${id}`, id, "a-stale-token", claim, 60_000, "{}", pendingAgain)).toEqual({
      ok: false,
      why: "lost",
    });
    expect(
      await store.finish(`payment-${id}`, id, "a-stale-token", claim, "{}", { ...pendingAgain, outcome: "failed" }),
    ).toEqual({ ok: false, why: "lost" });
    expect(await store.save(`payment-${id}`, "a-stale-token", "{}")).toEqual({ ok: false, why: "lost" });
    expect(JSON.stringify((await queue.getJob(`payment-${id}`))?.data)).toBe(data);
    expect((await records.read([id]))[0]).toMatchObject({ outcome: "paid" });
  }, 40_000);
});
