// The payout job, one per payment, as a step job (DESIGN.md §3): `submit` sends it to the bank, `poll`
// follows it until final. Every wait — a budget slot, a backoff, the next status query — is a
// `moveToDelayed` + `DelayedError`, never a sleep in a worker slot. Before each wait the job's data is
// updated first, then moved, then the error thrown (BullMQ issue #1602).
//
// What to do after each answer is decided by the pure rules of src/payments/lifecycle.ts; this file
// only does the I/O around them.
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import { InterError } from "../inter/errors.js";
import type { InterClient } from "../inter/client.js";
import type { PixOrder } from "../inter/pix-request.js";
import type { Logger } from "../logger.js";
import { saoPauloStartOfDay, saoPauloToday } from "../payments/calendar.js";
import { describeIssues, issuesOf } from "../payments/field-issues.js";
import { bankIdempotencyKey } from "../payments/idempotency.js";
import {
  DEFAULT_POLICY,
  afterPoll,
  afterSend,
  initialState,
  type Decision,
  type ErrorFacts,
  type LifecyclePolicy,
  type PaymentState,
} from "../payments/lifecycle.js";
import { parseAmount } from "../payments/money.js";
import { paymentSchema, type Payment } from "../payments/payment.js";
import type { Budgets } from "./budgets.js";
import { jobIdFor } from "./names.js";
import type { PaymentResult } from "./payment-view.js";


/** The job's data: the payment as the producer wrote it, plus the worker's `state`. */
type JobData = Payment & { state?: PaymentState };

export interface ProcessorOptions {
  client: InterClient;
  budgets: Budgets;
  logger: Logger;
  policy?: LifecyclePolicy;
  now?: () => number;
  random?: () => number;
}

export type PayoutJob = Job<unknown, PaymentResult>;

function errorFacts(err: unknown): ErrorFacts {
  if (err instanceof InterError) {
    return {
      code: err.code,
      message: err.message,
      retryable: err.retryable,
      ambiguous: err.ambiguous,
      operation: err.operation,
      ...(err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs }),
    };
  }
  // Not the bank client's error: a bug or an infrastructure failure of ours, in the middle of a call
  // that may have gone out. Treat it as the worst case: ambiguous, and worth another try.
  return { code: "PIXOUT_INTERNAL", message: err instanceof Error ? err.message : String(err), retryable: true, ambiguous: true };
}

export function createPayoutProcessor(options: ProcessorOptions): (job: PayoutJob, token?: string) => Promise<PaymentResult> {
  const { client, budgets, logger } = options;
  const policy = options.policy ?? DEFAULT_POLICY;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;

  /** Parses the job; invalid data fails the job at once, before anything reaches the bank (DESIGN.md §2.6). */
  async function readJob(job: PayoutJob): Promise<{ payment: Payment; state: PaymentState }> {
    const raw = (typeof job.data === "object" && job.data !== null ? job.data : {}) as Record<string, unknown>;
    const { state, ...fields } = raw;
    const parsed = paymentSchema.safeParse(fields);
    const problems = parsed.success ? [] : issuesOf(parsed.error);
    if (parsed.success && job.id !== jobIdFor(parsed.data.paymentId)) {
      problems.push({ field: "jobId", message: `must be "${jobIdFor(parsed.data.paymentId)}" (the job id derived from paymentId, so that a payment cannot be queued twice)` });
    }
    if (!parsed.success || problems.length > 0) {
      const reason = `invalid payment data: ${describeIssues(problems)}`;
      if (typeof job.data === "object" && job.data !== null) {
        await job.updateData({ ...raw, state: { ...initialState(), outcome: "rejected", reason } });
      }
      logger.warn({ jobId: job.id, problems }, "refused a payout job with invalid data; nothing was sent to the bank");
      throw new UnrecoverableError(reason);
    }
    const current = typeof state === "object" && state !== null ? (state as PaymentState) : initialState();
    return { payment: parsed.data, state: current };
  }

  function orderOf(payment: Payment, at: number): PixOrder {
    // Only a future date is sent: a scheduledFor that is already today or past pays now, and a retry
    // after midnight does not turn into a "date in the past" refusal.
    const paymentDate = payment.scheduledFor !== undefined && payment.scheduledFor > saoPauloToday(at) ? payment.scheduledFor : undefined;
    return {
      amountCents: parseAmount(payment.amount),
      ...(payment.description === undefined ? {} : { description: payment.description }),
      ...(paymentDate === undefined ? {} : { paymentDate }),
      recipient: payment.recipient,
    };
  }

  /**
   * A slot of `name` for this job: its reservation (kept in the state while it waits for it), then the
   * gate right before the call. A job never asks for a second reservation: once its slot is due it only
   * waits for the gate, which is a matter of milliseconds.
   */
  async function takeSlot(name: "send" | "status", state: PaymentState): Promise<{ go: true; state: PaymentState } | { go: false; delayMs: number; state: PaymentState }> {
    let at = now();
    let held = state.slot?.budget === name ? state.slot : undefined;
    if (!held) {
      const wait = await budgets.reserve(name);
      held = { budget: name, at: at + wait };
      at = now();
    }
    if (at < held.at) return { go: false, delayMs: held.at - at, state: { ...state, slot: held } };
    const gate = await budgets.gate(name);
    if (gate > 0) return { go: false, delayMs: gate, state: { ...state, slot: held } };
    return { go: true, state: { ...state, slot: undefined } };
  }

  async function wait(job: PayoutJob, token: string | undefined, payment: Payment, state: PaymentState, delayMs: number, why: string): Promise<never> {
    await job.updateData({ ...payment, state } satisfies JobData);
    await job.moveToDelayed(now() + Math.max(1, Math.round(delayMs)), token);
    logger.debug({ paymentId: payment.paymentId, step: state.step, why, delayMs: Math.round(delayMs) }, "payout waits");
    throw new DelayedError();
  }

  async function conclude(job: PayoutJob, token: string | undefined, payment: Payment, decision: Decision): Promise<PaymentResult> {
    if (decision.kind === "wait") return wait(job, token, payment, decision.state, decision.delayMs, decision.why);
    const state = decision.state;
    await job.updateData({ ...payment, state } satisfies JobData);
    const log = { paymentId: payment.paymentId, outcome: state.outcome, bankStatus: state.bankStatus, codigoSolicitacao: state.codigoSolicitacao };
    if (decision.kind === "fail") {
      logger.warn({ ...log, reason: state.reason }, "payout failed; nothing was paid");
      throw new UnrecoverableError(decision.state.reason);
    }
    if (state.outcome === "needs-reconciliation") logger.error({ ...log, reason: state.reason }, "payout needs reconciliation by a human");
    else logger.info(log, "payout paid");
    return {
      paymentId: payment.paymentId,
      outcome: decision.state.outcome,
      ...(state.bankStatus === undefined ? {} : { bankStatus: state.bankStatus }),
      ...(state.codigoSolicitacao === undefined ? {} : { codigoSolicitacao: state.codigoSolicitacao }),
      ...(state.endToEndId === undefined ? {} : { endToEndId: state.endToEndId }),
      amount: payment.amount,
      ...(state.paidAt === undefined ? {} : { paidAt: state.paidAt }),
      confirmedAt: new Date(now()).toISOString(),
      history: state.history ?? [],
      idempotencyKey: bankIdempotencyKey(payment.paymentId, state.generation),
      generation: state.generation,
      ...(state.outcome === "needs-reconciliation" && state.reason !== undefined ? { reason: state.reason } : {}),
    };
  }

  return async (job, token) => {
    const { payment, state } = await readJob(job);
    const call = payment.account === undefined ? undefined : { account: payment.account };

    if (state.step === "submit") {
      const slot = await takeSlot("send", state);
      if (!slot.go) return wait(job, token, payment, slot.state, slot.delayMs, "send budget");
      let decision: Decision;
      try {
        const sent = await client.sendPix(orderOf(payment, now()), bankIdempotencyKey(payment.paymentId, state.generation), call);
        decision = afterSend(slot.state, { ok: true, sent }, now(), random(), policy);
      } catch (err) {
        const facts = errorFacts(err);
        if (facts.code === "INTER_RATE_LIMITED" && facts.operation !== "token") await budgets.penalize("send", facts.retryAfterMs ?? policy.defaultRateLimitWaitMs);
        decision = afterSend(slot.state, { ok: false, error: facts }, now(), random(), policy);
      }
      return conclude(job, token, payment, decision);
    }

    const codigo = state.codigoSolicitacao;
    if (codigo === undefined) throw new UnrecoverableError("payout state is in step poll without a codigoSolicitacao");
    const slot = await takeSlot("status", state);
    if (!slot.go) return wait(job, token, payment, slot.state, slot.delayMs, "status budget");
    const scheduledAt = payment.scheduledFor === undefined ? undefined : saoPauloStartOfDay(payment.scheduledFor);
    let decision: Decision;
    try {
      const status = await client.getPix(codigo, call);
      decision = afterPoll(slot.state, { ok: true, status }, now(), random(), policy, scheduledAt);
      if (decision.kind === "finish" && status.movedAt !== undefined) decision.state.paidAt = status.movedAt;
    } catch (err) {
      const facts = errorFacts(err);
      if (facts.code === "INTER_RATE_LIMITED" && facts.operation !== "token") await budgets.penalize("status", facts.retryAfterMs ?? policy.defaultRateLimitWaitMs);
      decision = afterPoll(slot.state, { ok: false, error: facts }, now(), random(), policy, scheduledAt);
    }
    return conclude(job, token, payment, decision);
  };
}

