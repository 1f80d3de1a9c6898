// The pure rules of holding an account short of money (src/payments/balance-hold.ts).
import { describe, expect, it } from "vitest";
import {
  DEFAULT_HOLD_POLICY,
  endedForBalance,
  heldAfterBalanceFailure,
  heldTooLong,
  heldWait,
  holdExpired,
  MAX_BALANCE_GENERATIONS,
  mayHoldAfterFailure,
  notHeldWhy,
  nextCheckDelay,
  spendableCents,
} from "../../src/payments/balance-hold.js";
import { initialState, type PaymentState } from "../../src/payments/lifecycle.js";

/** A fixed instant, data only (the rules take the clock as an argument). */
const NOW = Date.UTC(2026, 2, 10, 15, 0, 0);

const ended = (over: Partial<PaymentState> = {}): PaymentState => ({
  ...initialState(0),
  claim: "claim-1",
  step: "poll",
  maybeExecuted: true,
  codigoSolicitacao: "c0d1g0-0",
  bankStatus: "CANCELADO_SEM_SALDO",
  firstSendAt: NOW - 60_000,
  paymentDate: "2026-03-10",
  polls: 3,
  answeredWithoutDoubt: true,
  ...over,
});

describe("insufficient balance", () => {
  it("is the bank's CANCELADO_SEM_SALDO or an error coded SALDO_INSUFICIENTE, never another failure", () => {
    expect(endedForBalance("CANCELADO_SEM_SALDO", undefined)).toBe(true);
    expect(endedForBalance("FALHA", [{ codigoErro: "SALDO_INSUFICIENTE" }])).toBe(true);
    expect(endedForBalance("NAO_DEBITADO", [{ codigoErro: "X", codigoErroComplementar: "saldo_insuficiente" }])).toBe(
      true,
    );
    // NAO_DEBITADO alone does not say why: holding on it could wait forever for a blocked account.
    expect(
      endedForBalance("NAO_DEBITADO", [
        { codigoErro: "NAO_DEBITADO", descricaoErro: "Não foi possível debitar a conta." },
      ]),
    ).toBe(false);
    expect(endedForBalance("REPROVADO", [])).toBe(false);
  });

  it("moves a payment to its next generation only when the bank ended the one it named, with no send in doubt", () => {
    expect(mayHoldAfterFailure(ended(), DEFAULT_HOLD_POLICY)).toBe(true);
    expect(mayHoldAfterFailure(ended({ codigoSolicitacao: undefined }), DEFAULT_HOLD_POLICY)).toBe(false);
    expect(mayHoldAfterFailure(ended({ sendInFlight: NOW }), DEFAULT_HOLD_POLICY)).toBe(false);
    // The codigo came from a resend after a send that may have executed (or the state predates the mark): the
    // bank ending it proves nothing about the other.
    expect(mayHoldAfterFailure(ended({ answeredWithoutDoubt: undefined }), DEFAULT_HOLD_POLICY)).toBe(false);
    expect(mayHoldAfterFailure(ended({ bankStatus: "REPROVADO" }), DEFAULT_HOLD_POLICY)).toBe(false);
    expect(mayHoldAfterFailure(ended(), { ...DEFAULT_HOLD_POLICY, onInsufficientBalance: "fail" })).toBe(false);
    // Each refusal says why it was not held; a failure not about the balance says nothing.
    expect(notHeldWhy(ended({ answeredWithoutDoubt: undefined }), DEFAULT_HOLD_POLICY)).toMatch(
      /an earlier send of this key may have executed/,
    );
    expect(notHeldWhy(ended(), DEFAULT_HOLD_POLICY)).toBeUndefined();
    expect(notHeldWhy(ended({ bankStatus: "REPROVADO" }), DEFAULT_HOLD_POLICY)).toBeUndefined();
    // A bank that keeps refusing for balance whatever the balance says is not followed forever.
    const history = Array.from({ length: MAX_BALANCE_GENERATIONS - 1 }, (_, g) => ({
      generation: g,
      bankStatus: "CANCELADO_SEM_SALDO",
      at: NOW,
    }));
    expect(
      mayHoldAfterFailure(
        ended({ generation: MAX_BALANCE_GENERATIONS - 1, endedForBalance: history.slice(1) }),
        DEFAULT_HOLD_POLICY,
      ),
    ).toBe(true);
    expect(
      notHeldWhy(ended({ generation: MAX_BALANCE_GENERATIONS - 1, endedForBalance: history }), DEFAULT_HOLD_POLICY),
    ).toMatch(new RegExp(`ended ${String(MAX_BALANCE_GENERATIONS)} of its sends for insufficient balance`));
  });

  it("keeps the claim and the ended send as history, and forgets everything that belonged to the old key", () => {
    const next = heldAfterBalanceFailure(ended(), "12345678", NOW);
    expect(next).toEqual({
      ...initialState(1),
      claim: "claim-1",
      held: { account: "12345678", since: NOW },
      firstHeldAt: NOW,
      endedForBalance: [{ generation: 0, codigoSolicitacao: "c0d1g0-0", bankStatus: "CANCELADO_SEM_SALDO", at: NOW }],
    });
    // Held again later: the first moment it began to wait is kept (the maximum hold counts from it).
    const again = heldAfterBalanceFailure(
      {
        ...ended({ generation: 1, codigoSolicitacao: "c0d1g0-1" }),
        firstHeldAt: NOW - 9_000,
        endedForBalance: next.endedForBalance,
      },
      "12345678",
      NOW,
    );
    expect(again.generation).toBe(2);
    expect(again.held?.since).toBe(NOW);
    expect(again.firstHeldAt).toBe(NOW - 9_000);
    expect(again.endedForBalance?.map((e) => e.codigoSolicitacao)).toEqual(["c0d1g0-0", "c0d1g0-1"]);
  });

  it("waits until the hold is lifted, at most the recheck time or what is left of the maximum hold", () => {
    const state = { ...initialState(0), held: { account: "1", since: NOW - 50_000 } };
    expect(heldWait(state, { account: "1", id: "h1" }, NOW, DEFAULT_HOLD_POLICY, 600_000)).toMatchObject({
      kind: "wait",
      delayMs: 600_000,
      why: "insufficient balance",
      state: { held: { account: "1", since: NOW - 50_000, id: "h1" }, firstHeldAt: NOW - 50_000 },
    });
    expect(
      heldWait(state, { account: "1", id: "h1" }, NOW, { ...DEFAULT_HOLD_POLICY, maxHoldMs: 60_000 }, 600_000),
    ).toMatchObject({ delayMs: 10_000 });
    expect(holdExpired(state, NOW, { ...DEFAULT_HOLD_POLICY, maxHoldMs: 60_000 })).toBeUndefined();
    const reason = holdExpired(state, NOW + 10_000, { ...DEFAULT_HOLD_POLICY, maxHoldMs: 60_000 });
    expect(reason).toBe(
      "account 1 had insufficient balance for 1 min (PIXOUT_MAX_HOLD_MINUTES): nothing of its current bank key was sent; top up, then pixout retry it (same key)",
    );
    expect(holdExpired(state, NOW + 10 ** 9, DEFAULT_HOLD_POLICY)).toBeUndefined();
    // Held again after a resume: the maximum hold counts from the first time it waited, not from this hold.
    const rejoined = { ...state, held: { account: "1", since: NOW - 1_000 }, firstHeldAt: NOW - 70_000 };
    expect(holdExpired(rejoined, NOW, { ...DEFAULT_HOLD_POLICY, maxHoldMs: 60_000 })).toMatch(/for 1 min/);
    expect(
      heldWait(
        { ...rejoined, firstHeldAt: NOW - 55_000 },
        { account: "1", id: "h2" },
        NOW,
        { ...DEFAULT_HOLD_POLICY, maxHoldMs: 60_000 },
        600_000,
      ),
    ).toMatchObject({ delayMs: 5_000 });
    expect(heldTooLong(state, reason ?? "")).toEqual({
      kind: "fail",
      state: { ...state, held: undefined, outcome: "failed", reason },
    });
  });

  it("counts the overdraft limit only when told to, and checks on a growing backoff", () => {
    expect(spendableCents({ availableCents: 5_00, limitCents: 100_00 }, { countLimit: false })).toBe(5_00);
    expect(spendableCents({ availableCents: 5_00, limitCents: 100_00 }, { countLimit: true })).toBe(105_00);
    expect(spendableCents({ limitCents: 100_00 }, { countLimit: true })).toBeUndefined();
    const policy = { ...DEFAULT_HOLD_POLICY, check: { baseMs: 1_000, capMs: 8_000 } };
    expect([0, 1, 2, 3, 9].map((n) => nextCheckDelay(n, policy, 0.5))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
  });
});
