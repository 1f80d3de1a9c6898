// End to end: producer SDK → Redis → worker → emulator over mTLS → result on the job.
import { describe, expect, it } from "vitest";
import { startPipeline } from "../helpers/pipeline.js";

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
    expect(view.result).toMatchObject({ outcome: "paid", amount: "10.50", idempotencyKey: view.idempotencyKey, generation: 0 });
    expect(view.result?.history.map((h) => h.status)).toContain("PIX_PAGO");
    const paid = emulator.payment(view.codigoSolicitacao ?? "");
    expect(paid).toMatchObject({ amountCents: 1050, idempotencyKey: view.idempotencyKey, status: "PAGO" });
    expect(emulator.ledger.snapshot().executions.total).toBe(1);
  });
});
