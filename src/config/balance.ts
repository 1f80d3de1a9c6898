// An account short of money (docs/operating/balance.md): hold its payments until its balance allows, or
// fail each one; how often a held account's balance is read; and the balance guard, which holds a payment
// that would not fit before it is sent.
import { z } from "zod";
import type { BalanceHoldPolicy } from "../payments/balance-hold.js";
import { flag, optionalPositiveNumber, positiveNumber } from "./values.js";

export const balanceFields = z.object({
  PIXOUT_ON_INSUFFICIENT_BALANCE: z
    .enum(["hold", "fail"], { error: "must be hold or fail" })
    .default("hold")
    .describe(
      "An account short of money (the bank ends a payment CANCELADO_SEM_SALDO): hold = no payment from that account is sent until its balance covers the oldest waiting one or an operator runs `pixout resume`, and the payment that hit it is sent again under a new bank key; fail = each payment ends failed, as the bank said.",
    ),
  PIXOUT_MAX_HOLD_MINUTES: optionalPositiveNumber().describe(
    "Held longer than this, in minutes, a payment ends failed.",
  ),
  PIXOUT_BALANCE_CHECK_SECONDS: positiveNumber(30).describe(
    "How often a held account's balance is read (GET /banking/v2/saldo, scope extrato.read), in seconds, doubling up to PIXOUT_BALANCE_CHECK_MAX_SECONDS.",
  ),
  PIXOUT_BALANCE_CHECK_MAX_SECONDS: positiveNumber(300).describe(
    "The longest interval between two balance reads of a held account, in seconds.",
  ),
  PIXOUT_BALANCE_COUNT_LIMIT: flag(false).describe(
    "Count the overdraft limit (the balance's `limite`) as money to pay with.",
  ),
  PIXOUT_BALANCE_GUARD: flag(false).describe(
    "The balance guard: an estimate of each account's balance (read at most every PIXOUT_BALANCE_GUARD_SECONDS, minus the sends reserved since), so that a payment that would not fit is held instead of sent for the bank to refuse.",
  ),
  PIXOUT_BALANCE_GUARD_SECONDS: positiveNumber(60).describe(
    "The balance guard reads an account's balance at most this often, in seconds.",
  ),
});

/** The hold's rules, and the balance guard (off: `guardMaxAgeMs` unset). */
export interface BalanceSettings {
  policy: BalanceHoldPolicy;
  guardMaxAgeMs?: number;
}

export function balanceSettingsOf(e: z.infer<typeof balanceFields>): BalanceSettings {
  return {
    policy: {
      onInsufficientBalance: e.PIXOUT_ON_INSUFFICIENT_BALANCE,
      ...(e.PIXOUT_MAX_HOLD_MINUTES === undefined ? {} : { maxHoldMs: Math.round(e.PIXOUT_MAX_HOLD_MINUTES * 60_000) }),
      check: {
        baseMs: Math.round(e.PIXOUT_BALANCE_CHECK_SECONDS * 1000),
        capMs: Math.round(Math.max(e.PIXOUT_BALANCE_CHECK_SECONDS, e.PIXOUT_BALANCE_CHECK_MAX_SECONDS) * 1000),
      },
      countLimit: e.PIXOUT_BALANCE_COUNT_LIMIT,
    },
    ...(e.PIXOUT_BALANCE_GUARD ? { guardMaxAgeMs: Math.round(e.PIXOUT_BALANCE_GUARD_SECONDS * 1000) } : {}),
  };
}
