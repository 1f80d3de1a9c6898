// Runs of a payout job outside pixout's own rules — a job moved back by plain BullMQ after it ended, a job
// of an older pixout (no claims), another job for a payment with a record — and a bank whose free text
// reads like a Redis error: none of them sends a payment again or changes an outcome the record holds.
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import { bankIdempotencyKey } from "../../src/payments/idempotency.js";
import { pixOrderFor } from "../../src/payments/pix-order.js";
import type { Payment } from "../../src/payments/payment.js";
import { createPaymentRecords } from "../../src/queue/payment-record.js";
import { bankFor } from "../helpers/bank.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { startPipeline, type TestPipeline } from "../helpers/pipeline.js";

const payment = (id: string, extra: Record<string, unknown> = {}) => ({
  paymentId: id,
  amount: "10.50",
  description: id,
  recipient: { type: "key", key: "fornecedor@example.com" },
  ...extra,
});
const id = (): string => `r-${randomUUID().slice(0, 12)}`;
const SEND = "POST /banking/v2/pix";
const STATUS = "GET /banking/v2/pix/{id}";

function rawQueue(p: TestPipeline): Queue {
  const q = new Queue(p.config.queueName, { connection: p.redis, prefix: `{${p.config.redisPrefix}}` });
  cleanupAfter(() => q.close());
  return q;
}

const sends = (p: TestPipeline): number => p.emulator.ledger.snapshot().requests[SEND]?.total ?? 0;

/** Adds a job as an older pixout left it: its state without a claim, already run once (BullMQ's `ats`). */
async function legacyJob(p: TestPipeline, q: Queue, data: Record<string, unknown>, paymentId: string): Promise<void> {
  await q.add("payout", data, { jobId: `payment-${paymentId}`, delay: 60_000 });
  await p.redis.hset(`{${p.config.redisPrefix}}:${p.config.queueName}:payment-${paymentId}`, "ats", "1");
  await (await q.getJob(`payment-${paymentId}`))?.promote();
}

describe("runs outside pixout's rules", async () => {
  const p = await startPipeline({ emulator: { balanceCents: 100_000_00 } });
  const { producer, emulator } = p;

  it("a bank's failure text quoting READONLY or ECONNREFUSED ends the payment failed, once: not taken for Redis's error", async () => {
    const a = id();
    emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: a,
      times: 1,
      fault: {
        type: "final-status",
        status: "FALHA",
        erros: [{ codigoErro: "X1", descricaoErro: "READONLY ECONNREFUSED Connection is closed" }],
      },
    });
    await producer.enqueue(payment(a));
    const view = await producer.waitForResult(a, { timeoutMs: 15_000 });
    expect(view).toMatchObject({ outcome: "failed", jobState: "failed" });
    const queries = p.emulator.ledger.snapshot().requests[STATUS]?.total ?? 0;
    await new Promise((r) => setTimeout(r, 1_500));
    // Not moved back to delayed and asked again and again.
    expect(p.emulator.ledger.snapshot().requests[STATUS]?.total ?? 0).toBe(queries);
    expect((await producer.get(a))?.jobState).toBe("failed");
    expect(p.lines.join("\n")).not.toMatch(/Redis failed under a payout step/);
  });

  it("a rejected payment moved back by plain BullMQ is concluded again as rejected: never sent a second time", async () => {
    const a = id();
    emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: a,
      times: 1,
      fault: { type: "status", status: 400 },
    });
    await producer.enqueue(payment(a));
    const first = await producer.waitForResult(a, { timeoutMs: 15_000 });
    expect(first.outcome).toBe("rejected");
    const before = sends(p);
    // Not `pixout retry` (which would reopen it under its rules): BullMQ's own retry of the failed job.
    await (await rawQueue(p).getJob(`payment-${a}`))?.retry("failed");
    for (let i = 0; i < 100 && (await producer.get(a))?.jobState !== "failed"; i++)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    expect(await producer.get(a)).toMatchObject({ outcome: "rejected", jobState: "failed" });
    expect(sends(p)).toBe(before);
    expect(p.lines.join("\n")).toMatch(/outcome was written by an earlier run; concluding it again/);
  });

  it("an older pixout's waiting job (its state, no claim, no record yet) is adopted and paid once", async () => {
    const a = id();
    const q = rawQueue(p);
    const state = {
      step: "submit",
      generation: 0,
      attempts: 1,
      maybeExecuted: false,
      polls: 0,
      lastError: { code: "INTER_TIMEOUT", message: "x", at: 1 },
    };
    await legacyJob(p, q, { ...payment(a), state }, a);
    const view = await producer.waitForResult(a, { timeoutMs: 15_000 });
    expect(view.outcome).toBe("paid");
    expect(emulator.ledger.snapshot().executions.byIdempotencyKey[bankIdempotencyKey(a, 0)]).toBe(1);
  });

  it("an older pixout's job in flight (its record of the send, without a claim) is adopted with its state: followed, not sent again", async () => {
    const a = id();
    const q = rawQueue(p);
    // The older worker sent it, recorded it, and stopped before its next step.
    const bank = bankFor(emulator);
    const sent = await bank.client.sendPix(pixOrderFor(payment(a) as Payment, null), bankIdempotencyKey(a, 0));
    await createPaymentRecords(p.redis, p.config.redisPrefix, p.config.queueName).write(a, {
      outcome: "pending",
      generation: 0,
      codigoSolicitacao: sent.codigoSolicitacao,
      finishedAt: new Date().toISOString(),
    });
    const before = sends(p);
    const state = {
      step: "poll",
      generation: 0,
      attempts: 0,
      maybeExecuted: true,
      polls: 0,
      codigoSolicitacao: sent.codigoSolicitacao,
      submittedAt: Date.now(),
    };
    await legacyJob(p, q, { ...payment(a), state }, a);
    const view = await producer.waitForResult(a, { timeoutMs: 15_000 });
    expect(view).toMatchObject({ outcome: "paid", codigoSolicitacao: sent.codigoSolicitacao });
    expect(sends(p)).toBe(before);
  });

  it("an older pixout's job whose record says another outcome keeps the record's word, and sends nothing", async () => {
    const a = id();
    const q = rawQueue(p);
    await createPaymentRecords(p.redis, p.config.redisPrefix, p.config.queueName).write(a, {
      outcome: "needs-reconciliation",
      generation: 0,
      codigoSolicitacao: "c-parked",
      finishedAt: new Date().toISOString(),
    });
    const before = sends(p);
    // Its state says "send it" (or a producer made it up): the record knows better.
    await legacyJob(
      p,
      q,
      { ...payment(a), state: { step: "submit", generation: 0, attempts: 0, maybeExecuted: false, polls: 0 } },
      a,
    );
    const view = await producer.waitForResult(a, { timeoutMs: 15_000 });
    expect(view).toMatchObject({ outcome: "needs-reconciliation", codigoSolicitacao: "c-parked" });
    expect(sends(p)).toBe(before);
  });

  it("another job of a paid payment with data that does not even parse is the paid duplicate, not 'rejected'", async () => {
    const a = id();
    await producer.enqueue(payment(a));
    const first = await producer.waitForResult(a, { timeoutMs: 15_000 });
    expect(first.outcome).toBe("paid");
    const q = rawQueue(p);
    await (await q.getJob(`payment-${a}`))?.remove();
    await q.add(
      "payout",
      { paymentId: a, amount: "not money", recipient: { type: "key" }, callbackUrl: "https://attacker.example/hook" },
      { jobId: `payment-${a}` },
    );
    for (let i = 0; i < 100 && (await producer.get(a))?.jobState !== "completed"; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await producer.get(a)).toMatchObject({
      outcome: "paid",
      codigoSolicitacao: first.codigoSolicitacao,
      jobState: "completed",
    });
  });
});

describe("a send that waits for a connection", () => {
  it("is stopped unwritten when it would leave later than SEND_BOUND_MS after its lock step, then paid once", async () => {
    // One connection to the bank, held 6 s by a slow payment's first status query; a lock of 3 s makes the
    // bound a second. A send queued behind that query is handed the socket too late: it must not leave.
    const p = await startPipeline({
      emulator: {
        faults: [{ method: "GET", path: "/banking/v2/pix/*", times: 1, fault: { type: "latency", ms: 6_000 } }],
      },
      env: { INTER_MAX_CONNECTIONS: "1", PIXOUT_LOCK_DURATION_MS: "3000", PIXOUT_CONCURRENCY: "4" },
    });
    const slow = id();
    await p.producer.enqueue(payment(slow));
    // The query has reached the bank (the fault fired) and holds the only connection.
    for (let i = 0; i < 200 && (p.emulator.ledger.snapshot().faults["latency"] ?? 0) === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    const late = id();
    await p.producer.enqueue(payment(late));
    const view = await p.producer.waitForResult(late, { timeoutMs: 40_000 });
    expect(view.outcome).toBe("paid");
    expect(p.emulator.ledger.snapshot().executions.byIdempotencyKey[bankIdempotencyKey(late, 0)]).toBe(1);
    expect(p.lines.join("\n")).toMatch(/nothing was sent: not sent: it would have left \d+ ms after its deadline/);
    expect((await p.producer.waitForResult(slow, { timeoutMs: 20_000 })).outcome).toBe("paid");
  }, 60_000);
});
