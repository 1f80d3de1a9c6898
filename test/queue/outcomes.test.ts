// Every outcome of a payment, end to end through the real worker and the emulator.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildBrCode } from "../../src/payments/brcode.js";
import { bankIdempotencyKey } from "../../src/payments/idempotency.js";
import { saoPauloToday, shiftIsoDate } from "../../src/payments/calendar.js";
import { startPipeline } from "../helpers/pipeline.js";

const key = (id: string, extra: Record<string, unknown> = {}) => ({
  paymentId: id,
  amount: "10.50",
  recipient: { type: "key", key: "fornecedor@example.com" },
  ...extra,
});
const bank = {
  type: "bank",
  ispb: "00416968",
  branch: "0001",
  account: "1234567",
  accountType: "CONTA_CORRENTE",
  document: "12345678909",
  name: "Maria Silva",
};
const id = (): string => `t-${randomUUID().slice(0, 12)}`;

describe("payment outcomes", async () => {
  const p = await startPipeline({
    emulator: { balanceCents: 100_000_00, approval: { autoDecision: "none" } },
    env: {
      PIXOUT_APPROVAL_POLL_MS: "100",
      PIXOUT_APPROVAL_DEADLINE_MINUTES: "0.05",
      PIXOUT_ON_INSUFFICIENT_BALANCE: "fail",
    },
  });
  const { producer, emulator } = p;

  it("paid: bank data and BR Code recipients too", async () => {
    const a = id();
    const b = id();
    await producer.enqueue({ paymentId: a, amount: "99.90", recipient: bank });
    await producer.enqueue({
      paymentId: b,
      amount: "5.00",
      recipient: {
        type: "brcode",
        code: buildBrCode({ key: "fornecedor@example.com", amountCents: 500, name: "Loja", city: "SAO PAULO" }),
      },
    });
    expect((await producer.waitForResult(a, { timeoutMs: 15_000 })).outcome).toBe("paid");
    expect((await producer.waitForResult(b, { timeoutMs: 15_000 })).outcome).toBe("paid");
  });

  it("a 503 (Inter's 'not now') waits and sends again under the same key; a 200 without tipoRetorno is followed", async () => {
    const down = id();
    const before = emulator.ledger.snapshot().requests["POST /banking/v2/pix"]?.byStatus["503"] ?? 0;
    emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: down,
      times: 2,
      fault: { type: "status", status: 503 },
    });
    await producer.enqueue(key(down, { description: down }));
    const view = await producer.waitForResult(down, { timeoutMs: 20_000 });
    expect(view.outcome).toBe("paid");
    expect(emulator.ledger.snapshot().executions.byIdempotencyKey[view.idempotencyKey ?? ""]).toBe(1);
    expect((emulator.ledger.snapshot().requests["POST /banking/v2/pix"]?.byStatus["503"] ?? 0) - before).toBe(2);

    const bare = id();
    emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: bare,
      times: 1,
      fault: { type: "rewrite", omit: ["tipoRetorno"] },
    });
    await producer.enqueue(key(bare, { description: bare }));
    expect((await producer.waitForResult(bare, { timeoutMs: 15_000 })).outcome).toBe("paid");
    emulator.faults.clear();
  });

  it("rejected by the bank's validation: final, with the bank's reason, nothing paid", async () => {
    const r = id();
    // The DICT's e-mail format allows a domain without a dot; the bank (the emulator) refuses it.
    await producer.enqueue(key(r, { recipient: { type: "key", key: "fornecedor@example" } }));
    const view = await producer.waitForResult(r, { timeoutMs: 15_000 });
    expect(view).toMatchObject({ outcome: "rejected", jobState: "failed", codigoSolicitacao: null });
    expect(view.failedReason).toMatch(/rejected by the bank \(HTTP 400/);
    expect(view.failedReason).not.toContain("fornecedor@example");
  });

  it("failed for insufficient balance: the bank's status and error codes stay on the job", async () => {
    const f = id();
    await producer.enqueue(key(f, { amount: "200000.00" }));
    const view = await producer.waitForResult(f, { timeoutMs: 15_000 });
    expect(view).toMatchObject({ outcome: "failed", bankStatus: "CANCELADO_SEM_SALDO", jobState: "failed" });
    expect(view.failedReason).toMatch(/^the bank ended the payment CANCELADO_SEM_SALDO/);
  });

  it("a final status whose error text names a person: masked in the job, its reason, its status and the logs", async () => {
    const f = id();
    const said = "Conta encerrada de Maria Silva CPF 12345678909, fornecedor@example.com";
    emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: f,
      times: 1,
      fault: { type: "final-status", status: "FALHA", erros: [{ codigoErro: "X9", descricaoErro: said }] },
    });
    await producer.enqueue(key(f, { description: f }));
    const view = await producer.waitForResult(f, { timeoutMs: 15_000 });
    emulator.faults.clear();
    expect(view).toMatchObject({ outcome: "failed", bankStatus: "FALHA" });
    expect(view.failedReason).toMatch(/X9 Conta encerrada de M\*\*\* S\*\*\* CPF \*\*\*\.456\.789-\*\*/);
    const everywhere = JSON.stringify(view) + p.lines.join("\n");
    for (const raw of ["Maria Silva", "12345678909", "fornecedor@example.com"]) expect(everywhere).not.toContain(raw);
  });

  it("approval: approved → paid; rejected by the approver → failed; never decided → needs-reconciliation", async () => {
    emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: "aprovar",
      fault: { type: "approval-required" },
    });
    const [yes, no, never] = [id(), id(), id()];
    for (const pid of [yes, no, never]) await producer.enqueue(key(pid, { description: "aprovar" }));
    const codigo = async (pid: string): Promise<string> => {
      for (;;) {
        const v = await producer.get(pid);
        if (v?.bankStatus === "AGUARDANDO_APROVACAO" && v.codigoSolicitacao) return v.codigoSolicitacao;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    emulator.approve(await codigo(yes));
    emulator.reject(await codigo(no));
    expect((await producer.waitForResult(yes, { timeoutMs: 15_000 })).outcome).toBe("paid");
    expect(await producer.waitForResult(no, { timeoutMs: 15_000 })).toMatchObject({
      outcome: "failed",
      bankStatus: "REPROVADO",
    });
    const parked = await producer.waitForResult(never, { timeoutMs: 15_000 });
    expect(parked).toMatchObject({
      outcome: "needs-reconciliation",
      jobState: "completed",
      bankStatus: "AGUARDANDO_APROVACAO",
    });
    expect(parked.reason).toMatch(/still waiting for approval/);
    emulator.faults.clear();
  });

  it("scheduled: accepted as AGENDADO and left pending until its day", async () => {
    const s = id();
    await producer.enqueue(key(s, { scheduledFor: shiftIsoDate(saoPauloToday(Date.now()), 365) }));
    for (let i = 0; i < 100; i++) {
      const v = await producer.get(s);
      if (v?.bankStatus === "AGENDADO") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const view = await producer.get(s);
    expect(view).toMatchObject({ outcome: "pending", bankStatus: "AGENDADO", jobState: "delayed" });
  });

  it("an ambiguous send (connection reset after executing) is resent with the same key and paid once", async () => {
    const a = id();
    emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: a,
      times: 1,
      fault: { type: "reset-after" },
    });
    await producer.enqueue(key(a, { description: a }));
    const view = await producer.waitForResult(a, { timeoutMs: 20_000 });
    expect(view.outcome).toBe("paid");
    expect(emulator.ledger.snapshot().executions.byIdempotencyKey[view.idempotencyKey ?? ""]).toBe(1);
    emulator.faults.clear();
  });

  it("a payment enqueued again by a foreign producer after its job was removed is never sent again: a duplicate with the original outcome", async () => {
    const c = id();
    await producer.enqueue(key(c));
    const first = await producer.waitForResult(c, { timeoutMs: 15_000 });
    expect(first.outcome).toBe("paid");
    // The job is removed (say, by retention) and the same paymentId comes back with another amount.
    const queue = (await import("bullmq")).Queue;
    const q = new queue(p.config.queueName, { connection: p.redis, prefix: `{${p.config.redisPrefix}}` });
    await (await q.getJob(first.jobId))?.remove();
    // The SDK still refuses it: the payment's long-lived record outlives its job.
    expect(await producer.enqueue(key(c, { amount: "11.00" }))).toMatchObject({
      status: "duplicate",
      sameData: false,
      outcome: "paid",
    });
    // A producer in another language writes it anyway: the worker reads the record first and sends nothing.
    const sendsBefore = emulator.ledger.snapshot().requests["POST /banking/v2/pix"]?.total ?? 0;
    await q.add("payout", key(c, { amount: "11.00" }), { jobId: first.jobId });
    await q.close();
    const again = await producer.waitForResult(c, { timeoutMs: 15_000 });
    expect(again).toMatchObject({ outcome: "paid", codigoSolicitacao: first.codigoSolicitacao, jobState: "completed" });
    expect(again.result?.reason ?? again.reason ?? "").toBe("");
    expect(emulator.ledger.snapshot().requests["POST /banking/v2/pix"]?.total ?? 0).toBe(sendsBefore);
    expect(emulator.ledger.snapshot().executions.byIdempotencyKey[first.idempotencyKey ?? ""]).toBe(1);
  });

  it("the bank knows the key with other content (409): needs-reconciliation, no new key", async () => {
    const c = id();
    emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: c,
      times: 1,
      fault: { type: "status", status: 409 },
    });
    await producer.enqueue(key(c, { description: c }));
    const view = await producer.waitForResult(c, { timeoutMs: 15_000 });
    expect(view).toMatchObject({ outcome: "needs-reconciliation", idempotencyKey: bankIdempotencyKey(c, 0) });
    expect(view.reason).toMatch(/idempotency key with other content/);
    emulator.faults.clear();
  });

  it("a raw job carrying a state (another payment's codigoSolicitacao, step poll) is refused: nothing sent, never paid", async () => {
    const other = id();
    await producer.enqueue(key(other));
    const paid = await producer.waitForResult(other, { timeoutMs: 15_000 });
    const forged = id();
    const queue = (await import("bullmq")).Queue;
    const q = new queue(p.config.queueName, { connection: p.redis, prefix: `{${p.config.redisPrefix}}` });
    const sendsBefore = emulator.ledger.snapshot().requests["POST /banking/v2/pix"]?.total ?? 0;
    const state = {
      step: "poll",
      generation: 0,
      attempts: 0,
      maybeExecuted: true,
      polls: 0,
      codigoSolicitacao: paid.codigoSolicitacao,
    };
    await q.add(
      "payout",
      { ...key(forged, { amount: "999.00" }), state, audit: [{ actor: "someone", action: "retry" }] },
      { jobId: `payment-${forged}` },
    );
    await q.close();
    const view = await producer.waitForResult(forged, { timeoutMs: 15_000 });
    expect(view).toMatchObject({ outcome: "rejected", jobState: "failed", codigoSolicitacao: null, audit: [] });
    expect(view.failedReason).toMatch(/carries a `state` or an `audit`, which only pixout writes/);
    expect(emulator.ledger.snapshot().requests["POST /banking/v2/pix"]?.total ?? 0).toBe(sendsBefore);
    // An operator's retry does not bring the forged state back: the payment is followed from scratch, and paid once.
    expect(await producer.retry(forged, { actor: "ops", reason: "fixed the producer" })).toMatchObject({
      status: "retried",
      newKey: false,
    });
    const retried = await producer.waitForResult(forged, { timeoutMs: 15_000 });
    expect(retried).toMatchObject({ outcome: "paid" });
    expect(retried.codigoSolicitacao).not.toBe(paid.codigoSolicitacao);
    expect(emulator.payment(retried.codigoSolicitacao ?? "")?.amountCents).toBe(99_900);
  });

  it("a status answer about another amount or key is never paid: parked with what disagrees", async () => {
    const odd = id();
    emulator.faults.add({
      method: "GET",
      path: "/banking/v2/pix/*",
      fault: { type: "rewrite", field: "transacaoPix.valor", value: 999 },
    });
    await producer.enqueue(key(odd));
    const view = await producer.waitForResult(odd, { timeoutMs: 15_000 });
    emulator.faults.clear();
    expect(view).toMatchObject({ outcome: "needs-reconciliation" });
    expect(view.reason).toMatch(/the bank's status answer is about another payment \(valor 999\.00, not 10\.50\)/);
    const keyed = id();
    emulator.faults.add({
      method: "GET",
      path: "/banking/v2/pix/*",
      fault: { type: "rewrite", field: "transacaoPix.chave", value: "outra.pessoa@example.com" },
    });
    await producer.enqueue(key(keyed));
    const other = await producer.waitForResult(keyed, { timeoutMs: 15_000 });
    emulator.faults.clear();
    expect(other.outcome).toBe("needs-reconciliation");
    expect(other.reason).toMatch(/another Pix key/);
  });
});
