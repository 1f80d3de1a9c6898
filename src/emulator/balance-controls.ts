// The operator's balance knobs of the `Emulator` (tests, and the admin routes): set an account's
// balance, top it up, read it. Each first settles everything due until now, so executions due before the
// change use the balance they met; and each keeps past days' balances (GET /banking/v2/saldo?dataSaldo=…)
// where they were.
import type { AccountBalance, Balances } from "./balances.js";
import { newEndToEndId, TOP_UP_SENDER_ISPB } from "./end-to-end.js";
import { topUpCredit, type Statement } from "./statement.js";

export interface BalanceControls {
  setBalance(cents: number, account?: string): void;
  topUp(cents: number, account?: string): number;
  balance(account?: string): AccountBalance;
}

export interface BalanceControlDeps {
  balances: Balances;
  statement: Statement;
  /** Resolves everything due at or before `now` (the emulator's settle). */
  settle: (now: number) => void;
  clock: () => number;
}

export function createBalanceControls(deps: BalanceControlDeps): BalanceControls {
  const { balances, statement } = deps;
  // The integration's first account, as every knob's default (callers from before per-account balances
  // name none).
  const accountOr = (account: string | undefined): string => account ?? balances.accounts()[0] ?? "";
  const settled = (): number => {
    const now = deps.clock();
    deps.settle(now);
    return now;
  };
  return {
    setBalance: (cents, account) => {
      const now = settled();
      const name = accountOr(account);
      const before = balances.of(name).balanceCents;
      balances.set(name, cents);
      // Not a movement, but past days' balances must not move with it.
      statement.adjust(name, now, cents - before);
    },
    topUp: (cents, account) => {
      const now = settled();
      const name = accountOr(account);
      const after = balances.credit(name, cents);
      // A top-up is money coming in: a credit of the statement (a Pix received), so past days' balances,
      // computed back from today's through the statement, stay where they were.
      statement.append(topUpCredit(name, now, cents, newEndToEndId(now, TOP_UP_SENDER_ISPB)));
      return after;
    },
    balance: (account) => {
      settled();
      return balances.of(accountOr(account));
    },
  };
}
