// Operators' retries through the SDK and `pixout retry`, against the real worker and emulator.
import { describe, expect, it } from "vitest";
import { auditStreamKey } from "../../src/queue/retry.js";
import { runCli } from "../helpers/cli.js";
import { startPipeline } from "../helpers/pipeline.js";

const payment = (paymentId: string, amount = "10.50") => ({ paymentId, amount, recipient: { type: "key", key: "fornecedor@example.com" } });

describe("retry", async () => {
  const p = await startPipeline({
    emulator: { balanceCents: 100_000, approval: { autoDecision: "none" } },
    env: { PIXOUT_APPROVAL_POLL_MS: "100", PIXOUT_APPROVAL_DEADLINE_MINUTES: "0.02" },
  });
  const { producer, emulator } = p;
  const actor = { actor: "ana.operadora", reason: "test" };

  it("refuses to retry a paid payment", async () => {
    await producer.enqueue(payment("r-paid"));
    expect((await producer.waitForResult("r-paid", { timeoutMs: 15_000 })).outcome).toBe("paid");
    expect(await producer.retry("r-paid", actor)).toMatchObject({ status: "refused", why: "a paid payment can never be retried" });
    expect(await producer.retry("r-paid", { ...actor, newAttempt: true })).toMatchObject({ status: "refused" });
    expect(await producer.retry("nope", actor)).toEqual({ paymentId: "nope", status: "not-found" });
  });

  it("pays again after insufficient balance only with a new attempt, under a new key, audited", async () => {
    await producer.enqueue(payment("r-broke", "2000.00"));
    const failed = await producer.waitForResult("r-broke", { timeoutMs: 15_000 });
    expect(failed).toMatchObject({ outcome: "failed", bankStatus: "CANCELADO_SEM_SALDO" });
    expect(await producer.retry("r-broke", actor)).toMatchObject({ status: "refused" });
    emulator.setBalance(1_000_000);
    const retried = await producer.retry("r-broke", { ...actor, newAttempt: true, reason: "balance topped up" });
    expect(retried).toMatchObject({ status: "retried", newKey: true, generation: 1, previousOutcome: "failed" });
    const paid = await producer.waitForResult("r-broke", { timeoutMs: 15_000 });
    expect(paid).toMatchObject({ outcome: "paid", generation: 1 });
    expect(paid.idempotencyKey).not.toBe(failed.idempotencyKey);
    expect(paid.audit).toEqual([
      expect.objectContaining({ actor: "ana.operadora", action: "retry", reason: "balance topped up", previousOutcome: "failed", previousBankStatus: "CANCELADO_SEM_SALDO", generation: 1, newKey: true }),
    ]);
    const ledger = emulator.ledger.snapshot().executions.byIdempotencyKey;
    expect([ledger[failed.idempotencyKey ?? ""], ledger[paid.idempotencyKey ?? ""]]).toEqual([1, 1]);
    const stream = await p.redis.xrange(auditStreamKey(p.config.redisPrefix), "-", "+");
    expect(stream.map(([, fields]) => fields[1])).toContain("r-broke");
  });

  it("follows a parked payment again with the same key, never a new one", async () => {
    emulator.faults.add({ method: "POST", path: "/banking/v2/pix", bodyIncludes: "approval", fault: { type: "approval-required" } });
    await producer.enqueue({ ...payment("r-parked"), description: "approval" });
    const parked = await producer.waitForResult("r-parked", { timeoutMs: 15_000 });
    expect(parked).toMatchObject({ outcome: "needs-reconciliation", bankStatus: "AGUARDANDO_APROVACAO" });
    expect(await producer.retry("r-parked", { ...actor, newAttempt: true })).toMatchObject({ status: "refused" });
    expect(await producer.retry("r-parked", actor)).toMatchObject({ status: "retried", newKey: false, generation: 0 });
    emulator.approve(parked.codigoSolicitacao ?? "");
    const paid = await producer.waitForResult("r-parked", { timeoutMs: 15_000 });
    expect(paid).toMatchObject({ outcome: "paid", codigoSolicitacao: parked.codigoSolicitacao, idempotencyKey: parked.idempotencyKey });
    expect(emulator.ledger.snapshot().executions.byIdempotencyKey[parked.idempotencyKey ?? ""]).toBe(1);
    emulator.faults.clear();
  });

  it("`pixout retry --failed --dry-run` says what it would do; `pixout retry ID` does it", async () => {
    emulator.setBalance(100);
    await producer.enqueue(payment("r-cli", "50.00"));
    expect((await producer.waitForResult("r-cli", { timeoutMs: 15_000 })).outcome).toBe("failed");
    const env = { ...p.env, LOG_LEVEL: "warn" };
    const dry = await runCli(["retry", "--failed", "--dry-run", "--new-attempt"], { env });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/r-cli: would retry \(was failed\) with a NEW bank key/);
    expect(dry.stdout).toMatch(/failed payment\(s\): \d+ would be retried/);
    expect((await producer.get("r-cli"))?.outcome).toBe("failed");
    const refused = await runCli(["retry", "r-cli"], { env });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/not retried: the bank ended it CANCELADO_SEM_SALDO/);
    emulator.setBalance(1_000_000);
    const done = await runCli(["retry", "r-cli", "--new-attempt", "--actor", "bruno", "--reason", "saldo"], { env });
    expect(done.code).toBe(0);
    expect((await producer.waitForResult("r-cli", { timeoutMs: 15_000 })).audit).toEqual([expect.objectContaining({ actor: "bruno", reason: "saldo" })]);
    expect((await runCli(["retry"], { env })).code).toBe(2);
  });
});
