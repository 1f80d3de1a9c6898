// A step's wait: every wait — a budget slot, a backoff, the next status query, a held account — saves the
// state first, then moves the job to BullMQ's delayed set, then throws DelayedError; never a sleep in a
// worker slot (but a status query due within 2 s, conclude.ts). A wake-up that may have been missed meanwhile is looked for once the job is delayed.
import { DelayedError } from "bullmq";
import { HELD_WHY } from "../../payments/balance-hold.js";
import type { PaymentState } from "../../payments/lifecycle.js";
import { save, type RunContext } from "./run-context.js";

/** Makes the job wait `delayMs`, saying why (`pixout status` and the dashboard show it). */
export async function wait(ctx: RunContext, state: PaymentState, delayMs: number, why: string): Promise<never> {
  const { clock } = ctx;
  const delay = Math.max(1, Math.round(delayMs));
  await save(ctx, { ...state, waitingFor: { why, until: clock.now() + delay } });
  await ctx.job.moveToDelayed(clock.now() + delay, ctx.token);
  ctx.logger.debug({ paymentId: ctx.payment.paymentId, step: state.step, why, delayMs: delay }, "payout waits");
  await wakeIfNewsArrived(ctx, state);
  if (why === HELD_WHY) await wakeIfHoldLifted(ctx, state);
  throw new DelayedError();
}

/**
 * A callback may have arrived between the send and the move to delayed, before the receiver could
 * find the job to wake: checked once the job is delayed (the receiver stores before it looks, so one
 * of the two always sees the other). Only news the job has not read wakes it.
 */
async function wakeIfNewsArrived(ctx: RunContext, state: PaymentState): Promise<void> {
  const cb = ctx.deps.options.callbacks;
  const codigo = state.codigoSolicitacao;
  if (!cb || state.step !== "poll" || codigo === undefined) return;
  try {
    if (!(await cb.receiver()).running) return;
    if ((await cb.store.newsCount(codigo)) <= (state.callbacksSeen ?? 0)) return;
    await ctx.job.promote();
  } catch (err) {
    ctx.logger.debug(
      { jobId: ctx.job.id, err: err instanceof Error ? err.message : String(err) },
      "could not wake a payout for its callback; its poll is the safety net",
    );
  }
}

/** A held payment that joined a hold lifted before it slept (the resume could not wake it) wakes itself. */
async function wakeIfHoldLifted(ctx: RunContext, state: PaymentState): Promise<void> {
  const b = ctx.deps.options.balance;
  const held = state.held;
  if (!b || held === undefined) return;
  try {
    if ((await b.holds.currentId(held.account)) !== held.id) await ctx.job.promote();
  } catch (err) {
    ctx.logger.debug(
      { jobId: ctx.job.id, err: err instanceof Error ? err.message : String(err) },
      "could not wake a held payout; it looks again later",
    );
  }
}
