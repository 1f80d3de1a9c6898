// A backlog beyond the send budget's reservation horizon (15 minutes of sends): once a run of the worker finds
// the horizon full, payments that never ran go back to sleep before anything of them is read, claimed or
// written (src/queue/worker/intake.ts) — one BullMQ move each instead of a full run.
import { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import { bullPrefix, jobIdFor } from "../../src/queue/names.js";
import { paymentRecordKey } from "../../src/queue/payment-record.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { startPipeline } from "../helpers/pipeline.js";
import { until } from "../helpers/until.js";

describe("a backlog beyond the send budget's horizon", () => {
  it("puts payments that never ran back to sleep untouched once the horizon is found full; one send, nothing failed", async () => {
    // One send a minute: the 15-minute horizon holds 15 reservations; 40 payments leave 25 beyond it.
    const p = await startPipeline({ env: { PIXOUT_SEND_PER_MINUTE: "1", PIXOUT_CONCURRENCY: "4" } });
    const queue = new Queue(p.config.queueName, { connection: p.redis, prefix: bullPrefix(p.config.redisPrefix) });
    cleanupAfter(() => queue.close());
    const ids = Array.from({ length: 40 }, (_, i) => `intake-${String(i)}`);
    await p.producer.enqueueMany(
      ids.map((paymentId) => ({
        paymentId,
        amount: "1.00",
        recipient: { type: "key" as const, key: "f@example.com" },
      })),
    );
    await until("every payment paid or asleep", async () => {
      const c = await queue.getJobCounts("completed", "delayed", "failed", "wait", "active");
      return c["completed"] === 1 && c["delayed"] === 39 ? c : undefined;
    });
    const untouched: string[] = [];
    for (const id of ids) {
      const job = await queue.getJob(jobIdFor(id));
      const state = (job?.data as { state?: unknown } | undefined)?.state;
      const record = await p.redis.exists(paymentRecordKey(p.config.redisPrefix, p.config.queueName, id));
      if (state === undefined && record === 0) untouched.push(id);
      // A payment with a record has its state written, and the other way round: never one without the other.
      expect(state === undefined).toBe(record === 0);
    }
    // 15 reserved their slot (one of them sent at once), one more found the horizon full: the rest slept untouched.
    expect(untouched.length).toBeGreaterThanOrEqual(20);
    expect(p.emulator.ledger.snapshot().executions.total).toBe(1);
    expect((await queue.getJobCounts("failed"))["failed"]).toBe(0);
  }, 60_000);
});
