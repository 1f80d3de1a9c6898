// The producer SDK and what the worker does with jobs written by other producers.
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import { createPayoutProducer, PaymentValidationError } from "../../src/queue/producer/producer.js";
import { RedisUnavailableError } from "../../src/redis/connections.js";
import { startPipeline } from "../helpers/pipeline.js";

const id = (): string => `t-${randomUUID().slice(0, 12)}`;
const payment = (paymentId: string, amount = "1.00") => ({
  paymentId,
  amount,
  recipient: { type: "key", key: "fornecedor@example.com" },
});

describe("producer", async () => {
  const p = await startPipeline();
  const { producer, emulator } = p;

  it("says when a payment was already enqueued, and whether with the same data", async () => {
    const a = id();
    expect((await producer.enqueue(payment(a))).status).toBe("accepted");
    expect(await producer.enqueue(payment(a))).toEqual({
      status: "duplicate",
      paymentId: a,
      jobId: `payment-${a}`,
      sameData: true,
    });
    expect(await producer.enqueue(payment(a, "2.00"))).toMatchObject({ status: "duplicate", sameData: false });
    // The same data written in another key order (as another language's JSON may write it) is the same payment.
    const reordered = { recipient: { key: "fornecedor@example.com", type: "key" }, amount: "1.00", paymentId: a };
    expect(await producer.enqueue(reordered)).toMatchObject({ status: "duplicate", sameData: true });
    await producer.waitForResult(a, { timeoutMs: 15_000 });
    expect(await producer.enqueue(payment(a))).toMatchObject({ status: "duplicate", sameData: true });
    const view = await producer.get(a);
    expect(view?.amount).toBe("1.00");
    expect(emulator.ledger.snapshot().executions.byIdempotencyKey[view?.idempotencyKey ?? ""]).toBe(1);
  });

  it("refuses invalid input with every field's problem, before Redis", async () => {
    const err = await producer
      .enqueue({ paymentId: "bad id", amount: "1", recipient: { type: "key" } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaymentValidationError);
    expect((err as PaymentValidationError).issues.map((i) => i.field).sort()).toEqual([
      "amount",
      "paymentId",
      "recipient.key",
    ]);
    expect(await producer.get("bad id")).toBeUndefined();
  });

  it("reads only the payment's own fields: an amount inherited through its prototype is not the payment's", async () => {
    const a = id();
    const inherited = Object.assign(Object.create({ amount: "999.00" }) as Record<string, unknown>, {
      paymentId: a,
      recipient: { type: "key", key: "fornecedor@example.com" },
    });
    const err = await producer.enqueue(inherited).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaymentValidationError);
    expect((err as PaymentValidationError).issues).toEqual([
      { field: "amount", message: expect.stringMatching(/required/) as unknown },
    ]);
    expect(await producer.get(a)).toBeUndefined();
  });

  it("enqueues in bulk, reporting each line: accepted, duplicate (also within the batch), invalid", async () => {
    const [a, b, c] = [id(), id(), id()];
    await producer.enqueue(payment(c));
    const results = await producer.enqueueMany([payment(a), { paymentId: b }, payment(a), payment(c), payment(b)]);
    expect(results.map((r) => r.status)).toEqual(["accepted", "invalid", "duplicate", "duplicate", "accepted"]);
    const invalid = results[1];
    expect(invalid?.status === "invalid" ? invalid.issues : []).toContainEqual({
      field: "amount",
      message: "is required",
    });
    for (const pid of [a, b, c])
      expect((await producer.waitForResult(pid, { timeoutMs: 15_000 })).outcome).toBe("paid");
  });

  it("fails a job written by another producer with invalid data at once, without calling the bank", async () => {
    const before = emulator.ledger.snapshot();
    const raw = new Queue(p.config.queueName, { connection: p.redis, prefix: `{${p.config.redisPrefix}}` });
    const bad = id();
    await raw.add(
      "payout",
      { paymentId: bad, amount: 10.5, recipient: { type: "key", key: "x@y.com" } },
      { jobId: `payment-${bad}` },
    );
    const wrongId = id();
    await raw.add("payout", payment(wrongId), { jobId: `other-${wrongId}` });
    await raw.close();
    const view = await producer.waitForResult(bad, { timeoutMs: 15_000 });
    expect(view).toMatchObject({ outcome: "rejected", jobState: "failed" });
    expect(view.failedReason).toBe('invalid payment data: amount: must be a string like "10.50"');
    const q = new Queue(p.config.queueName, { connection: p.redis, prefix: `{${p.config.redisPrefix}}` });
    for (let i = 0; i < 100 && (await (await q.getJob(`other-${wrongId}`))?.getState()) !== "failed"; i++)
      await new Promise((r) => setTimeout(r, 50));
    const other = await q.getJob(`other-${wrongId}`);
    expect(other?.failedReason).toMatch(/jobId: must be "payment-/);
    await q.close();
    const after = emulator.ledger.snapshot();
    expect(after.requests["POST /banking/v2/pix"]?.total ?? 0).toBe(
      before.requests["POST /banking/v2/pix"]?.total ?? 0,
    );
  });

  it("fails fast, with a clear error, when Redis is down", async () => {
    const down = createPayoutProducer({ connection: "redis://127.0.0.1:1" });
    const started = Date.now();
    const err = await down.enqueue(payment(id())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisUnavailableError);
    expect((err as Error).message).toBe("Redis does not answer at redis://127.0.0.1:1; start it, or set REDIS_URL");
    expect(Date.now() - started).toBeLessThan(10_000);
    await down.close();
  });
});
