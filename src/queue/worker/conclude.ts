// The end of a step: a wait (saved, the job delayed), or the payment's outcome — the state and the record's
// outcome in one fenced step, then the signed event, then the job's result (or its failure).
//
// One exception to "every wait in Redis": a status query due within INLINE_WAIT_MAX_MS while the bank
// settles a payment (the first one after the send, above all) is waited for in the run's slot, the state
// saved first — when few of this worker's runs already do (PIXOUT_CONCURRENCY / 4, none below 4), and not
// while the worker shuts down. Parking the job in the delayed set and taking it again costs Redis about 55
// commands and two scripts of BullMQ's (docs/design/performance.md); a slot idle for a moment costs nothing
// while others are free. A crash meanwhile leaves the saved state: the next run queries the status, as it
// would have after the delayed set.
import { setTimeout as sleep } from "node:timers/promises";
import { UnrecoverableError } from "bullmq";
import { spacedForCallbacks } from "../../payments/callback-news.js";
import { waitsForSettlement, type Decision, type PaymentState } from "../../payments/lifecycle.js";
import { parseAmount } from "../../payments/money.js";
import { readJobData, storedForm } from "../job-data.js";
import type { PaymentResult } from "../payment-view.js";
import { holdIfShort } from "./balance-steps.js";
import { poll } from "./poll-step.js";
import { completes, outcomeFacts, paymentResult, type FinalOutcome } from "../outcome-facts.js";
import {
  accountOf,
  announce,
  countOutcome,
  dataOf,
  fenced,
  guardMember,
  indexIds,
  quietly,
  recordOf,
  save,
  type RunContext,
} from "./run-context.js";
import { wait } from "./waits.js";

/** The longest wait for a status query a run makes in its slot (the default first poll: 2 s). */
export const INLINE_WAIT_MAX_MS = 2_000;
/** At most this many status queries in one run: a payment still settling after them waits in Redis. */
const INLINE_POLLS_PER_RUN = 3;

/** The end of a run: the state and the record's outcome (one fenced step), the event, the result. */
export async function conclude(ctx: RunContext, first: Decision, inlinePolls = 0): Promise<PaymentResult> {
  const { deps, clock, logger, payment } = ctx;
  const given = await holdIfShort(ctx, first);
  const cb = deps.options.callbacks;
  const decision =
    cb && given.kind === "wait" && (await cb.receiver()).flowing ? spacedForCallbacks(given, cb.pollMs) : given;
  if (decision.kind === "wait") {
    if (decision.why === "configuration") {
      logger.error(
        { paymentId: payment.paymentId, error: decision.state.lastError?.message },
        "payouts wait for a configuration fix (see the error); no attempt is used",
      );
    }
    await trackApproval(ctx, decision.state, false);
    if (waitsForSettlement(decision) && inlinePolls < INLINE_POLLS_PER_RUN) {
      const next = await waitInline(ctx, decision.state, decision.delayMs, decision.why);
      const codigo = next?.state.codigoSolicitacao;
      if (next && codigo !== undefined) return conclude(next, await poll(next, codigo), inlinePolls + 1);
    }
    return wait(ctx, decision.state, decision.delayMs, decision.why);
  }
  const state: PaymentState = { ...decision.state, waitingFor: undefined };
  await trackApproval(ctx, state, true);
  indexIds(deps, payment.paymentId, { codigoSolicitacao: state.codigoSolicitacao, endToEndId: state.endToEndId });
  countOutcome(ctx, decision.state.outcome, state.generation);
  const data = dataOf(storedForm(payment, ctx.data.fields), state, ctx.audit);
  fenced(
    await deps.store.finish(
      ctx.job.id ?? "",
      payment.paymentId,
      ctx.token,
      ctx.claim,
      JSON.stringify(data),
      recordOf(ctx, state, decision.state.outcome),
    ),
    ctx.job,
    "the outcome",
  );
  ctx.job.data = data;
  const guard = deps.options.balance?.guard;
  if (guard) {
    const spent = decision.state.outcome === "paid" || decision.state.outcome === "needs-reconciliation";
    await quietly(deps, "end the payment's balance reservation", payment.paymentId, () =>
      guard.store.release(
        accountOf(deps, payment),
        guardMember(payment.paymentId, state.generation),
        spent ? "spent" : "unspent",
        clock.now(),
      ),
    );
  }
  const final = { ...state, outcome: decision.state.outcome };
  const facts = outcomeFacts(payment.paymentId, payment.amount, final);
  await announce(deps, ctx.audit, facts, payment.callbackUrl);
  const log = {
    paymentId: payment.paymentId,
    outcome: final.outcome,
    bankStatus: state.bankStatus,
    codigoSolicitacao: state.codigoSolicitacao,
  };
  if (decision.kind === "fail") {
    logger.warn({ ...log, reason: decision.state.reason }, "payout failed; nothing was paid");
    throw new UnrecoverableError(decision.state.reason);
  }
  if (final.outcome === "needs-reconciliation")
    logger.error({ ...log, reason: state.reason }, "payout needs reconciliation by a human");
  else logger.info(log, "payout paid");
  return paymentResult({ ...facts, outcome: decision.state.outcome }, payment.amount, state.history, clock.iso());
}

/**
 * Waits in the run's slot for a status query due within INLINE_WAIT_MAX_MS, the state saved first (as a wait
 * in Redis saves it): the context the query runs in, as the next run would begin. None when the wait is
 * longer or enough of this worker's runs already wait so: the caller waits in Redis.
 */
async function waitInline(
  ctx: RunContext,
  state: PaymentState,
  delayMs: number,
  why: string,
): Promise<RunContext | undefined> {
  const { inline, options } = ctx.deps;
  if (delayMs > INLINE_WAIT_MAX_MS || inline.waiting >= inline.max || options.closing?.() === true) return undefined;
  const saved: PaymentState = { ...state, waitingFor: { why, until: ctx.clock.now() + Math.round(delayMs) } };
  inline.waiting++;
  try {
    await save(ctx, saved);
    await sleep(delayMs);
  } finally {
    inline.waiting--;
  }
  return { ...ctx, state: { ...saved, outcome: undefined, reason: undefined } };
}

/**
 * A run that finds its job's final outcome already written — with the record, in the same step — by an
 * earlier run whose completion was lost (a crash, a Redis error after the write): it concludes the same
 * way again (the same event, deduplicated by its id) and decides nothing afresh. Only an operator's
 * retry (src/queue/producer/retry.ts) reopens a finished payment.
 */
export async function concludeAgain(
  ctx: RunContext,
  state: PaymentState & { outcome: FinalOutcome },
): Promise<PaymentResult> {
  const { payment } = ctx;
  ctx.logger.info(
    { paymentId: payment.paymentId, outcome: state.outcome },
    "this payment's outcome was written by an earlier run; concluding it again, nothing decided afresh",
  );
  const facts = outcomeFacts(payment.paymentId, payment.amount, state);
  await announce(ctx.deps, ctx.audit, facts, payment.callbackUrl);
  if (completes(facts)) return paymentResult(facts, payment.amount, state.history, ctx.clock.iso());
  throw new UnrecoverableError(state.reason ?? `the payment was ${state.outcome}`);
}

/** The list of payments awaiting approval: joined while the bank says so, left when it no longer does. */
async function trackApproval(ctx: RunContext, state: PaymentState, final: boolean): Promise<void> {
  const { deps, payment } = ctx;
  const approvals = deps.options.approvals;
  if (!approvals) return;
  const since = state.approvalSince;
  if (!final && since !== undefined) {
    const account = payment.account ?? deps.options.defaultAccount;
    await quietly(deps, "list the payment as awaiting approval", payment.paymentId, () =>
      approvals.awaiting({
        paymentId: payment.paymentId,
        amountCents: parseAmount(payment.amount),
        since,
        deadline: since + deps.policy.approvalDeadlineMs,
        ...(state.codigoSolicitacao === undefined ? {} : { codigoSolicitacao: state.codigoSolicitacao }),
        ...(account === undefined ? {} : { account }),
      }),
    );
    return;
  }
  // The job's data as last saved (this run may have saved since it began): was it on the list?
  if (readJobData(ctx.job.data).state.unchecked.approvalSince !== undefined) {
    await quietly(deps, "take the payment off the approvals list", payment.paymentId, () =>
      approvals.done(payment.paymentId),
    );
  }
}
