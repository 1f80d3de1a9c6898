// The `poll` step: follows a payment the bank accepted (its codigoSolicitacao) until it is final — by
// Inter's callbacks when a receiver runs, confirmed or completed by a status query. What each answer means
// is decided by src/payments/lifecycle.ts (afterPoll) and src/payments/callback-news.ts.
import { performance } from "node:perf_hooks";
import type { CallOptions, PixStatus } from "../../inter/client.js";
import { isKnownStatus } from "../../payments/bank-status.js";
import { saoPauloStartOfDay, saoPauloToday } from "../../payments/calendar.js";
import { fromCallbacks } from "../../payments/callback-news.js";
import { afterPoll, type Decision, type ExpectedPayment, type PaymentState } from "../../payments/lifecycle.js";
import { parseAmount } from "../../payments/money.js";
import type { Payment } from "../../payments/payment.js";
import { pixOrderFor } from "../../payments/pix-order.js";
import { personalValues } from "../../payments/pix-request.js";
import { attempts, passGate, penalize, reserveSlot } from "./call-pacing.js";
import { errorFacts, redisErrorIn } from "./call-errors.js";
import { SendNotMadeError, type RunContext } from "./run-context.js";
import { wait } from "./waits.js";

/**
 * The longest a low-priority poll (a payment long stuck, or awaiting approval) gives way to others: under a
 * steady backlog the status schedule is always booked beyond its reach, and it would never be polled.
 */
export const GIVE_WAY_MAX_MS = 10 * 60_000;

/** The status step of the payment the bank knows as `codigo`. */
export async function poll(ctx: RunContext, codigo: string): Promise<Decision> {
  const { deps, clock, logger, payment } = ctx;
  const { budgets, policy } = deps;
  const news = await readCallbacks(ctx, ctx.state, codigo);
  if (news.finish) return news.finish;
  const started = news.state.progressSince ?? news.state.submittedAt ?? clock.now();
  // A long wait's poll gives way to others — for GIVE_WAY_MAX_MS at most, then it books like any other.
  const gaveWay = news.state.gaveWaySince !== undefined && clock.now() - news.state.gaveWaySince > GIVE_WAY_MAX_MS;
  const lowPriority =
    !gaveWay && (news.state.approvalSince !== undefined || clock.now() - started > policy.stuckAfterMs);
  const slot = await reserveSlot(deps, "status", news.state, lowPriority, true);
  if (!slot.go) return wait(ctx, slot.state, slot.delayMs, slot.why);
  const state: PaymentState = { ...slot.state, slot: undefined, waitingFor: undefined };
  const gate = slot.gated ? 0 : await passGate(deps, "status", slot.state.slot?.at);
  if (gate > 0)
    return wait(ctx, slot.state, gate + 1 + clock.random() * budgets.intervalMs("status") * 0.1, "status gate");
  const call: CallOptions = {
    ...(payment.account === undefined ? {} : { account: payment.account }),
    beforeAttempt: attempts(deps, "status", undefined, performance.now()),
    personal: personalValues(pixOrderFor(payment, null)),
  };
  const scheduledAt = payment.scheduledFor === undefined ? undefined : saoPauloStartOfDay(payment.scheduledFor);
  let status: PixStatus;
  try {
    status = await deps.client.getPix(codigo, call);
  } catch (err) {
    if (err instanceof SendNotMadeError) return wait(ctx, slot.state, err.delayMs, err.message);
    // Redis failed under the call (the fleet's token cache): the infrastructure's, not the payment's.
    const redisFailure = redisErrorIn(err);
    if (redisFailure !== undefined) throw redisFailure;
    const facts = errorFacts(err);
    if (facts.code === "INTER_RATE_LIMITED" && facts.operation !== "token") await penalize(deps, "status", facts);
    return afterPoll(state, { ok: false, error: facts }, clock.now(), clock.random(), policy, scheduledAt);
  }
  if (!isKnownStatus(status.status)) {
    logger.warn(
      { paymentId: payment.paymentId, codigoSolicitacao: codigo, bankStatus: status.status },
      "unknown bank status; treated as in progress",
    );
  }
  const decision = afterPoll(
    state,
    { ok: true, status },
    clock.now(),
    clock.random(),
    policy,
    scheduledAt,
    expectedOf(payment),
  );
  if (decision.kind === "finish" && decision.state.outcome === "paid" && status.movedAt !== undefined)
    decision.state.paidAt = status.movedAt;
  return decision;
}

/** What Inter's callbacks say, when a receiver runs: a finish, or the state with what was read. */
async function readCallbacks(
  ctx: RunContext,
  state: PaymentState,
  codigo: string,
): Promise<{ finish?: Decision; state: PaymentState }> {
  const { clock, payment } = ctx;
  const cb = ctx.deps.options.callbacks;
  if (!cb || !(await cb.receiver()).running) return { state };
  const news = await cb.store.news(codigo);
  if (news.length === 0) return { state };
  const account = payment.account ?? ctx.deps.options.defaultAccount;
  const sentAt = state.firstSendAt ?? state.submittedAt;
  const verdict = fromCallbacks(state, payment, news, {
    now: clock.now(),
    today: saoPauloToday(clock.now()),
    ...(sentAt === undefined ? {} : { sentAt }),
    ...(account === undefined ? {} : { account }),
  });
  if (verdict.kind === "finish") return { finish: verdict.decision, state };
  if (news.length > (state.callbacksSeen ?? 0)) {
    ctx.logger.info(
      { paymentId: payment.paymentId, codigoSolicitacao: codigo, why: verdict.why },
      "confirming Inter's callback with a status query",
    );
  }
  return { state: { ...state, callbacksSeen: news.length } };
}

/** What the bank's answer must agree with: the amount, and the Pix key when paid by key. */
function expectedOf(payment: Payment): ExpectedPayment {
  return {
    amountCents: parseAmount(payment.amount),
    ...(payment.recipient.type === "key" ? { key: payment.recipient.key } : {}),
  };
}
