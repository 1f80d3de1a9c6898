// The payout job, one per payment, as a step job (DESIGN.md §3): `submit` sends it to the bank, `poll`
// follows it until final. Every wait — a budget slot, a backoff, the next status query — is a
// `moveToDelayed` + `DelayedError`, never a sleep in a worker slot. Before each wait the job's data is
// updated first, then moved, then the error thrown (BullMQ issue #1602).
//
// What to do after each answer is decided by the pure rules of src/payments/lifecycle.ts; this file
// only does the I/O around them. One more rule lives here because it is about I/O: right before a send
// the job records `sendInFlight`, so that a worker dying mid-send leaves evidence that the payment may
// have executed.
import { setTimeout as sleep } from "node:timers/promises";
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { InterClient } from "../inter/client.js";
import { InterError } from "../inter/errors.js";
import type { Logger } from "../logger.js";
import { isKnownStatus } from "../payments/bank-status.js";
import { saoPauloStartOfDay } from "../payments/calendar.js";
import { describeIssues, issuesOf, type FieldIssue } from "../payments/field-issues.js";
import { bankIdempotencyKey } from "../payments/idempotency.js";
import {
  DEFAULT_POLICY,
  afterPoll,
  afterSend,
  beforeSend,
  blocked,
  hasBankEvidence,
  initialState,
  paymentStateSchema,
  type Decision,
  type ErrorFacts,
  type LifecyclePolicy,
  type Outcome,
  type PaymentState,
} from "../payments/lifecycle.js";
import { fromCallbacks, spacedForCallbacks } from "../payments/callback-news.js";
import { DEFAULT_MAX_AMOUNT_CENTS } from "../payments/amount-rule.js";
import { paymentSchemaWithMax, type Payment } from "../payments/payment.js";
import { pixOrderFor, scheduledDateFor } from "../payments/pix-order.js";
import type { OutcomeFacts } from "../notify/event.js";
import type { Notifier } from "../notify/notifier.js";
import type { CallbackStore, ReceiverHealth } from "../webhook/callback-store.js";
import type { Budgets } from "./budgets.js";
import type { SafetyLimits } from "./daily-limits.js";
import { NO_PROTECTION, openPayoutFields, paymentDigest, storedForm, type DataProtection } from "./job-data.js";
import { jobIdFor } from "./names.js";
import type { BankIdentifier, PaymentIndex } from "./payment-index.js";
import type { PaymentRecords } from "./payment-record.js";
import type { PaymentResult } from "./payment-view.js";

/**
 * The job's data: the payment as the producer wrote it (its recipient possibly encrypted, see
 * src/queue/job-data.ts), the worker's `state`, and the operators' `audit`.
 */
type JobData = ReturnType<typeof storedForm> & { state?: PaymentState; audit?: unknown };

/** Inter's callbacks, as the webhook receiver stores them (issue #6). */
export interface CallbackOptions {
  store: CallbackStore;
  /** Whether a receiver runs now, and whether callbacks arrive (cached by the caller: asked on every step). */
  receiver: () => Promise<ReceiverHealth>;
  /** While a receiver runs, polls of a payment the bank is processing are at least this far apart. */
  pollMs: number;
}

/**
 * What the processor tells the worker's metrics (src/ops/metrics/worker-metrics.ts). An interface of its
 * own, so that this file needs no metrics library and tests can pass a recorder.
 */
export interface PayoutMetrics {
  /**
   * A step found the fleet's budget taken and waits `ms` for a later slot: a reservation of a later slot,
   * a schedule full beyond the horizon, or the gate right before the call (a 429's penalty included).
   */
  onRateLimitWait(endpoint: "send" | "status", ms: number): void;
  /**
   * A run ended the payment with this final outcome, told right before the outcome is saved: counted once
   * per final outcome of a generation, at-least-once across crashes (see countOutcome).
   */
  onOutcome(outcome: Outcome): void;
}

/** What the job's state said when this run began: a final outcome an earlier run saved, and its generation. */
interface Earlier {
  outcome: unknown;
  generation: number;
}

function earlierOf(data: unknown): Earlier {
  const state = typeof data === "object" && data !== null ? (data as { state?: unknown }).state : undefined;
  const s = (typeof state === "object" && state !== null ? state : {}) as { outcome?: unknown; generation?: unknown };
  return { outcome: s.outcome, generation: typeof s.generation === "number" ? s.generation : 0 };
}

export interface ProcessorOptions {
  client: InterClient;
  callbacks?: CallbackOptions;
  /**
   * How many payments wait in the queue (cached by the caller). A payment beyond the reservation horizon
   * sleeps a random share of the whole backlog's time instead of a share of the horizon, so that a large
   * backlog is not walked through every few minutes.
   */
  backlog?: () => Promise<number>;
  /** Queues the signed event of each final outcome (src/notify/) before the job completes. */
  notifier?: Pick<Notifier, "notifyOutcome">;
  /** The per-payment maximum in centavos (PIXOUT_MAX_AMOUNT). */
  maxAmountCents?: number;
  /** Data keys: a recipient stored encrypted is decrypted in memory only, never written back plain. */
  dataProtection?: DataProtection;
  /** Where a finished payment's long-lived idempotency record is written (src/queue/payment-record.ts). */
  records?: PaymentRecords;
  budgets: Budgets;
  metrics?: PayoutMetrics;
  /**
   * The dashboard's search by the bank's identifiers (src/queue/payment-index.ts). Written best effort and
   * not awaited: a failed write only makes search miss, it never fails or delays a payment's decision.
   */
  index?: Pick<PaymentIndex, "remember">;
  /** The fleet's safety limits (daily total per paying account, allow-list), checked right before each send. */
  limits?: SafetyLimits;
  logger: Logger;
  /** The worker's lockDuration: the lock is renewed for this long right before a send. */
  lockDurationMs?: number;
  policy?: LifecyclePolicy;
  now?: () => number;
  random?: () => number;
}

export type PayoutJob = Job<unknown, PaymentResult>;

/** A reserved slot this late (or later) is given up for a new reservation; see takeSlot. */
const STALE_SLOT_MS = 2_000;
/** How long before its slot a job leaves the delayed set, to wait the last moment in the worker. */
const SLOT_LEAD_MS = 250;

type Slot = { go: true; state: PaymentState } | { go: false; delayMs: number; state: PaymentState; why: string };

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
  // Not the bank client's error: a bug or an infrastructure failure of ours in the middle of a call that
  // may have gone out. Treat it as the worst case: ambiguous, and worth another try.
  return { code: "PIXOUT_INTERNAL", message: err instanceof Error ? err.message : String(err), retryable: true, ambiguous: true };
}


export function createPayoutProcessor(options: ProcessorOptions): (job: PayoutJob, token?: string) => Promise<PaymentResult> {
  const { client, budgets, logger } = options;
  const policy = options.policy ?? DEFAULT_POLICY;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const lockMs = options.lockDurationMs ?? 60_000;
  const protection = options.dataProtection ?? NO_PROTECTION;
  // The same per-payment maximum as the producers (PIXOUT_MAX_AMOUNT): a larger amount never reaches the bank.
  const schema = paymentSchemaWithMax(options.maxAmountCents ?? DEFAULT_MAX_AMOUNT_CENTS);

  type Read =
    | { kind: "ok"; payment: Payment; state: PaymentState }
    | { kind: "invalid"; problems: FieldIssue[]; raw: Record<string, unknown> }
    /** Encrypted under a data key this worker lacks: a configuration problem, not the payment's. */
    | { kind: "key-missing"; problems: FieldIssue[] };

  function readJob(job: PayoutJob): Read {
    const raw = (typeof job.data === "object" && job.data !== null ? job.data : {}) as Record<string, unknown>;
    // `state` is the worker's and `audit` the operators'; the rest is the producer's payment.
    const { state, audit: _audit, ...stored } = raw;
    // An encrypted recipient is decrypted here, in memory only (save() writes the stored form back).
    const opened = openPayoutFields(stored, state, protection);
    if (opened.missingKey === true) return { kind: "key-missing", problems: opened.problems };
    const parsed = schema.safeParse(opened.fields);
    const issues = parsed.success ? [] : issuesOf(parsed.error);
    const problems = opened.problems.length > 0 ? [...opened.problems, ...issues.filter((i) => !i.field.startsWith("recipient"))] : issues;
    if (parsed.success && job.id !== jobIdFor(parsed.data.paymentId)) {
      problems.push({ field: "jobId", message: `must be "${jobIdFor(parsed.data.paymentId)}" (the job id derived from paymentId, so that a payment cannot be queued twice)` });
    }
    const stateParsed = state === undefined ? undefined : paymentStateSchema.safeParse(state);
    if (stateParsed && !stateParsed.success) problems.push(...issuesOf(stateParsed.error).map((i) => ({ ...i, field: `state.${i.field}` })));
    if (!parsed.success || problems.length > 0) return { kind: "invalid", problems, raw };
    return { kind: "ok", payment: parsed.data, state: stateParsed?.success ? stateParsed.data : initialState() };
  }

  /**
   * Invalid data fails the job at once, before anything reaches the bank (DESIGN.md §2.6) — unless the
   * bank may already have the payment (rules got stricter after it was sent, or its data was edited):
   * then its state is kept and it is parked for a human.
   */
  /**
   * The outcome's event, queued before the job completes or fails: a crash in between re-runs the final
   * step, which queues the same event (same delivery id) again — a no-op. If Redis refuses it, the step
   * fails and is retried, so an outcome is never left unannounced.
   */
  async function announce(job: PayoutJob, facts: Omit<OutcomeFacts, "occurredAt" | "retries">, callbackUrl: unknown): Promise<void> {
    if (!options.notifier) return;
    const audit = (job.data as { audit?: unknown } | null)?.audit;
    const retries = Array.isArray(audit) ? audit.length : 0;
    await options.notifier.notifyOutcome({ ...facts, retries, occurredAt: new Date(now()).toISOString() }, typeof callbackUrl === "string" ? callbackUrl : undefined);
  }

  /**
   * Tells the metrics of a final outcome — unless this run only repeats what an earlier run of the same
   * generation concluded and saved (its completion was lost: a crash, a Redis blip), which was counted
   * then. An operator's retry starts from a state without an outcome (or a new generation), so the
   * outcome it reaches counts again. Told before the save: a save that fails makes the retried step
   * count again (at-least-once), rather than a crash between save and count losing it. A re-run that
   * has to wait before deciding again saves its state without the earlier outcome and counts again too.
   */
  function countOutcome(earlier: Earlier, outcome: Outcome, generation: number): void {
    if (earlier.outcome === outcome && earlier.generation === generation) return;
    tell((m) => {
      m.onOutcome(outcome);
    });
  }

  /** Metrics are told, never asked: a recorder that throws changes nothing of the payment. */
  function tell(update: (metrics: PayoutMetrics) => void): void {
    if (!options.metrics) return;
    try {
      update(options.metrics);
    } catch (err) {
      logger.debug({ err: err instanceof Error ? err.message : String(err) }, "a metrics recorder failed; ignored");
    }
  }

  /**
   * The payment's long-lived idempotency record, written before its job ends: a re-enqueue after the job
   * is removed is still refused. Only for a job under its payment's own id (another id would block it).
   */
  async function remember(job: PayoutJob, paymentId: string, outcome: Outcome | undefined, state: Partial<PaymentState>, digest?: string): Promise<void> {
    if (!options.records || outcome === undefined || job.id !== jobIdFor(paymentId)) return;
    const codigo = typeof state.codigoSolicitacao === "string" ? { codigoSolicitacao: state.codigoSolicitacao } : {};
    const generation = typeof state.generation === "number" ? state.generation : 0;
    await options.records.write(paymentId, { outcome, generation, finishedAt: new Date(now()).toISOString(), ...codigo, ...(digest === undefined ? {} : { digest }) });
  }

  async function refuse(job: PayoutJob, problems: FieldIssue[], raw: Record<string, unknown>, earlier: Earlier): Promise<PaymentResult> {
    const reason = `invalid payment data: ${describeIssues(problems)}`;
    const paymentId = typeof raw["paymentId"] === "string" ? raw["paymentId"] : (job.id ?? "");
    const amount = typeof raw["amount"] === "string" ? { amount: raw["amount"] } : {};
    if (hasBankEvidence(raw["state"])) {
      const state = raw["state"] as PaymentState;
      const parked = { ...state, outcome: "needs-reconciliation" as const, reason: `${reason}; the bank may already have this payment` };
      countOutcome(earlier, "needs-reconciliation", typeof state.generation === "number" ? state.generation : 0);
      await job.updateData({ ...raw, state: parked });
      await remember(job, paymentId, "needs-reconciliation", state);
      logger.error({ jobId: job.id, problems }, "payout data became invalid after it may have reached the bank; parked for reconciliation");
      const generation = typeof state.generation === "number" ? state.generation : 0;
      const codigo = typeof state.codigoSolicitacao === "string" ? { codigoSolicitacao: state.codigoSolicitacao } : {};
      await announce(job, { paymentId, outcome: "needs-reconciliation", generation, ...codigo, ...amount, reason: parked.reason }, raw["callbackUrl"]);
      return {
        paymentId,
        outcome: "needs-reconciliation",
        ...(typeof state.codigoSolicitacao === "string" ? { codigoSolicitacao: state.codigoSolicitacao } : {}),
        amount: typeof raw["amount"] === "string" ? raw["amount"] : "",
        confirmedAt: new Date(now()).toISOString(),
        history: [],
        idempotencyKey: bankIdempotencyKey(paymentId, typeof state.generation === "number" ? state.generation : 0),
        generation: typeof state.generation === "number" ? state.generation : 0,
        reason: parked.reason,
      };
    }
    const generation = typeof (raw["state"] as { generation?: unknown } | undefined)?.generation === "number" ? (raw["state"] as { generation: number }).generation : 0;
    countOutcome(earlier, "rejected", generation);
    if (typeof job.data === "object" && job.data !== null) await job.updateData({ ...raw, state: { ...initialState(generation), outcome: "rejected", reason } });
    await remember(job, paymentId, "rejected", { generation });
    logger.warn({ jobId: job.id, problems }, "refused a payout job with invalid data; nothing was sent to the bank");
    await announce(job, { paymentId, outcome: "rejected", generation, ...amount, reason }, raw["callbackUrl"]);
    throw new UnrecoverableError(reason);
  }

  /**
   * A slot of `name` for this job: its reservation (kept in the state while it waits for it), then the
   * gate right before the call. The job sleeps in BullMQ's delayed set until SLOT_LEAD_MS before its
   * slot, then waits the last moment in the worker: a delayed job is promoted a little late, by a
   * varying amount, and at Inter's 1-send-a-second limit that variance made neighbouring slots collide
   * at the gate and lose half the send rate (`npm run bench`). The bounded in-worker wait is a
   * deliberate exception to "no sleep in a processor" (DESIGN.md §3): at most SLOT_LEAD_MS, once per
   * bank call. A slot stale by more than STALE_SLOT_MS (jobs that all woke late after an outage) is given
   * up for a fresh one, so those spread over new slots instead of crowding the gate.
   */
  async function takeSlot(name: "send" | "status", state: PaymentState): Promise<Slot> {
    const interval = budgets.intervalMs(name);
    const waits = (ms: number): void => {
      tell((m) => {
        m.onRateLimitWait(name, ms);
      });
    };
    let held = state.slot?.budget === name ? state.slot : undefined;
    if (held && now() - held.at > Math.max(interval, STALE_SLOT_MS)) held = undefined;
    // The token first: a token call must never sit between the gate and the call it spaces.
    await client.prepare(name === "send" ? "send" : "read");
    let gate: number | undefined;
    if (!held) {
      const r = await budgets.reserveAndGate(name);
      if (!r.reserved) {
        // The schedule is full beyond the horizon: come back when it is within reach, at a random moment
        // spread over the time the backlog needs (order beyond the horizon is not kept either way).
        const backlog = options.backlog ? await options.backlog().catch(() => 0) : 0;
        const spread = Math.max(budgets.horizonMs / 2, backlog * interval);
        const delayMs = r.waitMs - budgets.horizonMs + random() * spread;
        waits(delayMs);
        return { go: false, delayMs, state: { ...state, slot: undefined }, why: `${name} budget full` };
      }
      held = { budget: name, at: now() + r.waitMs };
      gate = r.gateMs;
      if (r.waitMs > 0) waits(r.waitMs);
    }
    if (now() < held.at - SLOT_LEAD_MS) return { go: false, delayMs: held.at - SLOT_LEAD_MS - now(), state: { ...state, slot: held }, why: `${name} slot` };
    if (now() < held.at) await sleep(held.at - now());
    gate ??= await budgets.gate(name);
    // Counted once per check that finds the gate closed; the reserved wait above was counted already.
    if (gate > 0) waits(gate);
    if (gate > 0 && gate <= SLOT_LEAD_MS) {
      await sleep(gate + 1);
      gate = await budgets.gate(name);
    }
    if (gate > 0) return { go: false, delayMs: gate + 1 + random() * interval * 0.1, state: { ...state, slot: held }, why: `${name} gate` };
    return { go: true, state: { ...state, slot: undefined } };
  }

  /** Saves the state; the payment's fields and the operators' audit are written back unchanged. */
  async function save(job: PayoutJob, payment: Payment, state: PaymentState): Promise<void> {
    const audit = (job.data as { audit?: unknown } | null)?.audit;
    await job.updateData({ ...storedForm(payment, job.data), state, ...(audit === undefined ? {} : { audit }) } satisfies JobData);
  }

  async function wait(job: PayoutJob, token: string | undefined, payment: Payment, state: PaymentState, delayMs: number, why: string): Promise<never> {
    await save(job, payment, state);
    await job.moveToDelayed(now() + Math.max(1, Math.round(delayMs)), token);
    logger.debug({ paymentId: payment.paymentId, step: state.step, why, delayMs: Math.round(delayMs) }, "payout waits");
    await wakeIfNewsArrived(job, state);
    throw new DelayedError();
  }

  /**
   * A callback may have arrived between the send and the move to delayed, before the receiver could
   * find the job to wake: checked once the job is delayed (the receiver stores before it looks, so one
   * of the two always sees the other). Only news the job has not read wakes it.
   */
  async function wakeIfNewsArrived(job: PayoutJob, state: PaymentState): Promise<void> {
    const cb = options.callbacks;
    const codigo = state.codigoSolicitacao;
    if (!cb || state.step !== "poll" || codigo === undefined) return;
    try {
      if (!(await cb.receiver()).running) return;
      if ((await cb.store.newsCount(codigo)) <= (state.callbacksSeen ?? 0)) return;
      await job.promote();
    } catch (err) {
      logger.debug({ jobId: job.id, err: err instanceof Error ? err.message : String(err) }, "could not wake a payout for its callback; its poll is the safety net");
    }
  }

  /** What Inter's callbacks say, when a receiver runs: a finish, or the state with what was read. */
  async function readCallbacks(payment: Payment, state: PaymentState, codigo: string): Promise<{ finish?: Decision; state: PaymentState }> {
    const cb = options.callbacks;
    if (!cb || !(await cb.receiver()).running) return { state };
    const news = await cb.store.news(codigo);
    if (news.length === 0) return { state };
    const verdict = fromCallbacks(state, payment, news);
    if (verdict.kind === "finish") return { finish: verdict.decision, state };
    if (news.length > (state.callbacksSeen ?? 0)) {
      logger.info({ paymentId: payment.paymentId, codigoSolicitacao: codigo, why: verdict.why }, "confirming Inter's callback with a status query");
    }
    return { state: { ...state, callbacksSeen: news.length } };
  }

  /**
   * Links the bank's codigoSolicitacao to the job, for the receiver to wake it — only while a receiver
   * runs (one Redis call less per payment otherwise); the poll covers a payment sent without the link.
   */
  async function linkCodigo(job: PayoutJob, codigo: string): Promise<void> {
    if (!options.callbacks || job.id === undefined || !(await options.callbacks.receiver()).running) return;
    await options.callbacks.store.link(codigo, job.id).catch((err: unknown) => {
      logger.warn({ jobId: job.id, err: err instanceof Error ? err.message : String(err) }, "could not link the payment to its codigoSolicitacao for callbacks; it will be polled");
    });
  }

  /**
   * Records bank identifiers for search: once when a send is answered with a codigoSolicitacao, and once
   * when the payment is final (with its endToEndId when known; the codigo again, so that its TTL counts
   * from the end, like the job's retention). One Redis round trip each, not awaited.
   */
  function indexIds(paymentId: string, ids: Partial<Record<BankIdentifier, string>>): void {
    // remember() skips undefined identifiers, and makes no Redis call when none is known. Neither a rejection
    // nor a synchronous throw may reach the caller: this runs right after a send the bank answered.
    const complain = (err: unknown): void => {
      logger.warn({ paymentId, err: err instanceof Error ? err.message : String(err) }, "could not record the payment's bank identifiers for search; the dashboard finds it by paymentId only");
    };
    try {
      options.index?.remember(paymentId, ids).catch(complain);
    } catch (err) {
      complain(err);
    }
  }

  async function conclude(job: PayoutJob, token: string | undefined, payment: Payment, given: Decision, earlier: Earlier): Promise<PaymentResult> {
    const cb = options.callbacks;
    const decision = cb && given.kind === "wait" && (await cb.receiver()).flowing ? spacedForCallbacks(given, cb.pollMs) : given;
    if (decision.kind === "wait") {
      if (decision.why === "configuration") {
        logger.error({ paymentId: payment.paymentId, error: decision.state.lastError?.message }, "payouts wait for a configuration fix (see the error); no attempt is used");
      }
      return wait(job, token, payment, decision.state, decision.delayMs, decision.why);
    }
    const state = decision.state;
    indexIds(payment.paymentId, { codigoSolicitacao: state.codigoSolicitacao, endToEndId: state.endToEndId });
    countOutcome(earlier, state.outcome, state.generation);
    await save(job, payment, state);
    await remember(job, payment.paymentId, state.outcome, state, paymentDigest(payment, protection.keyring));
    const log = { paymentId: payment.paymentId, outcome: state.outcome, bankStatus: state.bankStatus, codigoSolicitacao: state.codigoSolicitacao };
    await announce(
      job,
      {
        paymentId: payment.paymentId,
        outcome: state.outcome,
        generation: state.generation,
        amount: payment.amount,
        ...(state.bankStatus === undefined ? {} : { bankStatus: state.bankStatus }),
        ...(state.codigoSolicitacao === undefined ? {} : { codigoSolicitacao: state.codigoSolicitacao }),
        ...(state.endToEndId === undefined ? {} : { endToEndId: state.endToEndId }),
        ...(state.paidAt === undefined ? {} : { paidAt: state.paidAt }),
        ...(state.outcome !== "paid" && state.reason !== undefined ? { reason: state.reason } : {}),
      },
      payment.callbackUrl,
    );
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

  /**
   * The send. First the job's lock is checked (BullMQ's updateData does not: a worker that lost the job
   * to another must not send), then `sendInFlight` is saved — if saving fails, nothing is sent.
   */
  async function send(job: PayoutJob, token: string | undefined, payment: Payment, state: PaymentState): Promise<Decision> {
    // The first send fixes dataPagamento; a resend after midnight must not change the body under the same key.
    const paymentDate = state.paymentDate !== undefined ? state.paymentDate : scheduledDateFor(payment, now());
    const order = pixOrderFor(payment, paymentDate);
    const base: PaymentState = { ...state, paymentDate, firstSendAt: state.firstSendAt ?? now() };
    // The safety limits, right before the send: a refusal ends the payment `blocked`, nothing sent. A
    // reservation left by a send that never went out (lost lock, Redis error) is found again by the retry.
    const limited = { payment, generation: state.generation, firstSendAt: base.firstSendAt ?? now(), maybeExecuted: base.maybeExecuted };
    const admission = options.limits ? await options.limits.admit(limited) : { ok: true as const };
    if (!admission.ok) return blocked(state, admission.reason);
    if (token !== undefined && (await job.extendLock(token, lockMs)) !== 1) {
      throw new Error("this worker lost the job's lock before sending; another worker has it (nothing was sent)");
    }
    // The record first, as `pending`: from the first send on, the paymentId stays refused to producers
    // however this job ends — BullMQ failing it (stalled too often) and retention removing it included.
    await remember(job, payment.paymentId, "pending", base, paymentDigest(payment, protection.keyring));
    await save(job, payment, { ...base, sendInFlight: now() });
    const call = payment.account === undefined ? undefined : { account: payment.account };
    try {
      const sent = await client.sendPix(order, bankIdempotencyKey(payment.paymentId, state.generation), call);
      indexIds(payment.paymentId, { codigoSolicitacao: sent.codigoSolicitacao });
      await linkCodigo(job, sent.codigoSolicitacao);
      return afterSend(base, { ok: true, sent }, now(), random(), policy);
    } catch (err) {
      const facts = errorFacts(err);
      if (facts.code === "INTER_RATE_LIMITED" && facts.operation !== "token") await budgets.penalize("send", facts.retryAfterMs ?? policy.defaultRateLimitWaitMs);
      const decision = afterSend(base, { ok: false, error: facts }, now(), random(), policy);
      // Failed for good with nothing executed: the day's reservation is given back (best effort — a
      // reservation kept by mistake only makes the limit stricter). An ambiguous send keeps it.
      if (options.limits && decision.kind === "fail" && !decision.state.maybeExecuted) {
        await options.limits.release(limited).catch((e: unknown) => {
          logger.warn({ paymentId: payment.paymentId, err: e instanceof Error ? e.message : String(e) }, "could not release the payment's daily-limit reservation; the day's total stays higher");
        });
      }
      return decision;
    }
  }

  async function poll(payment: Payment, state: PaymentState, codigo: string): Promise<Decision> {
    const call = payment.account === undefined ? undefined : { account: payment.account };
    const scheduledAt = payment.scheduledFor === undefined ? undefined : saoPauloStartOfDay(payment.scheduledFor);
    try {
      const status = await client.getPix(codigo, call);
      if (!isKnownStatus(status.status)) {
        logger.warn({ paymentId: payment.paymentId, codigoSolicitacao: codigo, bankStatus: status.status }, "unknown bank status; treated as in progress");
      }
      const decision = afterPoll(state, { ok: true, status }, now(), random(), policy, scheduledAt);
      if (decision.kind === "finish" && status.movedAt !== undefined) decision.state.paidAt = status.movedAt;
      return decision;
    } catch (err) {
      const facts = errorFacts(err);
      if (facts.code === "INTER_RATE_LIMITED" && facts.operation !== "token") await budgets.penalize("status", facts.retryAfterMs ?? policy.defaultRateLimitWaitMs);
      return afterPoll(state, { ok: false, error: facts }, now(), random(), policy, scheduledAt);
    }
  }

  return async (job, token) => {
    // Before anything of this run changes job.data (save() updates it in memory too).
    const earlier = earlierOf(job.data);
    const read = readJob(job);
    if (read.kind === "key-missing") {
      // Another worker may have the key, or this one will after a fix: the payment waits, unchanged, and
      // nothing is sent — a missing key must not end (or abandon) a payment.
      logger.error({ jobId: job.id, problem: describeIssues(read.problems) }, "cannot decrypt this payment's recipient here: it waits; add the data key to PIXOUT_DATA_KEYS");
      await job.moveToDelayed(now() + Math.round(policy.configRetryMs * (0.9 + 0.2 * random())), token);
      throw new DelayedError();
    }
    if (read.kind === "invalid") return refuse(job, read.problems, read.raw, earlier);
    const { payment } = read;
    // A stored outcome is from an earlier run (a retried job): this run decides afresh.
    let state: PaymentState = { ...read.state, outcome: undefined, reason: undefined };
    if (state.sendInFlight !== undefined) {
      logger.warn({ paymentId: payment.paymentId }, "a worker stopped in the middle of this payment's send: it may have executed; resending with the same key");
      state = { ...state, sendInFlight: undefined, maybeExecuted: true };
    }
    const codigo = state.codigoSolicitacao;
    if (state.step === "poll" && codigo === undefined) {
      return refuse(job, [{ field: "state.codigoSolicitacao", message: "is required in step poll" }], job.data as Record<string, unknown>, earlier);
    }
    if (state.step === "submit") {
      const parked = beforeSend(state, now(), policy);
      if (parked) return conclude(job, token, payment, parked, earlier);
    }
    if (state.step === "poll" && codigo !== undefined) {
      const read = await readCallbacks(payment, state, codigo);
      if (read.finish) return conclude(job, token, payment, read.finish, earlier);
      state = read.state;
    }
    const budget = state.step === "submit" ? "send" : "status";
    const slot = await takeSlot(budget, state);
    if (!slot.go) return wait(job, token, payment, slot.state, slot.delayMs, slot.why);
    const decision = codigo === undefined || state.step === "submit" ? await send(job, token, payment, slot.state) : await poll(payment, slot.state, codigo);
    return conclude(job, token, payment, decision, earlier);
  };
}
