// Operators' retries through the SDK and `pixout retry`, against the real worker and emulator.
import { describe, expect, it } from "vitest";
import { auditStreamKey } from "../../src/queue/producer/retry.js";
import { runCli } from "../helpers/cli.js";
import { startPipeline } from "../helpers/pipeline.js";

const payment = (paymentId: string, amount = "10.50") => ({
  paymentId,
  amount,
  recipient: { type: "key", key: "fornecedor@example.com" },
});

describe("retry", async () => {
  const p = await startPipeline({
    emulator: { balanceCents: 100_000, approval: { autoDecision: "none" } },
    env: {
      PIXOUT_APPROVAL_POLL_MS: "100",
      PIXOUT_APPROVAL_DEADLINE_MINUTES: "0.02",
      PIXOUT_ON_INSUFFICIENT_BALANCE: "fail",
    },
  });
  const { producer, emulator } = p;
  const actor = { actor: "ana.operadora", reason: "test" };

  it("refuses to retry a paid payment", async () => {
    await producer.enqueue(payment("r-paid"));
    expect((await producer.waitForResult("r-paid", { timeoutMs: 15_000 })).outcome).toBe("paid");
    expect(await producer.retry("r-paid", actor)).toMatchObject({
      status: "refused",
      why: "a paid payment can never be retried",
    });
    expect(await producer.retry("r-paid", { ...actor, newAttempt: true })).toMatchObject({ status: "refused" });
    expect(await producer.retry("nope", actor)).toEqual({ paymentId: "nope", status: "not-found" });
    // An audit reason is read in terminals and pages: control characters and bidirectional marks are refused.
    expect(await producer.retry("r-paid", { ...actor, reason: "ok\u001b[2J" })).toMatchObject({
      status: "refused",
      why: "the reason must not contain control characters or bidirectional marks (U+001B at character 3)",
    });
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
      expect.objectContaining({
        actor: "ana.operadora",
        action: "retry",
        reason: "balance topped up",
        previousOutcome: "failed",
        previousBankStatus: "CANCELADO_SEM_SALDO",
        generation: 1,
        newKey: true,
      }),
    ]);
    const ledger = emulator.ledger.snapshot().executions.byIdempotencyKey;
    expect([ledger[failed.idempotencyKey ?? ""], ledger[paid.idempotencyKey ?? ""]]).toEqual([1, 1]);
    const stream = await p.redis.xrange(auditStreamKey(p.config.redisPrefix), "-", "+");
    const entries = stream
      .filter(([, f]) => f[1] === "r-broke")
      .map(([, f]) => JSON.parse(f[3] ?? "{}") as Record<string, unknown>);
    expect(entries).toEqual([
      expect.objectContaining({
        actor: "ana.operadora",
        action: "retry",
        reason: "balance topped up",
        queue: p.config.queueName,
        generation: 1,
        newKey: true,
      }),
    ]);
  });

  it("follows a parked payment again with the same key, never a new one", async () => {
    emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: "approval",
      fault: { type: "approval-required" },
    });
    await producer.enqueue({ ...payment("r-parked"), description: "approval" });
    const parked = await producer.waitForResult("r-parked", { timeoutMs: 15_000 });
    expect(parked).toMatchObject({ outcome: "needs-reconciliation", bankStatus: "AGUARDANDO_APROVACAO" });
    expect(await producer.retry("r-parked", { ...actor, newAttempt: true })).toMatchObject({ status: "refused" });
    expect(await producer.retry("r-parked", actor)).toMatchObject({ status: "retried", newKey: false, generation: 0 });
    emulator.approve(parked.codigoSolicitacao ?? "");
    const paid = await producer.waitForResult("r-parked", { timeoutMs: 15_000 });
    expect(paid).toMatchObject({
      outcome: "paid",
      codigoSolicitacao: parked.codigoSolicitacao,
      idempotencyKey: parked.idempotencyKey,
    });
    expect(emulator.ledger.snapshot().executions.byIdempotencyKey[parked.idempotencyKey ?? ""]).toBe(1);
    emulator.faults.clear();
  });

  it("one retry of a payment at a time; a retry that finds the job moved changes nothing", async () => {
    emulator.setBalance(100);
    await producer.enqueue(payment("r-race", "50.00"));
    expect((await producer.waitForResult("r-race", { timeoutMs: 15_000 })).outcome).toBe("failed");
    emulator.setBalance(1_000_000);
    const both = await Promise.all([
      producer.retry("r-race", { ...actor, newAttempt: true }),
      producer.retry("r-race", { ...actor, newAttempt: true }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual(["refused", "retried"]);
    const paid = await producer.waitForResult("r-race", { timeoutMs: 15_000 });
    expect(paid).toMatchObject({ outcome: "paid", generation: 1 });
    expect(paid.audit).toHaveLength(1);
  });

  it("a parked payment reconciled as not executed is resent under the same key", async () => {
    // The send's answer is lost after the bank did NOT execute it (reset before), and the worker may not
    // trust the bank's idempotency: parked. The operator checks the statement and says so.
    const untrusting = await startPipeline({ env: { PIXOUT_TRUST_BANK_IDEMPOTENCY: "false" } });
    untrusting.emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      times: 1,
      fault: { type: "reset-before" },
    });
    await untrusting.producer.enqueue(payment("r-recon"));
    const parked = await untrusting.producer.waitForResult("r-recon", { timeoutMs: 15_000 });
    expect(parked).toMatchObject({ outcome: "needs-reconciliation" });
    // Same key without --not-executed: the worker parks it again at once (it may still not trust the bank).
    expect(await untrusting.producer.retry("r-recon", actor)).toMatchObject({ status: "retried", newKey: false });
    expect((await untrusting.producer.waitForResult("r-recon", { timeoutMs: 15_000 })).outcome).toBe(
      "needs-reconciliation",
    );
    expect(
      await untrusting.producer.retry("r-recon", { ...actor, notExecuted: true, reason: "not in the statement" }),
    ).toMatchObject({ status: "retried", newKey: false, generation: 0 });
    const paid = await untrusting.producer.waitForResult("r-recon", { timeoutMs: 15_000 });
    expect(paid).toMatchObject({ outcome: "paid", idempotencyKey: parked.idempotencyKey });
    expect(untrusting.emulator.ledger.snapshot().executions.byIdempotencyKey[paid.idempotencyKey ?? ""]).toBe(1);
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
    const noReason = await runCli(["retry", "r-cli"], { env });
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/needs --reason/);
    const refused = await runCli(["retry", "r-cli", "--reason", "try"], { env });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/not retried: the bank ended it CANCELADO_SEM_SALDO/);
    emulator.setBalance(1_000_000);
    const done = await runCli(["retry", "r-cli", "--new-attempt", "--actor", "bruno", "--reason", "saldo"], { env });
    expect(done.code).toBe(0);
    expect((await producer.waitForResult("r-cli", { timeoutMs: 15_000 })).audit).toEqual([
      expect.objectContaining({ actor: "bruno", reason: "saldo" }),
    ]);
    expect((await runCli(["retry"], { env })).code).toBe(2);
  });
});
