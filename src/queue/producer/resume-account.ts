// Lifting an account's hold (docs/operating/balance.md): by the fleet when the balance covers the oldest held payment,
// or at once by an operator (`pixout resume`, the dashboard). The hold and its list go in one Redis step;
// then every payment that waited is woken (moved from the delayed set to run now). A payment that cannot be
// woken here (not delayed at that instant) finds the hold gone on its own (src/queue/worker/waits.ts).
import { Job, type Queue } from "bullmq";
import type { Logger } from "../../logger.js";
import type { AccountEventFacts } from "../../notifications/account-event.js";
import type { AccountHold, AccountHolds } from "../account-holds.js";
import { jobIdFor } from "../names.js";

export interface ResumeResult {
  resumed: boolean;
  hold?: AccountHold;
  /** Payments that waited, and how many of them were woken now. */
  waiting: number;
  woken: number;
}

export interface ResumeOptions {
  /** Only this hold (a balance check lifts the hold it read for, not a newer one). */
  id?: string;
  /** `balance`, or the operator's name. */
  by: string;
  reason: string;
  now?: number;
  onResumed?: (facts: AccountEventFacts) => Promise<unknown>;
  logger?: Logger;
}

/** Moves each payment's job from the delayed set to run now; returns how many were delayed and woken. */
async function wake(queue: Queue, paymentIds: readonly string[]): Promise<number> {
  let woken = 0;
  for (const paymentId of paymentIds) {
    try {
      const job = await Job.fromId(queue, jobIdFor(paymentId));
      if (job && (await job.isDelayed())) {
        await job.promote();
        woken += 1;
      }
    } catch {
      // Not delayed any more (running, or just moved): it finds the hold gone by itself.
    }
  }
  return woken;
}

/**
 * Payments a resume lifted but did not finish waking (its process died in between): woken now. Every
 * worker's balance check runs this, so a dead resumer delays them by one check, not by their own recheck.
 */
export async function wakeStragglers(holds: AccountHolds, queue: Queue, logger?: Logger): Promise<number> {
  let woken = 0;
  for (const s of await holds.stragglers()) {
    woken += await wake(queue, s.paymentIds);
    await holds.woken(s.account, s.paymentIds);
    if (s.paymentIds.length > 0)
      logger?.info(
        { account: s.account, waiting: s.paymentIds.length },
        "woke the payments of a resumed account that an earlier resume did not finish waking",
      );
  }
  return woken;
}

export async function resumeAccount(
  holds: AccountHolds,
  queue: Queue,
  account: string,
  options: ResumeOptions,
): Promise<ResumeResult> {
  const before = await holds.read(account);
  const lifted = await holds.resume(account, options.id);
  if (!lifted) return { resumed: false, waiting: 0, woken: 0 };
  const woken = await wake(queue, lifted.paymentIds);
  // Off the list only once woken: a resumer that dies before this leaves them for wakeStragglers.
  await holds.woken(account, lifted.paymentIds);
  const now = options.now ?? Date.now();
  const hold = { ...lifted.hold, heldPayments: lifted.paymentIds.length, heldCents: before?.heldCents ?? 0 };
  options.logger?.info(
    { account, by: options.by, reason: options.reason, waiting: lifted.paymentIds.length, woken },
    "paying account resumed: its held payments are sent again",
  );
  if (options.onResumed) {
    await options
      .onResumed({
        kind: "resumed",
        account,
        holdId: hold.id,
        since: hold.since,
        reason: options.reason,
        by: options.by,
        amountCents: hold.heldCents,
        heldPayments: lifted.paymentIds.length,
        occurredAt: now,
      })
      .catch((err: unknown) => {
        options.logger?.warn(
          { account, err: err instanceof Error ? err.message : String(err) },
          "could not announce the account's resume",
        );
      });
  }
  return { resumed: true, hold, waiting: lifted.paymentIds.length, woken };
}
