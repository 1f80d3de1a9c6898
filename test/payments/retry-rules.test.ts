import { describe, expect, it } from "vitest";
import { initialState, type PaymentState } from "../../src/payments/lifecycle.js";
import { decideRetry } from "../../src/payments/retry-rules.js";

const NOW = 1_800_000_000_000;
const facts = (
  outcome: Parameters<typeof decideRetry>[0]["outcome"],
  bankStatus: string | null,
  state: Partial<PaymentState> = {},
) => ({ outcome, bankStatus, state });

describe("retry rules", () => {
  it("never retries a paid payment, nor one still in progress", () => {
    for (const newAttempt of [false, true]) {
      expect(decideRetry(facts("paid", "PAGO"), { newAttempt, notExecuted: false, now: NOW })).toEqual({
        allowed: false,
        why: "a paid payment can never be retried",
      });
      expect(decideRetry(facts("pending", "ENVIADO"), { newAttempt, notExecuted: false, now: NOW })).toMatchObject({
        allowed: false,
      });
      expect(decideRetry(facts("queued", null), { newAttempt, notExecuted: false, now: NOW })).toMatchObject({
        allowed: false,
      });
    }
  });

  it("pays again after a definitive bank failure only with a new attempt, under the next generation's key", () => {
    for (const status of ["CANCELADO_SEM_SALDO", "REPROVADO", "EXPIRADO", "FALHA"]) {
      const ended = { generation: 2, codigoSolicitacao: "c-9", maybeExecuted: true };
      const refused = decideRetry(facts("failed", status, ended), { newAttempt: false, notExecuted: false, now: NOW });
      expect(refused).toMatchObject({ allowed: false });
      if (!refused.allowed) expect(refused.why).toContain("--new-attempt");
      // Without the bank's codigoSolicitacao, or with another send in doubt, the failure is not definitive.
      expect(
        decideRetry(facts("failed", status, { generation: 2 }), { newAttempt: true, notExecuted: false, now: NOW }),
      ).toMatchObject({ allowed: false });
      expect(
        decideRetry(facts("failed", status, { ...ended, sendInFlight: NOW }), {
          newAttempt: true,
          notExecuted: false,
          now: NOW,
        }),
      ).toMatchObject({ allowed: false });
      expect(decideRetry(facts("failed", status, ended), { newAttempt: true, notExecuted: false, now: NOW })).toEqual({
        allowed: true,
        newKey: true,
        generation: 3,
        state: initialState(3),
      });
    }
  });

  it("keeps the sends the bank ended for balance under earlier keys, whatever the retry", () => {
    const history = [{ generation: 0, codigoSolicitacao: "c-0", bankStatus: "CANCELADO_SEM_SALDO", at: NOW }];
    const maxHold = decideRetry(facts("failed", null, { generation: 1, endedForBalance: history }), {
      newAttempt: false,
      notExecuted: false,
      now: NOW,
    });
    expect(maxHold).toMatchObject({ allowed: true, newKey: false, state: { generation: 1, endedForBalance: history } });
    const ended = decideRetry(
      facts("failed", "REPROVADO", { generation: 1, codigoSolicitacao: "c-1", endedForBalance: history }),
      { newAttempt: true, notExecuted: false, now: NOW },
    );
    expect(ended).toMatchObject({ allowed: true, newKey: true, state: { generation: 2, endedForBalance: history } });
  });

  it("keeps, on a same-key retry, whether the payment's codigo answered a send without doubt (a new key on the bank's word depends on it)", () => {
    const parked = { generation: 0, codigoSolicitacao: "c-1", maybeExecuted: true, step: "poll" as const };
    const clean = decideRetry(
      facts("needs-reconciliation", "EM_PROCESSAMENTO", { ...parked, answeredWithoutDoubt: true }),
      { newAttempt: false, notExecuted: false, now: NOW },
    );
    expect(clean).toMatchObject({ allowed: true, state: { codigoSolicitacao: "c-1", answeredWithoutDoubt: true } });
    const doubtful = decideRetry(facts("needs-reconciliation", "EM_PROCESSAMENTO", parked), {
      newAttempt: false,
      notExecuted: false,
      now: NOW,
    });
    expect(doubtful).toMatchObject({ allowed: true, state: { codigoSolicitacao: "c-1" } });
    expect(doubtful.allowed ? doubtful.state.answeredWithoutDoubt : "refused").toBeUndefined();
  });

  it("retries anything else with the same key, keeping what the bank may have", () => {
    expect(
      decideRetry(facts("failed", null, { generation: 1, lastError: { code: "INTER_AUTH", message: "x", at: 1 } }), {
        newAttempt: false,
        notExecuted: false,
        now: NOW,
      }),
    ).toEqual({
      allowed: true,
      newKey: false,
      generation: 1,
      state: initialState(1),
    });
    expect(decideRetry(facts("rejected", null), { newAttempt: false, notExecuted: false, now: NOW })).toMatchObject({
      allowed: true,
      newKey: false,
      generation: 0,
    });
    const parked = decideRetry(
      facts("needs-reconciliation", "AGUARDANDO_APROVACAO", {
        codigoSolicitacao: "c-1",
        maybeExecuted: true,
        paymentDate: null,
      }),
      {
        newAttempt: false,
        notExecuted: false,
        now: NOW,
      },
    );
    expect(parked).toMatchObject({
      allowed: true,
      newKey: false,
      state: {
        step: "poll",
        codigoSolicitacao: "c-1",
        maybeExecuted: true,
        progressSince: NOW,
        paymentDate: null,
        attempts: 0,
      },
    });
    const inFlight = decideRetry(facts("needs-reconciliation", null, { sendInFlight: NOW - 1000 }), {
      newAttempt: false,
      notExecuted: false,
      now: NOW,
    });
    expect(inFlight).toMatchObject({ allowed: true, state: { step: "submit", maybeExecuted: true } });
  });

  it("lets an operator who reconciled a parked payment say it was not executed (same key, evidence cleared)", () => {
    const parked = facts("needs-reconciliation", null, {
      maybeExecuted: true,
      sendInFlight: NOW - 5000,
      firstSendAt: NOW - 9000,
      paymentDate: "2026-12-01",
    });
    const cleared = decideRetry(parked, { newAttempt: false, notExecuted: true, now: NOW });
    expect(cleared).toEqual({ allowed: true, newKey: false, generation: 0, state: initialState(0) });
    // A payment the bank accepted (codigoSolicitacao) is followed, whatever the operator says.
    expect(
      decideRetry(facts("needs-reconciliation", "ENVIADO", { codigoSolicitacao: "c-2", maybeExecuted: true }), {
        newAttempt: false,
        notExecuted: true,
        now: NOW,
      }),
    ).toMatchObject({
      allowed: true,
      state: { step: "poll", codigoSolicitacao: "c-2", maybeExecuted: true },
    });
    expect(decideRetry(facts("failed", null), { newAttempt: false, notExecuted: true, now: NOW })).toMatchObject({
      allowed: false,
    });
  });

  it("refuses a new key where the bank may already have paid", () => {
    expect(
      decideRetry(facts("needs-reconciliation", null, { maybeExecuted: true }), {
        newAttempt: true,
        notExecuted: false,
        now: NOW,
      }),
    ).toMatchObject({ allowed: false });
    expect(decideRetry(facts("failed", null), { newAttempt: true, notExecuted: false, now: NOW })).toMatchObject({
      allowed: false,
    });
  });
});

describe("retry rules: blocked by the safety limits", () => {
  it("retries a blocked payment with the same key (nothing was sent); never with a new one", () => {
    const blocked = { generation: 1, outcome: "blocked" as const, reason: "blocked before the bank: the daily limit…" };
    expect(decideRetry(facts("blocked", null, blocked), { newAttempt: false, notExecuted: false, now: NOW })).toEqual({
      allowed: true,
      newKey: false,
      generation: 1,
      state: initialState(1),
    });
    expect(
      decideRetry(facts("blocked", null, blocked), { newAttempt: true, notExecuted: false, now: NOW }),
    ).toMatchObject({ allowed: false });
    expect(
      decideRetry(facts("blocked", null, blocked), { newAttempt: false, notExecuted: true, now: NOW }),
    ).toMatchObject({ allowed: false });
  });
});
