import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../src/payments/backoff.js";
import {
  DEFAULT_POLICY,
  afterPoll,
  afterSend,
  beforeSend,
  initialState,
  type ErrorFacts,
  type PaymentState,
  waitsForSettlement,
} from "../../src/payments/lifecycle.js";

const NOW = 1_800_000_000_000;
const err = (code: string, retryable: boolean, ambiguous: boolean, extra: Partial<ErrorFacts> = {}): ErrorFacts => ({
  code,
  message: `${code} happened`,
  retryable,
  ambiguous,
  ...extra,
});
const polling: PaymentState = {
  ...initialState(),
  step: "poll",
  maybeExecuted: true,
  codigoSolicitacao: "c-1",
  submittedAt: NOW,
};

describe("backoff", () => {
  it("grows exponentially, is capped, and jitters ±25 %", () => {
    const policy = { baseMs: 1000, capMs: 10_000 };
    expect(backoffDelay(0, policy, 0.5)).toBe(1000);
    expect(backoffDelay(3, policy, 0.5)).toBe(8000);
    expect(backoffDelay(10, policy, 0.5)).toBe(10_000);
    expect(backoffDelay(2, policy, 0)).toBe(3000);
    expect(backoffDelay(2, policy, 0.999999)).toBe(5000);
  });
});

describe("after a send", () => {
  it("moves to polling when the bank accepts", () => {
    const d = afterSend(
      initialState(),
      { ok: true, sent: { codigoSolicitacao: "c-1", tipoRetorno: "PROCESSADO" } },
      NOW,
      0.5,
    );
    expect(d).toMatchObject({
      kind: "wait",
      delayMs: DEFAULT_POLICY.firstPollMs,
      state: { step: "poll", codigoSolicitacao: "c-1", maybeExecuted: true, attempts: 0 },
    });
    expect(d.state.answeredWithoutDoubt).toBe(true);
    // Accepted on a resend after a send that may have executed: not said (only the bank's idempotency makes them one).
    const resent = afterSend(
      { ...initialState(), maybeExecuted: true },
      { ok: true, sent: { codigoSolicitacao: "c-1" } },
      NOW,
      0.5,
    );
    expect(resent.state.answeredWithoutDoubt).toBeUndefined();
  });

  it("rejects for good on a 400/422 when nothing was sent before", () => {
    const d = afterSend(initialState(), { ok: false, error: err("INTER_REJECTED", false, false) }, NOW, 0.5);
    expect(d).toMatchObject({ kind: "fail", state: { outcome: "rejected", reason: "INTER_REJECTED happened" } });
  });

  it("never fails or rejects a payment whose earlier send may have gone through", () => {
    const maybe = { ...initialState(), maybeExecuted: true };
    for (const e of [
      err("INTER_REJECTED", false, false),
      err("INTER_NOT_FOUND", false, false),
      err("INTER_UNEXPECTED_STATUS", false, false),
    ]) {
      expect(afterSend(maybe, { ok: false, error: e }, NOW, 0.5)).toMatchObject({
        kind: "finish",
        state: { outcome: "needs-reconciliation" },
      });
    }
  });

  it("waits for a configuration fix without using attempts, and ends only after the deadline", () => {
    const refusals = [
      err("INTER_AUTH", false, false, { operation: "token" }),
      err("INTER_FORBIDDEN", false, false, { operation: "token" }),
      err("INTER_FORBIDDEN", false, false, { operation: "send-pix" }),
      err("INTER_TLS", false, false, { operation: "token" }),
    ];
    for (const e of refusals) {
      const d = afterSend(initialState(), { ok: false, error: e }, NOW, 0.5);
      expect(d).toMatchObject({
        kind: "wait",
        why: "configuration",
        delayMs: DEFAULT_POLICY.configRetryMs,
        state: { attempts: 0, configWaitSince: NOW },
      });
    }
    const waiting = { ...initialState(), configWaitSince: NOW };
    const late = NOW + DEFAULT_POLICY.pollDeadlineMs;
    expect(afterSend(waiting, { ok: false, error: refusals[0] as ErrorFacts }, late, 0.5)).toMatchObject({
      kind: "fail",
      state: { outcome: "failed" },
    });
    expect(
      afterSend({ ...waiting, maybeExecuted: true }, { ok: false, error: refusals[0] as ErrorFacts }, late, 0.5),
    ).toMatchObject({
      kind: "finish",
      state: { outcome: "needs-reconciliation" },
    });
    // A retryable token failure (the endpoint is down) is an ordinary retry.
    expect(
      afterSend(
        initialState(),
        { ok: false, error: err("INTER_UNAVAILABLE", true, false, { operation: "token" }) },
        NOW,
        0.5,
      ),
    ).toMatchObject({
      kind: "wait",
      why: "retry",
      state: { attempts: 1 },
    });
  });

  it("resends an ambiguous outcome (same key) with backoff, and parks it when attempts run out", () => {
    let state = initialState();
    for (let i = 1; i < DEFAULT_POLICY.maxAttempts; i++) {
      const d = afterSend(state, { ok: false, error: err("INTER_TIMEOUT", true, true) }, NOW, 0.5);
      expect(d).toMatchObject({
        kind: "wait",
        why: "resend with the same key",
        state: { attempts: i, maybeExecuted: true },
      });
      if (d.kind !== "wait") throw new Error("unreachable");
      state = d.state;
    }
    // Even if the last try fails in a way that proves nothing was sent *then*, an earlier one may have.
    const last = afterSend(state, { ok: false, error: err("INTER_CONNECTION", true, false) }, NOW, 0.5);
    expect(last).toMatchObject({ kind: "finish", state: { outcome: "needs-reconciliation", maybeExecuted: true } });
  });

  it("fails after attempts run out only when nothing can have been executed", () => {
    let state = initialState();
    let d = afterSend(state, { ok: false, error: err("INTER_CONNECTION", true, false) }, NOW, 0.5);
    while (d.kind === "wait") {
      state = d.state;
      d = afterSend(state, { ok: false, error: err("INTER_CONNECTION", true, false) }, NOW, 0.5);
    }
    expect(d).toMatchObject({
      kind: "fail",
      state: { outcome: "failed", attempts: DEFAULT_POLICY.maxAttempts, maybeExecuted: false },
    });
  });

  it("never resends a send that may have executed when the bank's idempotency is not trusted", () => {
    const untrusting = { ...DEFAULT_POLICY, resendAmbiguous: false };
    expect(
      afterSend(initialState(), { ok: false, error: err("INTER_TIMEOUT", true, true) }, NOW, 0.5, untrusting),
    ).toMatchObject({
      kind: "finish",
      state: { outcome: "needs-reconciliation", maybeExecuted: true },
    });
    // Nothing was sent: an ordinary retry.
    expect(
      afterSend(initialState(), { ok: false, error: err("INTER_CONNECTION", true, false) }, NOW, 0.5, untrusting),
    ).toMatchObject({ kind: "wait" });
    expect(beforeSend({ ...initialState(), maybeExecuted: true }, NOW, untrusting)).toMatchObject({
      kind: "finish",
      state: { outcome: "needs-reconciliation" },
    });
    expect(beforeSend({ ...initialState(), maybeExecuted: true }, NOW, DEFAULT_POLICY)).toBeUndefined();
    expect(beforeSend(initialState(), NOW, untrusting)).toBeUndefined();
  });

  it("resends under the same key only within the resend window of the first send", () => {
    const maybe = { ...initialState(), maybeExecuted: true, firstSendAt: NOW };
    expect(beforeSend(maybe, NOW + DEFAULT_POLICY.resendWindowMs, DEFAULT_POLICY)).toBeUndefined();
    const late = beforeSend(maybe, NOW + DEFAULT_POLICY.resendWindowMs + 1, DEFAULT_POLICY);
    expect(late).toMatchObject({ kind: "finish", state: { outcome: "needs-reconciliation" } });
    if (late?.kind === "finish") expect(late.state.reason).toMatch(/PIXOUT_RESEND_WINDOW_MINUTES/);
    // Nothing sent yet: no window applies.
    expect(
      beforeSend({ ...initialState(), firstSendAt: NOW }, NOW + 10 * DEFAULT_POLICY.resendWindowMs, DEFAULT_POLICY),
    ).toBeUndefined();
  });

  it("waits out a 429 without using an attempt", () => {
    const d = afterSend(
      initialState(),
      { ok: false, error: err("INTER_RATE_LIMITED", true, false, { retryAfterMs: 7000 }) },
      NOW,
      0,
    );
    expect(d).toMatchObject({ kind: "wait", delayMs: 7000, why: "rate-limited", state: { attempts: 0 } });
    const noHint = afterSend(initialState(), { ok: false, error: err("INTER_RATE_LIMITED", true, false) }, NOW, 0);
    expect(noHint).toMatchObject({ kind: "wait", delayMs: DEFAULT_POLICY.defaultRateLimitWaitMs });
  });

  it("parks a 409 for reconciliation, never making a new key", () => {
    const d = afterSend(initialState(), { ok: false, error: err("INTER_CONFLICT", false, true) }, NOW, 0.5);
    expect(d).toMatchObject({ kind: "finish", state: { outcome: "needs-reconciliation", generation: 0 } });
  });
});

describe("after a status query", () => {
  const status = (s: string, extra = {}) => ({
    ok: true as const,
    status: { status: s, errors: [], history: [], ...extra },
  });

  it("says which waits are for the bank's settlement (a worker may wait for those in its slot), and which not", () => {
    const sent = afterSend(initialState(), { ok: true, sent: { codigoSolicitacao: "c-1" } }, NOW, 0.5);
    expect(waitsForSettlement(sent)).toBe(true);
    expect(waitsForSettlement(afterPoll(polling, status("EM_PROCESSAMENTO"), NOW, 0.5))).toBe(true);
    // An error's retry, a scheduled date, a finish: not a settlement.
    const down = afterPoll(polling, { ok: false, error: err("INTER_SERVICE_UNAVAILABLE", true, false) }, NOW, 0.5);
    expect(down.kind).toBe("wait");
    expect(waitsForSettlement(down)).toBe(false);
    const scheduled = afterPoll(polling, status("AGENDADO"), NOW, 0.5, DEFAULT_POLICY, NOW + 86_400_000);
    expect(scheduled).toMatchObject({ kind: "wait", why: "scheduled" });
    expect(waitsForSettlement(scheduled)).toBe(false);
    expect(waitsForSettlement(afterPoll(polling, status("PAGO"), NOW, 0.5))).toBe(false);
  });

  it("finishes paid on PAGO, with the endToEnd", () => {
    expect(afterPoll(polling, status("PAGO", { endToEndId: "E1" }), NOW, 0.5)).toMatchObject({
      kind: "finish",
      state: { outcome: "paid", bankStatus: "PAGO", endToEndId: "E1", polls: 1 },
    });
  });

  it("fails with the bank's status and error codes on a final failure", () => {
    const d = afterPoll(
      polling,
      status("CANCELADO_SEM_SALDO", {
        errors: [{ codigoErro: "SALDO_INSUFICIENTE", descricaoErro: "Saldo insuficiente" }],
      }),
      NOW,
      0.5,
    );
    expect(d).toMatchObject({
      kind: "fail",
      state: {
        outcome: "failed",
        bankStatus: "CANCELADO_SEM_SALDO",
        bankErrors: [{ codigoErro: "SALDO_INSUFICIENTE" }],
      },
    });
    if (d.kind === "fail")
      expect(d.state.reason).toBe(
        "the bank ended the payment CANCELADO_SEM_SALDO: SALDO_INSUFICIENTE Saldo insuficiente",
      );
  });

  it("keeps polling in progress and unknown statuses with capped backoff", () => {
    let state = polling;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const d = afterPoll(state, status(i % 2 === 0 ? "ENVIADO" : "EM_ANALISE_NOVA"), NOW, 0.5);
      if (d.kind !== "wait") throw new Error(`unexpected ${d.kind}`);
      delays.push(d.delayMs);
      state = d.state;
    }
    expect(delays).toEqual([2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it("waits for approval at its own pace, and parks it after the deadline — never failed", () => {
    const first = afterPoll(polling, status("AGUARDANDO_APROVACAO"), NOW, 0.5);
    expect(first).toMatchObject({
      kind: "wait",
      delayMs: DEFAULT_POLICY.approvalPollMs,
      state: { approvalSince: NOW },
    });
    if (first.kind !== "wait") throw new Error("unreachable");
    const late = afterPoll(first.state, status("AGUARDANDO_APROVACAO"), NOW + DEFAULT_POLICY.approvalDeadlineMs, 0.5);
    expect(late).toMatchObject({ kind: "finish", state: { outcome: "needs-reconciliation" } });
  });

  it("starts backoff and deadline afresh once an approval is given", () => {
    const approving = { ...polling, polls: 40, approvalSince: NOW - DEFAULT_POLICY.pollDeadlineMs };
    const d = afterPoll(approving, status("APROVADO"), NOW, 0.5);
    expect(d).toMatchObject({
      kind: "wait",
      delayMs: DEFAULT_POLICY.poll.baseMs,
      state: { polls: 1, progressSince: NOW },
    });
    if (d.kind === "wait") expect(d.state.approvalSince).toBeUndefined();
  });

  it("parks a payment stuck in progress past the deadline", () => {
    expect(afterPoll(polling, status("ENVIADO"), NOW + DEFAULT_POLICY.pollDeadlineMs, 0.5)).toMatchObject({
      kind: "finish",
      state: { outcome: "needs-reconciliation" },
    });
  });

  it("leaves a scheduled payment alone until its day", () => {
    const day = NOW + 3 * 86_400_000;
    expect(afterPoll(polling, status("AGENDADO"), NOW, 0.5, DEFAULT_POLICY, day)).toMatchObject({
      kind: "wait",
      delayMs: day - NOW + DEFAULT_POLICY.firstPollMs,
      why: "scheduled",
    });
  });

  it("never fails a payment the bank accepted because a query failed; parks it after the attempts", () => {
    let state = polling;
    let d = afterPoll(state, { ok: false, error: err("INTER_NOT_FOUND", false, false) }, NOW, 0.5);
    while (d.kind === "wait") {
      state = d.state;
      d = afterPoll(state, { ok: false, error: err("INTER_UNAVAILABLE", true, false) }, NOW, 0.5);
    }
    expect(d).toMatchObject({ kind: "finish", state: { outcome: "needs-reconciliation" } });
    const limited = afterPoll(
      polling,
      { ok: false, error: err("INTER_RATE_LIMITED", true, false, { retryAfterMs: 3000 }) },
      NOW,
      0,
    );
    expect(limited).toMatchObject({ kind: "wait", delayMs: 3000, state: { attempts: 0 } });
  });

  it("waits at most the cap a 429 asks for, whatever its Retry-After", () => {
    const month = afterPoll(
      polling,
      { ok: false, error: err("INTER_RATE_LIMITED", true, false, { retryAfterMs: 30 * 86_400_000 }) },
      NOW,
      0,
    );
    expect(month).toMatchObject({ kind: "wait", delayMs: DEFAULT_POLICY.maxBankWaitMs, why: "rate-limited" });
    const sent = afterSend(
      initialState(),
      { ok: false, error: err("INTER_RATE_LIMITED", true, false, { retryAfterMs: 30 * 86_400_000 }) },
      NOW,
      0,
    );
    expect(sent).toMatchObject({ kind: "wait", delayMs: DEFAULT_POLICY.maxBankWaitMs });
  });

  it("parks, never pays, an answer about another payment: another amount, key or codigoSolicitacao", () => {
    const expected = { amountCents: 1050, key: "fornecedor@example.com" };
    const paid = (extra: object) =>
      afterPoll(
        polling,
        { ok: true, status: { ...status("PAGO").status, ...extra } },
        NOW,
        0.5,
        DEFAULT_POLICY,
        undefined,
        expected,
      );
    expect(paid({ amountCents: 1050, key: "Fornecedor@Example.com" })).toMatchObject({
      kind: "finish",
      state: { outcome: "paid" },
    });
    expect(paid({ amountCents: 99_900 })).toMatchObject({
      kind: "finish",
      state: { outcome: "needs-reconciliation", reason: expect.stringMatching(/valor 999\.00, not 10\.50/) as unknown },
    });
    expect(paid({ key: "outra@example.com" })).toMatchObject({
      kind: "finish",
      state: { outcome: "needs-reconciliation", reason: expect.stringMatching(/another Pix key/) as unknown },
    });
    expect(paid({ codigoSolicitacao: "c-2" })).toMatchObject({
      kind: "finish",
      state: {
        outcome: "needs-reconciliation",
        reason: expect.stringMatching(/codigoSolicitacao c-2, not c-1/) as unknown,
      },
    });
    // A key the bank shows masked cannot be compared: it does not stop the payment.
    expect(paid({ key: "f***@e***.com" })).toMatchObject({ kind: "finish", state: { outcome: "paid" } });
    // And a failure about another amount is not the job's failure either.
    expect(
      afterPoll(
        polling,
        { ok: true, status: { ...status("FALHA").status, amountCents: 1 } },
        NOW,
        0.5,
        DEFAULT_POLICY,
        undefined,
        expected,
      ),
    ).toMatchObject({
      kind: "finish",
      state: { outcome: "needs-reconciliation" },
    });
  });

  it("polls a long wait ever more slowly: an approval up to hours apart, a payment stuck in progress up to half an hour", () => {
    const approving = { ...polling, approvalSince: NOW };
    const soon = afterPoll(approving, status("AGUARDANDO_APROVACAO"), NOW + 60_000, 0.5);
    expect(soon).toMatchObject({ kind: "wait", delayMs: DEFAULT_POLICY.approvalPollMs });
    const hours = afterPoll(approving, status("AGUARDANDO_APROVACAO"), NOW + 10 * 3_600_000, 0.5);
    expect(hours).toMatchObject({ kind: "wait", delayMs: DEFAULT_POLICY.approvalPollCapMs });
    const stuck = { ...polling, polls: 30, progressSince: NOW };
    expect(afterPoll(stuck, status("ENVIADO"), NOW + 5 * 60_000, 0.5)).toMatchObject({
      kind: "wait",
      delayMs: DEFAULT_POLICY.poll.capMs,
    });
    expect(afterPoll(stuck, status("ENVIADO"), NOW + 60 * 60_000, 0.5)).toMatchObject({
      kind: "wait",
      delayMs: 15 * 60_000,
    });
    expect(afterPoll(stuck, status("ENVIADO"), NOW + 20 * 3_600_000, 0.5)).toMatchObject({
      kind: "wait",
      delayMs: DEFAULT_POLICY.longPollCapMs,
    });
  });
});
