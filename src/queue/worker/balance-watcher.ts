// While a paying account is held, the fleet reads its balance on a backoff (docs/operating/balance.md) and lifts the
// hold when the money to pay with covers the oldest held payment. Every worker runs this loop; one Redis
// lock per account makes one of them read it at a time, and each read takes the fleet's `balance` budget
// (Inter allows 10 a minute). With the balance guard on, each read is also the guard's new estimate, and
// what the guard counts as reserved is taken off before comparing.
import type { Queue } from "bullmq";
import type { Logger } from "../../logger.js";
import type { AccountEventFacts } from "../../notifications/account-event.js";
import {
  nextCheckDelay,
  spendableCents,
  type BalanceFigures,
  type BalanceHoldPolicy,
} from "../../payments/balance-hold.js";
import { formatCents } from "../../payments/money.js";
import type { AccountHold, AccountHolds } from "../account-holds.js";
import type { BalanceGuard } from "./balance-guard.js";
import { resumeAccount, wakeStragglers } from "../producer/resume-account.js";

export interface BalanceWatcherOptions {
  holds: AccountHolds;
  queue: Queue;
  policy: BalanceHoldPolicy;
  /** The account's balance from the bank (through the fleet's budget). */
  read: (account: string) => Promise<BalanceFigures>;
  guard?: BalanceGuard;
  onResumed?: (facts: AccountEventFacts) => Promise<unknown>;
  logger: Logger;
  /** How often the loop looks for a check that is due; default a third of the first check's delay, 0.1 to 1 s. */
  tickMs?: number;
  now?: () => number;
  random?: () => number;
}

export interface BalanceWatcher {
  /** One pass over the held accounts (what the loop runs each tick). */
  tick(): Promise<void>;
  close(): Promise<void>;
}

const CHECK_LOCK_MS = 30_000;

export function startBalanceWatcher(o: BalanceWatcherOptions): BalanceWatcher {
  const now = o.now ?? Date.now;
  const random = o.random ?? Math.random;
  let closed = false;
  let running: Promise<void> | undefined;
  let warnedAt = 0;

  async function check(hold: AccountHold): Promise<void> {
    const askedAt = now();
    let spendable: number | undefined;
    let error: string | undefined;
    try {
      spendable = spendableCents(await o.read(hold.account), o.policy);
      if (spendable === undefined) error = "the bank's balance answer has no disponivel";
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    if (spendable !== undefined && o.guard) {
      await o.guard.refresh(hold.account, spendable, askedAt);
      spendable = (await o.guard.estimate(hold.account))?.cents ?? spendable;
    }
    const needed = hold.oldestCents ?? 0;
    if (spendable !== undefined && spendable >= needed) {
      await resumeAccount(o.holds, o.queue, hold.account, {
        id: hold.id,
        by: "balance",
        reason: `the balance (${formatCents(spendable)} to pay with) covers the oldest held payment (${formatCents(needed)})`,
        ...(o.onResumed === undefined ? {} : { onResumed: o.onResumed }),
        logger: o.logger,
      });
      return;
    }
    const nextCheckAt = now() + nextCheckDelay(hold.checks + 1, o.policy, random());
    await o.holds.checked(hold.account, hold.id, {
      at: askedAt,
      nextCheckAt,
      ...(spendable === undefined ? {} : { spendableCents: spendable }),
      ...(error === undefined ? {} : { error }),
    });
    if (error !== undefined) {
      o.logger.warn(
        { account: hold.account, err: error },
        "cannot read a held account's balance (is extrato.read in INTER_SCOPES?): it stays held; resume it with pixout resume --account",
      );
    } else {
      o.logger.info(
        {
          account: hold.account,
          spendable: formatCents(spendable ?? 0),
          needed: formatCents(needed),
          nextCheckInMs: nextCheckAt - now(),
        },
        "held account: the balance does not cover the oldest held payment yet",
      );
    }
  }

  async function tick(): Promise<void> {
    try {
      await wakeStragglers(o.holds, o.queue, o.logger);
      for (const hold of await o.holds.list()) {
        if (closed) return;
        if (hold.nextCheckAt > now()) continue;
        if (!(await o.holds.takeCheck(hold.account, CHECK_LOCK_MS))) continue;
        try {
          await check(hold);
        } finally {
          await o.holds.releaseCheck(hold.account);
        }
      }
    } catch (err) {
      if (now() - warnedAt > 60_000) {
        warnedAt = now();
        o.logger.warn(
          { err: err instanceof Error ? err.message : String(err) },
          "could not check the held accounts' balances; trying again",
        );
      }
    }
  }

  const timer = setInterval(
    () => {
      running ??= tick().finally(() => {
        running = undefined;
      });
    },
    o.tickMs ?? Math.min(1_000, Math.max(100, Math.round(o.policy.check.baseMs / 3))),
  );
  timer.unref();

  return {
    tick,
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
    },
  };
}
