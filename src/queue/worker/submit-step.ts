// The `submit` step: sends the payment to the bank, in this order —
//   balance (a held account waits; the guard's estimate)               ─ balance-steps.ts
//   slot (the fleet's send budget, reserved ahead)                       ─ call-pacing.ts
//   safety limits, then one fenced step: lock extended, record `pending`, send-in-flight mark
//   gate (the fleet's previous send: ≥ 1 s ago), then at once the send, within SEND_BOUND_MS of the lock step
// What the answer means is decided by src/payments/lifecycle.ts (afterSend).
import { performance } from "node:perf_hooks";
import type { CallOptions, SentPix } from "../../inter/client.js";
import { InterError, TokenCacheError } from "../../inter/errors.js";
import { RequestNotSentError } from "../../inter/on-socket.js";
import { bankIdempotencyKey } from "../../payments/idempotency.js";
import { afterSend, beforeSend, blocked, type Decision, type PaymentState } from "../../payments/lifecycle.js";
import { pixOrderFor, scheduledDateFor } from "../../payments/pix-order.js";
import { RedisNotReplicatedError } from "../../redis/errors.js";
import { storedForm } from "../job-data.js";
import { balanceGate } from "./balance-steps.js";
import { attempts, passGate, penalize, reserveSlot } from "./call-pacing.js";
import { errorFacts, redisErrorIn } from "./call-errors.js";
import type { FencedResult } from "./fenced-store.js";
import { SendNotMadeError, dataOf, fenced, indexIds, recordOf, type RunContext } from "./run-context.js";
import { wait } from "./waits.js";

/** The send step: the decision on the bank's answer, or on why nothing was sent. */
export async function submit(ctx: RunContext): Promise<Decision> {
  const { deps, clock, logger, payment } = ctx;
  const { budgets, policy } = deps;
  const given = ctx.state;
  const parked = beforeSend(given, clock.now(), policy);
  if (parked) return parked;
  const gated = await balanceGate(ctx, given);
  if ("decision" in gated) return gated.decision;
  const { state } = gated;
  const slot = await reserveSlot(deps, "send", state, false);
  if (!slot.go) return wait(ctx, slot.state, slot.delayMs, slot.why);
  // The first send fixes dataPagamento; a resend after midnight must not change the body under the same key.
  const paymentDate = state.paymentDate !== undefined ? state.paymentDate : scheduledDateFor(payment, clock.now());
  const order = pixOrderFor(payment, paymentDate);
  const base: PaymentState = {
    ...slot.state,
    paymentDate,
    firstSendAt: state.firstSendAt ?? clock.now(),
    slot: undefined,
    waitingFor: undefined,
  };
  // The safety limits: a refusal ends the payment `blocked`, nothing sent. A reservation left by a send
  // that never went out (lost lock, Redis error) is found again by the retry.
  const limited = {
    payment,
    generation: state.generation,
    firstSendAt: base.firstSendAt ?? clock.now(),
    maybeExecuted: base.maybeExecuted,
  };
  const limits = deps.options.limits;
  const admission = limits ? await limits.admit(limited) : { ok: true as const };
  if (!admission.ok) return blocked(state, admission.reason);
  // One fenced step: the lock extended, the record `pending` (from the first send on the paymentId stays
  // refused to producers however the job ends), and the send-in-flight mark — or nothing, and no send.
  const lockStepAt = performance.now();
  const marked: PaymentState = { ...base, sendInFlight: clock.now() };
  const data = dataOf(storedForm(payment, ctx.data.fields), marked, ctx.audit);
  const unmark = async (why: string, delayMs: number): Promise<never> =>
    wait(ctx, { ...base, slot: slot.state.slot }, delayMs, why);
  let step: FencedResult;
  try {
    step = await deps.store.beforeSend(
      ctx.job.id ?? "",
      payment.paymentId,
      ctx.token,
      ctx.claim,
      deps.lockMs,
      JSON.stringify(data),
      recordOf(ctx, marked, "pending"),
    );
  } catch (err) {
    if (!(err instanceof RedisNotReplicatedError)) throw err;
    // The mark is on the master, not confirmed by the replicas: nothing is sent, and the mark is cleared (a
    // plain save), so that the next run does not take this payment for one whose send may be out.
    deps.options.onRedisError?.(err);
    return unmark(`nothing was sent: ${err.message}`, 1_000 + clock.random() * 4_000);
  }
  if (!step.ok && step.why === "paid") {
    // The payment's record says paid (a job re-run outside pixout's rules after it was paid): never again.
    const codigo = step.record?.codigoSolicitacao ?? state.codigoSolicitacao;
    return {
      kind: "finish",
      state: {
        ...state,
        ...(codigo === undefined ? {} : { codigoSolicitacao: codigo }),
        maybeExecuted: true,
        outcome: "paid",
        reason: "already paid (the payment's record): not sent again",
      },
    };
  }
  fenced(step, ctx.job, "the send-in-flight mark");
  ctx.job.data = data;
  // Until an exchange is let go to the bank, nothing can have reached it: a failure clears the mark (a
  // first exchange answered 401 was refused, so a failure before the second leaves also sent nothing).
  const exchange = { released: false };
  const notSent = (err: unknown): Promise<never> =>
    unmark(
      `nothing was sent: ${err instanceof Error ? err.message : String(err)}`,
      err instanceof SendNotMadeError ? err.delayMs : 1_000 + clock.random() * 4_000,
    );
  let gate: number;
  try {
    gate = await passGate(deps, "send", slot.state.slot?.at);
  } catch (err) {
    return notSent(err);
  }
  if (gate > 0) return unmark("send gate", gate + 1 + clock.random() * budgets.intervalMs("send") * 0.1);
  const call: CallOptions = {
    ...(payment.account === undefined ? {} : { account: payment.account }),
    beforeAttempt: attempts(deps, "send", lockStepAt, performance.now(), (yes) => {
      exchange.released = yes;
    }),
  };
  let sent: SentPix;
  try {
    sent = await deps.client.sendPix(order, bankIdempotencyKey(payment.paymentId, state.generation), call);
  } catch (err) {
    // The fleet's token cache failing is always before an exchange: the first, or the second after a 401 (a
    // refusal: nothing ran). Either way nothing of this call reached the bank.
    const beforeExchange = !exchange.released || err instanceof TokenCacheError;
    // Redis failed under the call (the fleet's token cache): told to the worker's health watch.
    const redisFailure = beforeExchange ? redisErrorIn(err) : undefined;
    if (redisFailure !== undefined) deps.options.onRedisError?.(redisFailure);
    if (err instanceof SendNotMadeError || err instanceof RequestNotSentError) return notSent(err);
    // Ours (a token store, the gate) before the exchange left; the bank's own answers are InterErrors — a
    // Redis failure under the token call is wrapped in one, and is ours too.
    if (beforeExchange && (!(err instanceof InterError) || redisFailure !== undefined)) return notSent(err);
    const facts = errorFacts(err);
    if (facts.code === "INTER_RATE_LIMITED" && facts.operation !== "token") await penalize(deps, "send", facts);
    const decision = afterSend(base, { ok: false, error: facts }, clock.now(), clock.random(), policy);
    // Failed for good with nothing executed: the day's reservation is given back (best effort — a
    // reservation kept by mistake only makes the limit stricter). An ambiguous send keeps it.
    if (limits && decision.kind === "fail" && !decision.state.maybeExecuted) {
      await limits.release(limited).catch((e: unknown) => {
        logger.warn(
          { paymentId: payment.paymentId, err: e instanceof Error ? e.message : String(e) },
          "could not release the payment's daily-limit reservation; the day's total stays higher",
        );
      });
    }
    return decision;
  }
  indexIds(deps, payment.paymentId, { codigoSolicitacao: sent.codigoSolicitacao });
  await linkCodigo(ctx, sent.codigoSolicitacao);
  return afterSend(base, { ok: true, sent }, clock.now(), clock.random(), policy);
}

/**
 * Links the bank's codigoSolicitacao to the job, for the receiver to wake it — only while a receiver
 * runs (one Redis call less per payment otherwise); the poll covers a payment sent without the link.
 */
async function linkCodigo(ctx: RunContext, codigo: string): Promise<void> {
  const { job } = ctx;
  const callbacks = ctx.deps.options.callbacks;
  if (!callbacks || job.id === undefined || !(await callbacks.receiver()).running) return;
  await callbacks.store.link(codigo, job.id).catch((err: unknown) => {
    ctx.logger.warn(
      { jobId: job.id, err: err instanceof Error ? err.message : String(err) },
      "could not link the payment to its codigoSolicitacao for callbacks; it will be polled",
    );
  });
}
