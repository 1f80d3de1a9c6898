// End to end: producer SDK → Redis → worker → emulator over mTLS → result on the job.
import { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import type { PaymentValidationError } from "../../src/queue/producer/producer.js";
import { createPayoutProducer } from "../../src/queue/producer/producer.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { startPipeline, redisUrlOf } from "../helpers/pipeline.js";

describe("payout pipeline", () => {
  it("pays a payment by Pix key and writes the result back to the job", async () => {
    const { producer, emulator } = await startPipeline();
    const accepted = await producer.enqueue({
      paymentId: "inv-1001",
      amount: "10.50",
      description: "Reembolso 1001",
      recipient: { type: "key", key: "fornecedor@example.com" },
    });
    expect(accepted).toEqual({ status: "accepted", paymentId: "inv-1001", jobId: "payment-inv-1001" });
    const view = await producer.waitForResult("inv-1001", { timeoutMs: 15_000 });
    expect(view).toMatchObject({
      paymentId: "inv-1001",
      outcome: "paid",
      jobState: "completed",
      bankStatus: "PAGO",
      amount: "10.50",
      failedReason: null,
    });
    expect(view.codigoSolicitacao).toMatch(/^[0-9a-f-]{36}$/);
    expect(view.endToEndId).toMatch(/^E00416968/);
    expect(view.result).toMatchObject({
      outcome: "paid",
      amount: "10.50",
      idempotencyKey: view.idempotencyKey,
      generation: 0,
    });
    expect(view.result?.history.map((h) => h.status)).toContain("PIX_PAGO");
    const paid = emulator.payment(view.codigoSolicitacao ?? "");
    expect(paid).toMatchObject({ amountCents: 1050, idempotencyKey: view.idempotencyKey, status: "PAGO" });
    expect(emulator.ledger.snapshot().executions.total).toBe(1);
  });
});

describe("the per-payment maximum (PIXOUT_MAX_AMOUNT)", () => {
  it("is the producer's and the worker's: a larger amount written anyway never reaches the bank", async () => {
    const { config, emulator } = await startPipeline({ env: { PIXOUT_MAX_AMOUNT: "100.00" } });
    const producer = createPayoutProducer({
      connection: redisUrlOf(config),
      queueName: config.queueName,
      redisPrefix: config.redisPrefix,
      maxAmountCents: config.maxAmountCents,
    });
    cleanupAfter(() => producer.close());
    const big = {
      paymentId: "max-1",
      amount: "100.01",
      recipient: { type: "key" as const, key: "fornecedor@example.com" },
    };
    const refused = await producer.enqueue(big).catch((e: unknown) => e);
    expect((refused as PaymentValidationError).issues).toEqual([
      { field: "amount", message: expect.stringMatching(/at most 100.00 .*PIXOUT_MAX_AMOUNT/) as unknown },
    ]);
    // Another language's producer writes it anyway.
    const queue = new Queue(config.queueName, {
      connection: { url: redisUrlOf(config) },
      prefix: `{${config.redisPrefix}}`,
    });
    await queue.add("payout", big, { jobId: "payment-max-1" });
    await queue.close();
    const view = await producer.waitForResult("max-1", { timeoutMs: 15_000 });
    expect(view.outcome).toBe("rejected");
    expect(view.failedReason).toMatch(/amount: must be at most 100.00/);
    expect(emulator.ledger.snapshot().requests["POST /banking/v2/pix"]?.total ?? 0).toBe(0);
  });
});
