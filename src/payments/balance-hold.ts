// An account short of money is a state of the account, not of each payment (docs/operating/balance.md). When the
// bank ends a payment for insufficient balance, the fleet holds new sends from that paying account and the
// payment waits with the others instead of failing; once the balance covers the oldest held payment, they
// are sent again. Pure rules: no I/O, the clock is an argument.
import { backoffDelay, type BackoffPolicy } from "./backoff.js";
import { initialState, type BankErrorDetail, type Decision, type PaymentState } from "./lifecycle.js";

/** What to do when the bank ends a payment for insufficient balance (PIXOUT_ON_INSUFFICIENT_BALANCE). */
export type OnInsufficientBalance = "hold" | "fail";

export interface BalanceHoldPolicy {
  onInsufficientBalance: OnInsufficientBalance;
  /** Held longer than this, a payment ends `failed` with the reason (PIXOUT_MAX_HOLD_MINUTES); none: it waits. */
  maxHoldMs?: number;
  /** How often the fleet reads a held account's balance: from `baseMs`, doubling, up to `capMs`. */
  check: BackoffPolicy;
  /** Whether the overdraft limit (`limite`) counts as money to pay with (PIXOUT_BALANCE_COUNT_LIMIT). */
  countLimit: boolean;
}

export const DEFAULT_HOLD_POLICY: BalanceHoldPolicy = {
  onInsufficientBalance: "hold",
  check: { baseMs: 30_000, capMs: 5 * 60_000 },
  countLimit: false,
};

/** Why a payment waits while its account is held: the `waitingFor.why` that `pixout status` shows. */
export const HELD_WHY = "insufficient balance";

/**
 * Whether the bank ended the payment for insufficient balance: the status that says so, or an error whose
 * code does (Inter's `SALDO_INSUFICIENTE`). NAO_DEBITADO alone does not say why the account was not
 * debited (a blocked account is one reason): it stays a failure, since holding on it could wait forever.
 */
export function endedForBalance(
  bankStatus: string | undefined,
  errors: readonly BankErrorDetail[] | undefined,
): boolean {
  if (bankStatus === "CANCELADO_SEM_SALDO") return true;
  return (errors ?? []).some(
    (e) => /SALDO_INSUFICIENTE/i.test(e.codigoErro ?? "") || /SALDO_INSUFICIENTE/i.test(e.codigoErroComplementar ?? ""),
  );
}

/**
 * The state of a payment the bank ended for insufficient balance, held: the next generation, never sent
 * (the bank ended the payment it named under the old key, so a new key cannot pay it twice — the same rule
 * as an operator's `retry --new-attempt`), with the ended send kept as history.
 */
export function heldAfterBalanceFailure(state: PaymentState, account: string, now: number): PaymentState {
  const next = initialState(state.generation + 1);
  return {
    ...next,
    ...(state.claim === undefined ? {} : { claim: state.claim }),
    held: { account, since: state.held?.since ?? now },
    firstHeldAt: state.firstHeldAt ?? state.held?.since ?? now,
    endedForBalance: [
      ...(state.endedForBalance ?? []),
      {
        generation: state.generation,
        ...(state.codigoSolicitacao === undefined ? {} : { codigoSolicitacao: state.codigoSolicitacao }),
        bankStatus: state.bankStatus ?? "",
        at: now,
      },
    ].slice(-20),
  };
}

/**
 * Whether a payment may be moved to its next generation on the bank's word: the bank ended the payment it
 * named (a codigoSolicitacao), and no other send of this generation is in doubt — none in flight, and the
 * codigo did not come from a resend after a send that may have executed (a bank that forgot the key could
 * have made two payments, one of them paid). Such a payment fails as the bank said, for a human to decide.
 */
export function mayHoldAfterFailure(state: PaymentState, policy: BalanceHoldPolicy): boolean {
  return (
    policy.onInsufficientBalance === "hold" &&
    endedForBalance(state.bankStatus, state.bankErrors) &&
    state.codigoSolicitacao !== undefined &&
    notHeldWhy(state, policy) === undefined
  );
}

/** Generations the bank may end for balance before a payment fails instead of being held again. */
export const MAX_BALANCE_GENERATIONS = 10;

/**
 * Why a payment the bank ended for insufficient balance is not held (it fails as the bank said), or
 * undefined when it is held or the failure is not about the balance.
 */
export function notHeldWhy(state: PaymentState, policy: BalanceHoldPolicy): string | undefined {
  if (policy.onInsufficientBalance !== "hold" || !endedForBalance(state.bankStatus, state.bankErrors)) return undefined;
  if ((state.endedForBalance?.length ?? 0) >= MAX_BALANCE_GENERATIONS - 1) {
    return `not held again: the bank ended ${String(MAX_BALANCE_GENERATIONS)} of its sends for insufficient balance (is the account blocked?)`;
  }
  if (state.answeredWithoutDoubt !== true || state.sendInFlight !== undefined) {
    return "not held for the balance: an earlier send of this key may have executed — reconcile it with the statement before retry --new-attempt";
  }
  return undefined;
}

/** A held payment's hold has lasted longer than the policy allows: it ends failed, with this reason. */
export function holdExpired(
  state: Pick<PaymentState, "held" | "firstHeldAt">,
  now: number,
  policy: BalanceHoldPolicy,
): string | undefined {
  const held = state.held;
  if (held === undefined || policy.maxHoldMs === undefined) return undefined;
  const since = state.firstHeldAt ?? held.since;
  if (now - since < policy.maxHoldMs) return undefined;
  const minutes = Math.round((now - since) / 60_000);
  return `account ${held.account} had insufficient balance for ${String(minutes)} min (PIXOUT_MAX_HOLD_MINUTES): nothing of its current bank key was sent; top up, then pixout retry it (same key)`;
}

/** What the bank's balance answer says, in centavos. */
export interface BalanceFigures {
  availableCents?: number;
  limitCents?: number;
}

/** The money the fleet may count on: `disponivel`, plus the overdraft limit when the operator says so. */
export function spendableCents(
  balance: BalanceFigures,
  policy: Pick<BalanceHoldPolicy, "countLimit">,
): number | undefined {
  if (balance.availableCents === undefined) return undefined;
  return balance.availableCents + (policy.countLimit ? (balance.limitCents ?? 0) : 0);
}

/** The next balance check of a held account, after `checks` checks that found too little. */
export function nextCheckDelay(checks: number, policy: BalanceHoldPolicy, random: number): number {
  return backoffDelay(checks, policy.check, random);
}

/** A held payment's wait, until the hold is lifted (the resume wakes it) or `recheckMs` at most. */
export function heldWait(
  state: PaymentState,
  held: { account: string; id: string },
  now: number,
  policy: BalanceHoldPolicy,
  recheckMs: number,
): Decision {
  const since = state.held?.since ?? now;
  const first = state.firstHeldAt ?? since;
  const left = policy.maxHoldMs === undefined ? recheckMs : Math.max(1, first + policy.maxHoldMs - now);
  return {
    kind: "wait",
    delayMs: Math.min(recheckMs, left),
    state: { ...state, held: { account: held.account, since, id: held.id }, firstHeldAt: first },
    why: HELD_WHY,
  };
}

/** The hold lasted too long: the payment ends failed (nothing of this generation was sent). */
export function heldTooLong(state: PaymentState, reason: string): Decision {
  return { kind: "fail", state: { ...state, held: undefined, outcome: "failed", reason } };
}
