// A status query due soon while the bank settles a payment is waited for in the run's slot (conclude.ts),
// not in Redis' delayed set — when few of the worker's slots already wait so — and a longer wait still
// goes to Redis. BullMQ counts each activation of a job (attemptsStarted): one run sends and follows the
// payment to its end; a wait in Redis makes it two.
import { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import { INLINE_WAIT_MAX_MS } from "../../src/queue/worker/conclude.js";
import { bullPrefix, jobIdFor } from "../../src/queue/names.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { startPipeline, type TestPipeline } from "../helpers/pipeline.js";

const payment = (paymentId: string) => ({
  paymentId,
  amount: "1.00",
  recipient: { type: "key" as const, key: "fornecedor@example.com" },
});

async function activations(p: TestPipeline, paymentId: string): Promise<number> {
  const queue = new Queue(p.config.queueName, { connection: p.redis, prefix: bullPrefix(p.config.redisPrefix) });
  cleanupAfter(() => queue.close());
  const job = await queue.getJob(jobIdFor(paymentId));
  if (!job) throw new Error(`no job for ${paymentId}`);
  return job.attemptsStarted;
}

describe("waiting for the bank's settlement in the slot", () => {
  it("sends and follows a payment to PAGO in one run when its status queries are due soon", async () => {
    const p = await startPipeline({ env: { PIXOUT_CONCURRENCY: "8" } });
    await p.producer.enqueue(payment("inline-1"));
    const view = await p.producer.waitForResult("inline-1", { timeoutMs: 15_000 });
    expect(view.outcome).toBe("paid");
    expect(await activations(p, "inline-1")).toBe(1);
    // The states a crash could have left are the ones a wait in Redis leaves: queried, then paid.
    expect(view.result?.history.map((h) => h.status)).toContain("PIX_PAGO");
    expect(p.emulator.ledger.snapshot().executions.total).toBe(1);
  });

  it("waits in Redis for a status query due later than INLINE_WAIT_MAX_MS", async () => {
    const p = await startPipeline({ env: { PIXOUT_FIRST_POLL_MS: String(INLINE_WAIT_MAX_MS + 300) } });
    await p.producer.enqueue(payment("later-1"));
    expect((await p.producer.waitForResult("later-1", { timeoutMs: 15_000 })).outcome).toBe("paid");
    expect(await activations(p, "later-1")).toBe(2);
  });

  it("lets a quarter of the slots wait so: the other payments sent meanwhile wait in Redis, each paid once", async () => {
    // Four slots: one may wait in it; the bank settles only after the first query's time.
    const p = await startPipeline({
      emulator: { timing: { sentAfterMs: 0, paidAfterMs: 300 } },
      env: { PIXOUT_CONCURRENCY: "4", PIXOUT_FIRST_POLL_MS: "600" },
    });
    const ids = Array.from({ length: 6 }, (_, i) => `quarter-${String(i)}`);
    await p.producer.enqueueMany(ids.map(payment));
    for (const id of ids) expect((await p.producer.waitForResult(id, { timeoutMs: 20_000 })).outcome).toBe("paid");
    const runs = await Promise.all(ids.map((id) => activations(p, id)));
    expect(runs.filter((n) => n === 1).length).toBeGreaterThanOrEqual(1);
    expect(runs.filter((n) => n === 2).length).toBeGreaterThanOrEqual(3);
    expect(p.emulator.ledger.snapshot().executions).toMatchObject({ total: 6, keysExecutedMoreThanOnce: 0 });
  });
});
