// The payout job, one per payment, as a step job (README "How it works"): `submit` sends it to
// the bank, `poll` follows it until final. Every wait — a budget slot, a backoff, the next status query — is
// a `moveToDelayed` + `DelayedError`, never a sleep in a worker slot (but the last moment before a reserved
// slot, see takeSlot). Before each wait the job's state is saved first, then the job moved, then the error
// thrown.
//
// What to do after each answer is decided by the pure rules of src/payments/lifecycle.ts; this file does
// the I/O around them, in this order for a send:
//   claim (the payment's record: is this job the payment's?)        ─ src/queue/worker/fenced-store.ts
//   slot (the fleet's send budget, reserved ahead)                    ─ src/queue/worker/budgets.ts
//   safety limits, then one fenced step: lock extended, record `pending`, send-in-flight mark
//   gate (the fleet's previous send: ≥ 1 s ago), then at once the send, within SEND_BOUND_MS of the lock step
// Every write to the job and the record is fenced by the job's lock: a run that lost its job writes nothing
// and sends nothing.
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { CallOptions, InterClient, PixStatus, SentPix } from "../../inter/client.js";
import { InterError, InterRateLimitedError, TokenCacheError } from "../../inter/errors.js";
import { RequestNotSentError } from "../../inter/on-socket.js";
import type { Logger } from "../../logger.js";
import { isKnownStatus } from "../../payments/bank-status.js";
import { saoPauloStartOfDay, saoPauloToday } from "../../payments/calendar.js";
import { fromCallbacks, spacedForCallbacks } from "../../payments/callback-news.js";
import { describeIssues, issuesOf, type FieldIssue } from "../../payments/field-issues.js";
import { bankIdempotencyKey } from "../../payments/idempotency.js";
import {
  DEFAULT_POLICY,
  afterPoll,
  afterSend,
  bankWait,
  beforeSend,
  blocked,
  hasBankEvidence,
  initialState,
  paymentStateSchema,
  type Decision,
  type ErrorFacts,
  type ExpectedPayment,
  type LifecyclePolicy,
  type Outcome,
  type PaymentState,
} from "../../payments/lifecycle.js";
import { DEFAULT_MAX_AMOUNT_CENTS } from "../../payments/amount-rule.js";
import { parseAmount } from "../../payments/money.js";
import { paymentSchemaWithMax, type Payment } from "../../payments/payment.js";
import { personalValues } from "../../payments/pix-request.js";
import { pixOrderFor, scheduledDateFor } from "../../payments/pix-order.js";
import type { Notifier } from "../../notifications/notifier.js";
import type { CallbackStore, ReceiverHealth } from "../../inter-callbacks/callback-store.js";
import {
  DEFAULT_HOLD_POLICY,
  HELD_WHY,
  heldAfterBalanceFailure,
  heldTooLong,
  heldWait,
  holdExpired,
  mayHoldAfterFailure,
  nextCheckDelay,
  notHeldWhy,
  type BalanceHoldPolicy,
} from "../../payments/balance-hold.js";
import { formatCents } from "../../payments/money.js";
import type { AccountEventFacts } from "../../notifications/account-event.js";
import type { AccountHolds, Joined } from "../account-holds.js";
import type { Approvals } from "../approvals.js";
import type { BalanceGuard } from "./balance-guard.js";
import type { Budgets } from "./budgets.js";
import type { SafetyLimits } from "./daily-limits.js";
import type { Arrival, FencedResult, FencedStore, RecordWrite } from "./fenced-store.js";
import { NO_PROTECTION, openPayoutFields, paymentDigest, storedForm, type DataProtection } from "../job-data.js";
import { jobIdFor } from "../names.js";
import { outcomeFacts, paymentResult, type FinalOutcome } from "./outcome-facts.js";

const FINAL_OUTCOMES: ReadonlySet<unknown> = new Set<FinalOutcome>([
  "paid",
  "failed",
  "needs-reconciliation",
  "rejected",
  "blocked",
]);
const isFinalOutcome = (outcome: unknown): outcome is FinalOutcome => FINAL_OUTCOMES.has(outcome);
import type { BankIdentifier, PaymentIndex } from "../payment-index.js";
import type { PaymentRecord } from "../payment-record.js";
import type { PaymentResult } from "../payment-view.js";
import { classifyRedisError, isRedisError, RedisNotReplicatedError } from "../../redis/errors.js";

/** Inter's callbacks, as the webhook receiver stores them. */
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

export interface ProcessorOptions {
  client: InterClient;
  /** Told of every Redis error met under a step (the worker's health watch: it stops taking jobs until Redis is fit). */
  onRedisError?: (err: unknown) => void;
  /** The setting that points at Redis (REDIS_URL, REDIS_SENTINELS…), for the fixes Redis errors are logged with. */
  redisSetting?: string;
  /** The job's and the record's fenced writes (src/queue/worker/fenced-store.ts). */
  store: FencedStore;
  callbacks?: CallbackOptions;
  /**
   * How many payments wait in the queue (cached by the caller). A payment beyond the reservation horizon
   * sleeps a random share of the whole backlog's time instead of a share of the horizon, so that a large
   * backlog is not walked through every few minutes.
   */
  backlog?: () => Promise<number>;
  /** Queues the signed event of each final outcome (src/notifications/) before the job completes. */
  notifier?: Pick<Notifier, "notifyOutcome">;
  /** The per-payment maximum in centavos (PIXOUT_MAX_AMOUNT). */
  maxAmountCents?: number;
  /** Data keys: a recipient stored encrypted is decrypted in memory only, never written back plain. */
  dataProtection?: DataProtection;
  budgets: Budgets;
  metrics?: PayoutMetrics;
  /**
   * The dashboard's search by the bank's identifiers (src/queue/payment-index.ts). Written best effort and
   * not awaited: a failed write only makes search miss, it never fails or delays a payment's decision.
   */
  index?: Pick<PaymentIndex, "remember">;
  /** The fleet's safety limits (daily total per paying account, allow-list), checked right before each send. */
  limits?: SafetyLimits;
  /** INTER_ACCOUNT: the paying account of payments without their own `account` (callbacks must agree with it). */
  defaultAccount?: string;
  logger: Logger;
  /** The worker's lockDuration: the lock is extended for this long in the step that marks a send in flight. */
  lockDurationMs?: number;
  /** Insufficient balance held fleet-wide instead of failing each payment (docs/balance.md); none: they fail. */
  balance?: BalanceOptions;
  /** Payments awaiting approval in the internet banking, listed for people (best effort). */
  approvals?: Pick<Approvals, "awaiting" | "done">;
  policy?: LifecyclePolicy;
  now?: () => number;
  random?: () => number;
}

export type PayoutJob = Job<unknown, PaymentResult>;

export interface BalanceOptions {
  holds: AccountHolds;
  policy?: BalanceHoldPolicy;
  /** PIXOUT_BALANCE_GUARD: the estimate, and how to read an account's balance (centavos to pay with). */
  guard?: { store: BalanceGuard; read: (account: string) => Promise<number> };
  /** Tells upstream that an account was held (best effort, after the hold is written). */
  onHeld?: (facts: AccountEventFacts) => Promise<unknown>;
}

/** A held payment looks again at least this often (a resume that could not wake it, a maximum hold). */
export const HELD_RECHECK_MS = 10 * 60_000;
/** The account key of a payment that names no account, with no INTER_ACCOUNT: the integration's only one. */
export const DEFAULT_ACCOUNT_KEY = "default";

/** A reserved slot this late (or later) is given up for a new reservation; see takeSlot. */
const STALE_SLOT_MS = 2_000;
/** How long before its slot a job leaves the delayed set, to wait the last moment in the worker. */
const SLOT_LEAD_MS = 250;
/**
 * The longest time from the fenced step that extends the lock (the moment it is issued) to the send
 * leaving: far below any lock duration, so a send never leaves after the lock could have expired — a
 * frozen Redis link or a paused process makes the step start over instead.
 */
export const SEND_BOUND_MS = 5_000;
/**
 * The longest a low-priority poll (a payment long stuck, or awaiting approval) gives way to others: under a
 * steady backlog the status schedule is always booked beyond its reach, and it would never be polled.
 */
export const GIVE_WAY_MAX_MS = 10 * 60_000;
/** The longest wait for the gate inside a step before it sleeps in the delayed set instead. */
const GATE_WAIT_MS = 1_500;

/** This run no longer holds the job: it stops, writes nothing more, sends nothing. */
class LostJobError extends Error {
  override readonly name = "LostJobError";
}

/** A send stopped before anything left: the step starts over (it was too late, or the gate closed). */
class SendNotMadeError extends Error {
  override readonly name = "SendNotMadeError";
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/** What one run of a job works with. */
interface Run {
  job: PayoutJob;
  token: string;
  payment: Payment;
  /** This job's claim on the payment's record. */
  claim: string;
  /** The job's stored data as read (the payment's fields; `state` and `audit` are written separately). */
  stored: Record<string, unknown>;
  audit: unknown[] | undefined;
  /** What the job's state said when this run began: an outcome an earlier run saved, and its generation. */
  earlier: { outcome: unknown; generation: number };
}

type Read =
  | {
      kind: "ok";
      payment: Payment;
      state: PaymentState | undefined;
      stored: Record<string, unknown>;
      audit: unknown[] | undefined;
    }
  | { kind: "invalid"; problems: FieldIssue[] }
  /** Encrypted under a data key this worker lacks: a configuration problem, not the payment's. */
  | { kind: "key-missing"; problems: FieldIssue[] };

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
  return {
    code: "PIXOUT_INTERNAL",
    message: err instanceof Error ? err.message : String(err),
    retryable: true,
    ambiguous: true,
  };
}

/**
 * The Redis error behind `err` — itself, or the cause (or its cause) of an error raised over it: the bank
 * client's, when the fleet's token cache failed under a call — if any.
 */
function redisErrorIn(err: unknown): Error | undefined {
  let at: unknown = err;
  for (let depth = 0; depth < 4 && at instanceof Error; depth++) {
    if (isRedisError(at)) return at;
    at = at instanceof TokenCacheError ? at.storeError : (at as { cause?: unknown }).cause;
  }
  return undefined;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function createPayoutProcessor(
  options: ProcessorOptions,
): (job: PayoutJob, token?: string) => Promise<PaymentResult> {
  const { client, budgets, logger, store } = options;
  const policy = options.policy ?? DEFAULT_POLICY;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const lockMs = options.lockDurationMs ?? 60_000;
  const protection = options.dataProtection ?? NO_PROTECTION;
  // The same per-payment maximum as the producers (PIXOUT_MAX_AMOUNT): a larger amount never reaches the bank.
  const schema = paymentSchemaWithMax(options.maxAmountCents ?? DEFAULT_MAX_AMOUNT_CENTS);
  const isoNow = (): string => new Date(now()).toISOString();

  function readJob(job: PayoutJob): Read {
    const raw = asRecord(job.data);
    // `state` is the worker's and `audit` the operators'; the rest is the producer's payment.
    const { state, audit, ...stored } = raw;
    // An encrypted recipient is decrypted here, in memory only (the stored form is what is written back).
    const opened = openPayoutFields(stored, state, protection);
    if (opened.missingKey === true) return { kind: "key-missing", problems: opened.problems };
    const parsed = schema.safeParse(opened.fields);
    const issues = parsed.success ? [] : issuesOf(parsed.error);
    const problems =
      opened.problems.length > 0
        ? [...opened.problems, ...issues.filter((i) => !i.field.startsWith("recipient"))]
        : issues;
    if (parsed.success && job.id !== jobIdFor(parsed.data.paymentId)) {
      problems.push({
        field: "jobId",
        message: `must be "${jobIdFor(parsed.data.paymentId)}" (the job id derived from paymentId, so that a payment cannot be queued twice)`,
      });
    }
    const stateParsed = state === undefined ? undefined : paymentStateSchema.safeParse(state);
    if (stateParsed && !stateParsed.success)
      problems.push(...issuesOf(stateParsed.error).map((i) => ({ ...i, field: `state.${i.field}` })));
    if (audit !== undefined && !Array.isArray(audit))
      problems.push({ field: "audit", message: "must be the operators' list of retries" });
    if (!parsed.success || problems.length > 0) return { kind: "invalid", problems };
    return {
      kind: "ok",
      payment: parsed.data,
      state: stateParsed?.success ? stateParsed.data : undefined,
      stored,
      audit: audit as unknown[] | undefined,
    };
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
   * Tells the metrics of a final outcome — unless this run only repeats what an earlier run of the same
   * generation concluded and saved (its completion was lost: a crash, a Redis blip), which was counted
   * then. Told before the save: a save that fails makes the retried step count again (at-least-once).
   */
  function countOutcome(run: Pick<Run, "earlier">, outcome: Outcome, generation: number): void {
    if (run.earlier.outcome === outcome && run.earlier.generation === generation) return;
    tell((m) => {
      m.onOutcome(outcome);
    });
  }

  /**
   * The outcome's event, queued before the job completes or fails: a crash in between re-runs the final
   * step, which queues the same event (same delivery id) again — a no-op. If Redis refuses it, the step
   * fails and is retried, so an outcome is never left unannounced.
   */
  async function announce(
    job: PayoutJob,
    audit: unknown,
    facts: ReturnType<typeof outcomeFacts>,
    callbackUrl: unknown,
  ): Promise<void> {
    if (!options.notifier) return;
    const retries = Array.isArray(audit) ? audit.length : 0;
    await options.notifier.notifyOutcome(
      { ...facts, retries, occurredAt: isoNow() },
      typeof callbackUrl === "string" ? callbackUrl : undefined,
    );
  }

  /** The job's data with this state: the stored payment (recipient as stored), the state, the audit. */
  function dataOf(
    stored: Record<string, unknown>,
    state: PaymentState,
    audit: unknown[] | undefined,
  ): Record<string, unknown> {
    return { ...stored, state, ...(audit === undefined ? {} : { audit }) };
  }

  function fenced(result: FencedResult, job: PayoutJob, what: string): void {
    if (result.ok) return;
    if (result.why === "lost")
      throw new LostJobError(
        `this worker no longer holds job ${job.id ?? "?"} (its lock expired or another worker took it): ${what} not written; this run sends nothing more`,
      );
    throw new LostJobError(
      `the payment's record belongs to another job (${result.why}): ${what} not written; this run sends nothing more`,
    );
  }

  /** Saves the state, fenced by the job's lock. */
  async function save(run: Run, state: PaymentState): Promise<void> {
    const data = dataOf(storedForm(run.payment, run.stored), state, run.audit);
    fenced(await store.save(run.job.id ?? "", run.token, JSON.stringify(data)), run.job, "the state");
    run.job.data = data;
  }

  async function wait(run: Run, state: PaymentState, delayMs: number, why: string): Promise<never> {
    const delay = Math.max(1, Math.round(delayMs));
    await save(run, { ...state, waitingFor: { why, until: now() + delay } });
    await run.job.moveToDelayed(now() + delay, run.token);
    logger.debug({ paymentId: run.payment.paymentId, step: state.step, why, delayMs: delay }, "payout waits");
    await wakeIfNewsArrived(run.job, state);
    if (why === HELD_WHY) await wakeIfHoldLifted(run.job, state);
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
      logger.debug(
        { jobId: job.id, err: err instanceof Error ? err.message : String(err) },
        "could not wake a payout for its callback; its poll is the safety net",
      );
    }
  }

  /**
   * Records bank identifiers for search: once when a send is answered with a codigoSolicitacao, and once
   * when the payment is final. One Redis round trip each, not awaited; neither a rejection nor a
   * synchronous throw may reach the caller: this runs right after a send the bank answered.
   */
  function indexIds(paymentId: string, ids: Partial<Record<BankIdentifier, string>>): void {
    const complain = (err: unknown): void => {
      logger.warn(
        { paymentId, err: err instanceof Error ? err.message : String(err) },
        "could not record the payment's bank identifiers for search; the dashboard finds it by paymentId only",
      );
    };
    try {
      options.index?.remember(paymentId, ids).catch(complain);
    } catch (err) {
      complain(err);
    }
  }

  const holdPolicy = options.balance?.policy ?? DEFAULT_HOLD_POLICY;
  const accountOf = (payment: Payment): string => payment.account ?? options.defaultAccount ?? DEFAULT_ACCOUNT_KEY;
  const guardMember = (paymentId: string, generation: number): string => `${paymentId}:${String(generation)}`;

  /** Around the money path, not on it: a failure is logged and changes nothing of the payment. */
  async function quietly(what: string, paymentId: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (err) {
      logger.warn(
        { paymentId, err: err instanceof Error ? err.message : String(err) },
        `could not ${what}; the payment goes on`,
      );
    }
  }

  /** A hold this payment created: said in the log and, if configured, to upstream (account.held). */
  async function heldNow(
    account: string,
    paymentId: string,
    id: string,
    reason: string,
    source: "bank" | "guard",
    cents: number,
  ): Promise<void> {
    logger.warn(
      { account, paymentId, reason },
      "paying account held: no payment from it is sent until its balance covers the oldest waiting one (or pixout resume)",
    );
    const onHeld = options.balance?.onHeld;
    if (onHeld) {
      await quietly("announce the account's hold", paymentId, () =>
        onHeld({
          kind: "held",
          account,
          holdId: id,
          since: now(),
          reason,
          by: source,
          amountCents: cents,
          heldPayments: 1,
          occurredAt: now(),
        }),
      );
    }
  }

  /** Joins (or makes) an account's hold as this run, fenced by its lock: a stale run stops, writing nothing. */
  function joinedOrLost(run: Run, joined: Joined): Exclude<Joined, { lost: true }> {
    if ("lost" in joined)
      throw new LostJobError(
        `this worker no longer holds job ${run.job.id ?? "?"} (its lock expired or another worker took it): not held, nothing sent`,
      );
    return joined;
  }

  /**
   * Before a send of a payment that cannot have executed: a held account makes it wait with the others; a
   * hold that lasted too long ends it failed; with the balance guard, it sends only what the estimate covers
   * — and a payment whose amount the guard already reserved goes on when the guard itself held the account
   * since (the money it counts on was set aside for it; stopping it would give the money back to be fought
   * over). A hold the bank's refusal made proves the estimate wrong: then the reservation is given back.
   */
  async function balanceGate(run: Run, given: PaymentState): Promise<{ decision: Decision } | { state: PaymentState }> {
    const b = options.balance;
    if (!b || given.maybeExecuted) return { state: given };
    const { payment } = run;
    const account = accountOf(payment);
    const cents = parseAmount(payment.amount);
    const fence = { jobId: run.job.id ?? "", token: run.token };
    const tooLong = holdExpired(given, now(), holdPolicy);
    if (tooLong !== undefined) {
      await quietly("take the payment off the account's hold list", payment.paymentId, () =>
        b.holds.leave(given.held?.account ?? account, payment.paymentId),
      );
      return { decision: heldTooLong(given, tooLong) };
    }
    const member = guardMember(payment.paymentId, given.generation);
    const reserved = b.guard !== undefined && (await b.guard.store.has(account, member));
    const joined = joinedOrLost(run, await b.holds.check(account, payment.paymentId, cents, now(), fence));
    if (joined.held && reserved && joined.source === "guard") {
      // Its money is set aside: it goes on, off the list it was just put on.
      await b.holds.leave(account, payment.paymentId);
    } else if (joined.held) {
      if (reserved) await b.guard?.store.release(account, member, "unspent", now());
      return { decision: heldWait(given, { account, id: joined.id }, now(), holdPolicy, HELD_RECHECK_MS) };
    }
    let state = given;
    if (given.held !== undefined) {
      await b.holds.leave(given.held.account, payment.paymentId);
      state = { ...given, held: undefined };
    }
    if (!b.guard || reserved) return { state };
    const guard = b.guard;
    let r = await guard.store.reserve(account, member, cents, now());
    if (r.kind === "stale") {
      if (!(await guard.store.takeRead(account, 10_000))) {
        return {
          decision: {
            kind: "wait",
            delayMs: 1_000 + random() * 1_000,
            state,
            why: "balance guard: another worker reads the balance",
          },
        };
      }
      const askedAt = now();
      let spendable: number;
      try {
        spendable = await guard.read(account);
      } catch (err) {
        // The guard avoids a refusal; it must not stop payments: a send the bank refuses for balance holds the account anyway.
        logger.error(
          { account, paymentId: payment.paymentId, err: err instanceof Error ? err.message : String(err) },
          "the balance guard cannot read the account's balance (is extrato.read in INTER_SCOPES?): sending without it",
        );
        return { state };
      }
      await guard.store.refresh(account, spendable, askedAt);
      r = await guard.store.reserve(account, member, cents, now());
    }
    if (r.kind === "ok") return { state };
    if (r.kind === "stale")
      return {
        decision: { kind: "wait", delayMs: 1_000 + random() * 1_000, state, why: "balance guard: reading the balance" },
      };
    const reason = `the balance guard estimates ${formatCents(Math.max(0, r.estimateCents))} left to pay with, ${payment.amount} needed (PIXOUT_BALANCE_GUARD)`;
    const hold = joinedOrLost(
      run,
      await b.holds.hold(
        account,
        payment.paymentId,
        cents,
        now(),
        { reason, source: "guard", firstCheckAt: now() + nextCheckDelay(0, holdPolicy, random()) },
        fence,
      ),
    );
    if (!hold.held) throw new Error("an account hold was not written");
    if (hold.created) await heldNow(account, payment.paymentId, hold.id, reason, "guard", cents);
    return { decision: heldWait(state, { account, id: hold.id }, now(), holdPolicy, HELD_RECHECK_MS) };
  }

  /**
   * The bank ended the payment for insufficient balance: with PIXOUT_ON_INSUFFICIENT_BALANCE=hold it does not
   * fail — the account is held, and the payment waits under its next generation (the ended one's daily-limit
   * and guard reservations given back: nothing was debited). One the rules do not hold fails, saying why.
   */
  async function holdIfShort(run: Run, decision: Decision): Promise<Decision> {
    const b = options.balance;
    if (!b || decision.kind !== "fail") return decision;
    if (!mayHoldAfterFailure(decision.state, holdPolicy)) {
      const why = notHeldWhy(decision.state, holdPolicy);
      return why === undefined
        ? decision
        : { kind: "fail", state: { ...decision.state, reason: `${decision.state.reason}; ${why}` } };
    }
    const { payment } = run;
    const ended = decision.state;
    const account = accountOf(payment);
    const cents = parseAmount(payment.amount);
    const reason = `the bank ended a payment ${ended.bankStatus ?? ""} (insufficient balance)`;
    // The hold first, fenced by the job's lock: a run that lost its job gives nothing back and holds nothing.
    const hold = joinedOrLost(
      run,
      await b.holds.hold(
        account,
        payment.paymentId,
        cents,
        now(),
        { reason, source: "bank", firstCheckAt: now() + nextCheckDelay(0, holdPolicy, random()) },
        { jobId: run.job.id ?? "", token: run.token },
      ),
    );
    if (!hold.held) throw new Error("an account hold was not written");
    const limited = {
      payment,
      generation: ended.generation,
      firstSendAt: ended.firstSendAt ?? now(),
      maybeExecuted: false,
    };
    if (options.limits)
      await quietly(
        "give back the ended send's daily-limit reservation",
        payment.paymentId,
        () => options.limits?.release(limited) ?? Promise.resolve(),
      );
    if (b.guard)
      await quietly(
        "give back the ended send's balance reservation",
        payment.paymentId,
        () =>
          b.guard?.store.release(account, guardMember(payment.paymentId, ended.generation), "unspent", now()) ??
          Promise.resolve(),
      );
    if (hold.created) await heldNow(account, payment.paymentId, hold.id, reason, "bank", cents);
    logger.info(
      {
        paymentId: payment.paymentId,
        account,
        codigoSolicitacao: ended.codigoSolicitacao,
        generation: ended.generation + 1,
      },
      "payout held for the account's balance; it will be sent under its next bank key",
    );
    return heldWait(
      heldAfterBalanceFailure(ended, account, now()),
      { account, id: hold.id },
      now(),
      holdPolicy,
      HELD_RECHECK_MS,
    );
  }

  /** A held payment that joined a hold lifted before it slept (the resume could not wake it) wakes itself. */
  async function wakeIfHoldLifted(job: PayoutJob, state: PaymentState): Promise<void> {
    const b = options.balance;
    const held = state.held;
    if (!b || held === undefined) return;
    try {
      if ((await b.holds.currentId(held.account)) !== held.id) await job.promote();
    } catch (err) {
      logger.debug(
        { jobId: job.id, err: err instanceof Error ? err.message : String(err) },
        "could not wake a held payout; it looks again later",
      );
    }
  }

  /** The list of payments awaiting approval: joined while the bank says so, left when it no longer does. */
  async function trackApproval(run: Run, state: PaymentState, final: boolean): Promise<void> {
    const approvals = options.approvals;
    if (!approvals) return;
    const { payment } = run;
    const since = state.approvalSince;
    if (!final && since !== undefined) {
      const account = payment.account ?? options.defaultAccount;
      await quietly("list the payment as awaiting approval", payment.paymentId, () =>
        approvals.awaiting({
          paymentId: payment.paymentId,
          amountCents: parseAmount(payment.amount),
          since,
          deadline: since + policy.approvalDeadlineMs,
          ...(state.codigoSolicitacao === undefined ? {} : { codigoSolicitacao: state.codigoSolicitacao }),
          ...(account === undefined ? {} : { account }),
        }),
      );
      return;
    }
    if (asRecord(asRecord(run.job.data)["state"])["approvalSince"] !== undefined) {
      await quietly("take the payment off the approvals list", payment.paymentId, () =>
        approvals.done(payment.paymentId),
      );
    }
  }

  function recordOf(run: Run, state: PaymentState, outcome: Outcome): RecordWrite {
    return {
      outcome,
      generation: state.generation,
      at: isoNow(),
      ...(state.codigoSolicitacao === undefined ? {} : { codigoSolicitacao: state.codigoSolicitacao }),
      ...(paymentDigestOf(run.payment) === undefined ? {} : { digest: paymentDigestOf(run.payment) }),
    };
  }

  function paymentDigestOf(payment: Payment): string | undefined {
    return paymentDigest(payment, protection.keyring);
  }

  /** The end of a run: the state and the record's outcome (one fenced step), the event, the result. */
  async function conclude(run: Run, first: Decision): Promise<PaymentResult> {
    const given = await holdIfShort(run, first);
    const cb = options.callbacks;
    const decision =
      cb && given.kind === "wait" && (await cb.receiver()).flowing ? spacedForCallbacks(given, cb.pollMs) : given;
    if (decision.kind === "wait") {
      if (decision.why === "configuration") {
        logger.error(
          { paymentId: run.payment.paymentId, error: decision.state.lastError?.message },
          "payouts wait for a configuration fix (see the error); no attempt is used",
        );
      }
      await trackApproval(run, decision.state, false);
      return wait(run, decision.state, decision.delayMs, decision.why);
    }
    const state: PaymentState = { ...decision.state, waitingFor: undefined };
    await trackApproval(run, state, true);
    const { payment } = run;
    indexIds(payment.paymentId, { codigoSolicitacao: state.codigoSolicitacao, endToEndId: state.endToEndId });
    countOutcome(run, decision.state.outcome, state.generation);
    const data = dataOf(storedForm(payment, run.stored), state, run.audit);
    fenced(
      await store.finish(
        run.job.id ?? "",
        payment.paymentId,
        run.token,
        run.claim,
        JSON.stringify(data),
        recordOf(run, state, decision.state.outcome),
      ),
      run.job,
      "the outcome",
    );
    run.job.data = data;
    const guard = options.balance?.guard;
    if (guard) {
      const spent = decision.state.outcome === "paid" || decision.state.outcome === "needs-reconciliation";
      await quietly("end the payment's balance reservation", payment.paymentId, () =>
        guard.store.release(
          accountOf(payment),
          guardMember(payment.paymentId, state.generation),
          spent ? "spent" : "unspent",
          now(),
        ),
      );
    }
    const final = { ...state, outcome: decision.state.outcome };
    await announce(run.job, run.audit, outcomeFacts(payment.paymentId, payment.amount, final), payment.callbackUrl);
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
    return paymentResult(payment.paymentId, payment.amount, { ...state, outcome: decision.state.outcome }, isoNow());
  }

  /**
   * Refuses a job: nothing reaches the bank. How its state is read:
   * - `ours` (the job's own claim; its data invalid — rules got stricter after it was sent, or its data was
   *   edited): if the bank may already have the payment, its state is kept and it is parked for a human;
   * - `unverified` (no claim can vouch for the state: it names another record, or the payment cannot have a
   *   record): a state that says the bank may have it is kept and parked — never rejected on our say-so;
   * - `foreign` (a state or audit a producer wrote into a new job): not kept — it could name another
   *   payment's codigoSolicitacao —, and the job is rejected.
   * With a claim, the record keeps the outcome too.
   */
  async function refuse(
    job: PayoutJob,
    token: string,
    problems: FieldIssue[],
    raw: Record<string, unknown>,
    how: { trust: "ours" | "unverified" | "foreign"; claim?: string; why?: string },
  ): Promise<PaymentResult> {
    const { claim } = how;
    const reason = how.why ?? `invalid payment data: ${describeIssues(problems)}`;
    const paymentId = typeof raw["paymentId"] === "string" ? raw["paymentId"] : (job.id ?? "");
    const amount = typeof raw["amount"] === "string" ? raw["amount"] : undefined;
    const { state: rawState, audit, ...stored } = raw;
    const earlier = {
      outcome: asRecord(rawState)["outcome"],
      generation:
        typeof asRecord(rawState)["generation"] === "number" ? (asRecord(rawState)["generation"] as number) : 0,
    };
    const kept = how.trust !== "foreign";
    const previous = kept ? (asRecord(rawState) as Partial<PaymentState>) : {};
    const generation = typeof previous.generation === "number" ? previous.generation : 0;
    const park = kept && hasBankEvidence(rawState);
    const outcome: FinalOutcome = park ? "needs-reconciliation" : "rejected";
    const state: PaymentState = {
      ...(park ? { ...initialState(generation), ...(previous as PaymentState) } : initialState(generation)),
      ...(claim === undefined ? {} : { claim }),
      waitingFor: undefined,
      outcome,
      reason: park ? `${reason}; the bank may already have this payment` : reason,
    };
    const data = { ...stored, state, ...(how.trust === "ours" && audit !== undefined ? { audit } : {}) };
    countOutcome({ earlier }, outcome, generation);
    const record = {
      outcome,
      generation,
      at: isoNow(),
      ...(state.codigoSolicitacao === undefined ? {} : { codigoSolicitacao: state.codigoSolicitacao }),
    };
    const written =
      claim === undefined
        ? await store.save(job.id ?? "", token, JSON.stringify(data))
        : await store.finish(job.id ?? "", paymentId, token, claim, JSON.stringify(data), record);
    fenced(written, job, "the refusal");
    job.data = data;
    await announce(
      job,
      how.trust === "ours" ? audit : undefined,
      outcomeFacts(paymentId, amount, state as PaymentState & { outcome: FinalOutcome }),
      raw["callbackUrl"],
    );
    if (park) {
      logger.error(
        { jobId: job.id, problems, reason },
        "refused a payout job that may already have reached the bank; parked for reconciliation",
      );
      return paymentResult(paymentId, amount ?? "", { ...state, outcome: "needs-reconciliation" }, isoNow());
    }
    logger.warn({ jobId: job.id, problems, reason }, "refused a payout job; nothing was sent to the bank");
    throw new UnrecoverableError(reason);
  }

  /**
   * Another job of the same payment holds (or held) its record: a producer enqueued the payment again after
   * retention removed its first job. This job sends nothing. It ends with the payment's outcome as the
   * record says (a duplicate, not announced again); a payment whose earlier job may have sent it and is gone
   * is parked for a human.
   */
  async function duplicate(
    job: PayoutJob,
    token: string,
    raw: Record<string, unknown>,
    record: PaymentRecord,
    payment?: Payment,
  ): Promise<PaymentResult> {
    const { state: _state, audit: _audit, ...stored } = raw;
    const paymentId = payment?.paymentId ?? (typeof raw["paymentId"] === "string" ? raw["paymentId"] : (job.id ?? ""));
    const amount = payment?.amount ?? (typeof raw["amount"] === "string" ? raw["amount"] : "");
    const sentMaybe = record.outcome === "pending" || record.outcome === "queued";
    const outcome: FinalOutcome = sentMaybe ? "needs-reconciliation" : (record.outcome as FinalOutcome);
    const reason = sentMaybe
      ? `another job of this payment (removed since) may have sent it (its record says ${record.outcome}): reconcile it with the bank; this job sent nothing`
      : `a duplicate: this payment was already ${record.outcome} by an earlier job (removed since); this job sent nothing`;
    // The record's facts only: whatever state the job carried is not this payment's word.
    const state: PaymentState = {
      ...initialState(record.generation),
      ...(record.codigoSolicitacao === undefined ? {} : { codigoSolicitacao: record.codigoSolicitacao }),
      maybeExecuted: record.outcome !== "rejected" && record.outcome !== "blocked",
      outcome,
      reason,
    };
    const data = { ...stored, state };
    fenced(await store.save(job.id ?? "", token, JSON.stringify(data)), job, "the duplicate's state");
    job.data = data;
    logger.warn(
      { paymentId, recorded: record.outcome, codigoSolicitacao: record.codigoSolicitacao },
      "a payout job for a payment another job already handled; nothing was sent",
    );
    // Announced only when the payment may be at the bank and no outcome was ever told, and only for a
    // job whose fields are valid (an invalid job's callbackUrl is nobody's word).
    if (sentMaybe && payment) {
      tell((m) => {
        m.onOutcome("needs-reconciliation");
      });
      await announce(job, undefined, outcomeFacts(paymentId, amount, { ...state, outcome }), payment.callbackUrl);
    }
    if (outcome === "paid" || outcome === "needs-reconciliation")
      return paymentResult(paymentId, amount, { ...state, outcome }, isoNow());
    throw new UnrecoverableError(reason);
  }

  /**
   * A run that finds its job's final outcome already written — with the record, in the same step — by an
   * earlier run whose completion was lost (a crash, a Redis error after the write): it concludes the same
   * way again (the same event, deduplicated by its id) and decides nothing afresh. Only an operator's
   * retry (src/queue/producer/retry.ts) reopens a finished payment.
   */
  async function concludeAgain(run: Run, state: PaymentState & { outcome: FinalOutcome }): Promise<PaymentResult> {
    const { payment } = run;
    logger.info(
      { paymentId: payment.paymentId, outcome: state.outcome },
      "this payment's outcome was written by an earlier run; concluding it again, nothing decided afresh",
    );
    await announce(run.job, run.audit, outcomeFacts(payment.paymentId, payment.amount, state), payment.callbackUrl);
    if (state.outcome === "paid" || state.outcome === "needs-reconciliation")
      return paymentResult(payment.paymentId, payment.amount, { ...state, outcome: state.outcome }, isoNow());
    throw new UnrecoverableError(state.reason ?? `the payment was ${state.outcome}`);
  }

  /**
   * A slot of `name` for this job: its reservation (kept in the state while it waits for it). The job
   * sleeps in BullMQ's delayed set until SLOT_LEAD_MS before its slot, then waits the last moment in the
   * worker: a delayed job is promoted a little late, by a varying amount, and at Inter's 1-send-a-second
   * limit that variance made neighbouring slots collide at the gate (`npm run bench`). A slot stale by more
   * than STALE_SLOT_MS (jobs that all woke late after an outage) is given up for a fresh one. A poll of a
   * payment long stuck (or awaiting approval) is low priority: it takes a slot only when the schedule is
   * nearly free, so a few stuck payments never delay fresh ones.
   */
  async function reserveSlot(name: "send" | "status", state: PaymentState, lowPriority: boolean): Promise<Slot> {
    const interval = budgets.intervalMs(name);
    let held = state.slot?.budget === name ? state.slot : undefined;
    if (held && now() - held.at > Math.max(interval, STALE_SLOT_MS)) held = undefined;
    // The token first: a token call must never sit between the gate and the call it spaces.
    await client.prepare(name === "send" ? "send" : "read");
    if (!held) {
      const horizon = lowPriority ? interval : budgets.horizonMs;
      const r = await budgets.reserve(name, horizon);
      if (!r.reserved) {
        // Beyond the horizon: come back when it is within reach, at a random moment spread over the time the
        // backlog needs (order beyond the horizon is not kept either way).
        const backlog = options.backlog ? await options.backlog().catch(() => 0) : 0;
        const spread = Math.max(lowPriority ? interval * 10 : budgets.horizonMs / 2, backlog * interval);
        const delayMs = Math.max(0, r.waitMs - horizon) + random() * spread;
        tell((m) => {
          m.onRateLimitWait(name, delayMs);
        });
        const gaveWaySince = lowPriority ? (state.gaveWaySince ?? now()) : state.gaveWaySince;
        return {
          go: false,
          delayMs,
          state: { ...state, slot: undefined, gaveWaySince },
          why: `${name} budget ${lowPriority ? "busy (a long wait gives way)" : "full"}`,
        };
      }
      held = { budget: name, at: now() + r.waitMs };
      state = { ...state, gaveWaySince: undefined };
      if (r.waitMs > 0) {
        tell((m) => {
          m.onRateLimitWait(name, r.waitMs);
        });
      }
    }
    if (now() < held.at - SLOT_LEAD_MS)
      return {
        go: false,
        delayMs: held.at - SLOT_LEAD_MS - now(),
        state: { ...state, slot: held },
        why: `${name} slot`,
      };
    return { go: true, state: { ...state, slot: held } };
  }

  /**
   * Right before the call: the slot's moment, then the gate (the fleet's previous call of the budget, and
   * any 429 penalty). A gate closed for a moment is waited for here; longer, the call is not made.
   */
  async function passGate(name: "send" | "status", slotAt: number | undefined): Promise<number> {
    if (slotAt !== undefined && now() < slotAt) await sleep(slotAt - now());
    let gate = await budgets.gate(name);
    if (gate > 0 && gate <= GATE_WAIT_MS) {
      tell((m) => {
        m.onRateLimitWait(name, gate);
      });
      await sleep(gate + 1);
      gate = await budgets.gate(name);
    }
    if (gate > 0) {
      tell((m) => {
        m.onRateLimitWait(name, gate);
      });
    }
    return gate;
  }

  /**
   * Each exchange of a call: the first is made right after the gate; a second one (after a 401) passes the
   * gate again — it is another request to the bank. A send must leave within SEND_BOUND_MS of its lock
   * step (performance.now(): a wall clock stepped back cannot stretch it): checked here, and again when
   * the request is handed its socket (it may wait for a connection), where a late one is stopped unwritten.
   * `released` is told whether the current exchange was let go to the bank (false until it is).
   */
  function attempts(
    name: "send" | "status",
    lockStepAt: number | undefined,
    gatePassedAt: number,
    released?: (yes: boolean) => void,
  ): NonNullable<CallOptions["beforeAttempt"]> {
    const bound = Math.min(SEND_BOUND_MS, lockMs / 3);
    return async (attempt) => {
      released?.(false);
      let passed = gatePassedAt;
      if (attempt > 1) {
        const gate = await passGate(name, undefined);
        if (gate > 0)
          throw new SendNotMadeError(
            `the ${name} gate is closed for ${String(gate)} ms before a retry after a 401`,
            gate + 1 + random() * budgets.intervalMs(name) * 0.1,
          );
        passed = performance.now();
      }
      const since = lockStepAt === undefined ? 0 : performance.now() - lockStepAt;
      if (since > bound) {
        throw new SendNotMadeError(
          `${String(Math.round(since))} ms passed since the lock was extended (a slow Redis link or a paused process): the send starts over`,
          100 + random() * 400,
        );
      }
      released?.(true);
      return { gatePassedAt: passed, ...(lockStepAt === undefined ? {} : { sendBy: lockStepAt + bound }) };
    };
  }

  /** The penalty a 429 puts on the fleet's budget, never longer than the cap; a huge ask is said once. */
  let warnedLongWait = 0;
  async function penalize(name: "send" | "status", facts: ErrorFacts): Promise<void> {
    const asked = facts.retryAfterMs ?? policy.defaultRateLimitWaitMs;
    const ms = bankWait(asked, policy);
    if (asked > ms && now() - warnedLongWait > 10 * 60_000) {
      warnedLongWait = now();
      logger.warn(
        { askedMs: asked, waitMs: ms },
        "the bank (or a proxy) asked to wait longer than PIXOUT_MAX_BANK_WAIT_SECONDS after a 429; waiting the cap, then asking again",
      );
    }
    // Best effort: a penalty Redis did not take only makes the next call meet the bank's 429 again.
    await budgets.penalize(name, ms).catch((err: unknown) => {
      logger.warn(
        { budget: name, err: err instanceof Error ? err.message : String(err) },
        "could not record the bank's 429 on the fleet's budget",
      );
    });
  }

  /** The send step. */
  async function submit(run: Run, given: PaymentState): Promise<Decision> {
    const parked = beforeSend(given, now(), policy);
    if (parked) return parked;
    const gated = await balanceGate(run, given);
    if ("decision" in gated) return gated.decision;
    const { state } = gated;
    const slot = await reserveSlot("send", state, false);
    if (!slot.go) return wait(run, slot.state, slot.delayMs, slot.why);
    const { payment } = run;
    // The first send fixes dataPagamento; a resend after midnight must not change the body under the same key.
    const paymentDate = state.paymentDate !== undefined ? state.paymentDate : scheduledDateFor(payment, now());
    const order = pixOrderFor(payment, paymentDate);
    const base: PaymentState = {
      ...slot.state,
      paymentDate,
      firstSendAt: state.firstSendAt ?? now(),
      slot: undefined,
      waitingFor: undefined,
    };
    // The safety limits: a refusal ends the payment `blocked`, nothing sent. A reservation left by a send
    // that never went out (lost lock, Redis error) is found again by the retry.
    const limited = {
      payment,
      generation: state.generation,
      firstSendAt: base.firstSendAt ?? now(),
      maybeExecuted: base.maybeExecuted,
    };
    const admission = options.limits ? await options.limits.admit(limited) : { ok: true as const };
    if (!admission.ok) return blocked(state, admission.reason);
    // One fenced step: the lock extended, the record `pending` (from the first send on the paymentId stays
    // refused to producers however the job ends), and the send-in-flight mark — or nothing, and no send.
    const lockStepAt = performance.now();
    const marked: PaymentState = { ...base, sendInFlight: now() };
    const data = dataOf(storedForm(payment, run.stored), marked, run.audit);
    const unmark = async (why: string, delayMs: number): Promise<never> =>
      wait(run, { ...base, slot: slot.state.slot }, delayMs, why);
    let step: FencedResult;
    try {
      step = await store.beforeSend(
        run.job.id ?? "",
        payment.paymentId,
        run.token,
        run.claim,
        lockMs,
        JSON.stringify(data),
        recordOf(run, marked, "pending"),
      );
    } catch (err) {
      if (!(err instanceof RedisNotReplicatedError)) throw err;
      // The mark is on the master, not confirmed by the replicas: nothing is sent, and the mark is cleared (a
      // plain save), so that the next run does not take this payment for one whose send may be out.
      options.onRedisError?.(err);
      return unmark(`nothing was sent: ${err.message}`, 1_000 + random() * 4_000);
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
    fenced(step, run.job, "the send-in-flight mark");
    run.job.data = data;
    // Until an exchange is let go to the bank, nothing can have reached it: a failure clears the mark (a
    // first exchange answered 401 was refused, so a failure before the second leaves also sent nothing).
    const exchange = { released: false };
    const notSent = (err: unknown): Promise<never> =>
      unmark(
        `nothing was sent: ${err instanceof Error ? err.message : String(err)}`,
        err instanceof SendNotMadeError ? err.delayMs : 1_000 + random() * 4_000,
      );
    let gate: number;
    try {
      gate = await passGate("send", slot.state.slot?.at);
    } catch (err) {
      return notSent(err);
    }
    if (gate > 0) return unmark("send gate", gate + 1 + random() * budgets.intervalMs("send") * 0.1);
    const call: CallOptions = {
      ...(payment.account === undefined ? {} : { account: payment.account }),
      beforeAttempt: attempts("send", lockStepAt, performance.now(), (yes) => {
        exchange.released = yes;
      }),
    };
    let sent: SentPix;
    try {
      sent = await client.sendPix(order, bankIdempotencyKey(payment.paymentId, state.generation), call);
    } catch (err) {
      // The fleet's token cache failing is always before an exchange: the first, or the second after a 401 (a
      // refusal: nothing ran). Either way nothing of this call reached the bank.
      const beforeExchange = !exchange.released || err instanceof TokenCacheError;
      // Redis failed under the call (the fleet's token cache): told to the worker's health watch.
      const redisFailure = beforeExchange ? redisErrorIn(err) : undefined;
      if (redisFailure !== undefined) options.onRedisError?.(redisFailure);
      if (err instanceof SendNotMadeError || err instanceof RequestNotSentError) return notSent(err);
      // Ours (a token store, the gate) before the exchange left; the bank's own answers are InterErrors — a
      // Redis failure under the token call is wrapped in one, and is ours too.
      if (beforeExchange && (!(err instanceof InterError) || redisFailure !== undefined)) return notSent(err);
      const facts = errorFacts(err);
      if (facts.code === "INTER_RATE_LIMITED" && facts.operation !== "token") await penalize("send", facts);
      const decision = afterSend(base, { ok: false, error: facts }, now(), random(), policy);
      // Failed for good with nothing executed: the day's reservation is given back (best effort — a
      // reservation kept by mistake only makes the limit stricter). An ambiguous send keeps it.
      if (options.limits && decision.kind === "fail" && !decision.state.maybeExecuted) {
        await options.limits.release(limited).catch((e: unknown) => {
          logger.warn(
            { paymentId: payment.paymentId, err: e instanceof Error ? e.message : String(e) },
            "could not release the payment's daily-limit reservation; the day's total stays higher",
          );
        });
      }
      return decision;
    }
    indexIds(payment.paymentId, { codigoSolicitacao: sent.codigoSolicitacao });
    await linkCodigo(run.job, sent.codigoSolicitacao);
    return afterSend(base, { ok: true, sent }, now(), random(), policy);
  }

  /**
   * Links the bank's codigoSolicitacao to the job, for the receiver to wake it — only while a receiver
   * runs (one Redis call less per payment otherwise); the poll covers a payment sent without the link.
   */
  async function linkCodigo(job: PayoutJob, codigo: string): Promise<void> {
    if (!options.callbacks || job.id === undefined || !(await options.callbacks.receiver()).running) return;
    await options.callbacks.store.link(codigo, job.id).catch((err: unknown) => {
      logger.warn(
        { jobId: job.id, err: err instanceof Error ? err.message : String(err) },
        "could not link the payment to its codigoSolicitacao for callbacks; it will be polled",
      );
    });
  }

  /** What Inter's callbacks say, when a receiver runs: a finish, or the state with what was read. */
  async function readCallbacks(
    payment: Payment,
    state: PaymentState,
    codigo: string,
  ): Promise<{ finish?: Decision; state: PaymentState }> {
    const cb = options.callbacks;
    if (!cb || !(await cb.receiver()).running) return { state };
    const news = await cb.store.news(codigo);
    if (news.length === 0) return { state };
    const account = payment.account ?? options.defaultAccount;
    const sentAt = state.firstSendAt ?? state.submittedAt;
    const verdict = fromCallbacks(state, payment, news, {
      now: now(),
      today: saoPauloToday(now()),
      ...(sentAt === undefined ? {} : { sentAt }),
      ...(account === undefined ? {} : { account }),
    });
    if (verdict.kind === "finish") return { finish: verdict.decision, state };
    if (news.length > (state.callbacksSeen ?? 0)) {
      logger.info(
        { paymentId: payment.paymentId, codigoSolicitacao: codigo, why: verdict.why },
        "confirming Inter's callback with a status query",
      );
    }
    return { state: { ...state, callbacksSeen: news.length } };
  }

  function expectedOf(payment: Payment): ExpectedPayment {
    return {
      amountCents: parseAmount(payment.amount),
      ...(payment.recipient.type === "key" ? { key: payment.recipient.key } : {}),
    };
  }

  /** The status step. */
  async function poll(run: Run, given: PaymentState, codigo: string): Promise<Decision> {
    const { payment } = run;
    const news = await readCallbacks(payment, given, codigo);
    if (news.finish) return news.finish;
    const started = news.state.progressSince ?? news.state.submittedAt ?? now();
    // A long wait's poll gives way to others — for GIVE_WAY_MAX_MS at most, then it books like any other.
    const gaveWay = news.state.gaveWaySince !== undefined && now() - news.state.gaveWaySince > GIVE_WAY_MAX_MS;
    const lowPriority = !gaveWay && (news.state.approvalSince !== undefined || now() - started > policy.stuckAfterMs);
    const slot = await reserveSlot("status", news.state, lowPriority);
    if (!slot.go) return wait(run, slot.state, slot.delayMs, slot.why);
    const state: PaymentState = { ...slot.state, slot: undefined, waitingFor: undefined };
    const gate = await passGate("status", slot.state.slot?.at);
    if (gate > 0) return wait(run, slot.state, gate + 1 + random() * budgets.intervalMs("status") * 0.1, "status gate");
    const call: CallOptions = {
      ...(payment.account === undefined ? {} : { account: payment.account }),
      beforeAttempt: attempts("status", undefined, performance.now()),
      personal: personalValues(pixOrderFor(payment, null)),
    };
    const scheduledAt = payment.scheduledFor === undefined ? undefined : saoPauloStartOfDay(payment.scheduledFor);
    let status: PixStatus;
    try {
      status = await client.getPix(codigo, call);
    } catch (err) {
      if (err instanceof SendNotMadeError) return wait(run, slot.state, err.delayMs, err.message);
      // Redis failed under the call (the fleet's token cache): the infrastructure's, not the payment's.
      const redisFailure = redisErrorIn(err);
      if (redisFailure !== undefined) throw redisFailure;
      const facts = errorFacts(err);
      if (facts.code === "INTER_RATE_LIMITED" && facts.operation !== "token") await penalize("status", facts);
      return afterPoll(state, { ok: false, error: facts }, now(), random(), policy, scheduledAt);
    }
    if (!isKnownStatus(status.status)) {
      logger.warn(
        { paymentId: payment.paymentId, codigoSolicitacao: codigo, bankStatus: status.status },
        "unknown bank status; treated as in progress",
      );
    }
    const decision = afterPoll(state, { ok: true, status }, now(), random(), policy, scheduledAt, expectedOf(payment));
    if (decision.kind === "finish" && decision.state.outcome === "paid" && status.movedAt !== undefined)
      decision.state.paidAt = status.movedAt;
    return decision;
  }

  /** A recipient encrypted under a key this worker lacks: the payment waits, unchanged, saying why. */
  async function waitForKey(
    job: PayoutJob,
    token: string,
    stored: Record<string, unknown>,
    claim: string,
    problems: FieldIssue[],
  ): Promise<never> {
    const problem = describeIssues(problems);
    logger.error(
      { jobId: job.id, problem },
      "cannot decrypt this payment's recipient here: it waits; add the data key to PIXOUT_DATA_KEYS",
    );
    const delay = Math.round(policy.configRetryMs * (0.9 + 0.2 * random()));
    const raw = asRecord(job.data);
    const state = {
      ...initialState(),
      ...asRecord(raw["state"]),
      claim,
      lastError: { code: "PIXOUT_DATA_KEY", message: problem, at: now() },
      waitingFor: { why: "data key", until: now() + delay },
    };
    // Told on the job, for `pixout status` and the dashboard; the payment's own fields are left as they are.
    const data = { ...stored, state, ...(raw["audit"] === undefined ? {} : { audit: raw["audit"] }) };
    fenced(await store.save(job.id ?? "", token, JSON.stringify(data)), job, "the wait for a data key");
    job.data = data;
    await job.moveToDelayed(now() + delay, token);
    throw new DelayedError();
  }

  async function run(job: PayoutJob, token: string): Promise<PaymentResult> {
    const read = readJob(job);
    const raw = asRecord(job.data);
    const rawState = raw["state"];
    const paymentId =
      read.kind === "ok" ? read.payment.paymentId : typeof raw["paymentId"] === "string" ? raw["paymentId"] : undefined;
    // A payment's record is keyed by its paymentId, under its own job id only.
    if (paymentId === undefined || job.id !== jobIdFor(paymentId)) {
      return refuse(job, token, read.kind === "ok" ? [] : read.problems, raw, { trust: "unverified" });
    }
    const jobClaim =
      typeof asRecord(rawState)["claim"] === "string" ? (asRecord(rawState)["claim"] as string) : undefined;
    const producerWrote = jobClaim === undefined && (rawState !== undefined || raw["audit"] !== undefined);
    const { state: _state, audit: _audit, ...stored } = raw;
    const given = asRecord(rawState);
    // A state without a claim on a job that already ran is an older pixout's (it wrote no claims): adopted
    // with its state kept, under the record's rules (fenced-store.ts). On a job's first run it is its producer's.
    const arrival: Arrival = !producerWrote
      ? { kind: "new" }
      : job.attemptsStarted > 1 && rawState !== undefined
        ? {
            kind: "legacy",
            generation: typeof given["generation"] === "number" ? given["generation"] : 0,
            ...(typeof given["codigoSolicitacao"] === "string"
              ? { codigoSolicitacao: given["codigoSolicitacao"] }
              : {}),
            keptData: (claim) => JSON.stringify({ ...raw, state: { ...given, claim } }),
          }
        : { kind: "state" };
    const claimed = await store.begin(
      job.id,
      paymentId,
      token,
      jobClaim,
      // The claim goes into a whole state (a job's first run may stop right after it, before any other write).
      (claim) => JSON.stringify({ ...stored, state: { ...initialState(), ...(producerWrote ? {} : given), claim } }),
      arrival,
    );
    if (claimed.kind === "lost") throw new LostJobError(`this worker no longer holds job ${job.id}: not started`);
    // Another job of the payment holds its record: the record's word, whatever this job carries.
    if (claimed.kind === "taken")
      return duplicate(job, token, raw, claimed.record, read.kind === "ok" ? read.payment : undefined);
    if (claimed.kind === "unknown") {
      const record = claimed.record;
      const sameSend =
        record !== undefined &&
        given["codigoSolicitacao"] === record.codigoSolicitacao &&
        (given["generation"] ?? 0) === record.generation;
      if (record !== undefined && !sameSend)
        return duplicate(job, token, raw, record, read.kind === "ok" ? read.payment : undefined);
      const evidence = hasBankEvidence(rawState);
      return refuse(job, token, [], raw, {
        trust: "unverified",
        why: `the job's state was not written for this payment's record (its claim is unknown to the record${record ? "" : ", which is gone"})${evidence ? ": it names a send this worker cannot vouch for" : ""}; this run sent nothing`,
      });
    }
    // An older pixout's job without a record never sent: a state that names a send is nobody's word.
    if (claimed.adopted === "job" && hasBankEvidence(rawState)) {
      return refuse(job, token, [], raw, {
        trust: "unverified",
        claim: claimed.claim,
        why: "a job of an older pixout whose state names a send the payment's record never knew: this run sent nothing",
      });
    }
    // A state or an audit on a job's first run was written by its producer: only pixout writes them.
    if (producerWrote && claimed.adopted === undefined && claimed.record?.outcome === "queued") {
      return refuse(job, token, [], raw, {
        trust: "foreign",
        claim: claimed.claim,
        why: "the job carries a `state` or an `audit`, which only pixout writes (enqueue the payment's fields only): refused, nothing was sent",
      });
    }
    if (read.kind === "key-missing") return waitForKey(job, token, stored, claimed.claim, read.problems);
    if (read.kind === "invalid") return refuse(job, token, read.problems, raw, { trust: "ours", claim: claimed.claim });
    const { payment } = read;
    const earlierState = asRecord(rawState);
    const r: Run = {
      job,
      token,
      payment,
      claim: claimed.claim,
      stored: read.stored,
      audit: read.audit,
      earlier: {
        outcome: earlierState["outcome"],
        generation: typeof earlierState["generation"] === "number" ? earlierState["generation"] : 0,
      },
    };
    // An outcome this job's earlier run wrote with the record (its completion was lost): concluded again.
    const earlierOutcome = read.state?.outcome;
    if (
      read.state !== undefined &&
      isFinalOutcome(earlierOutcome) &&
      claimed.record?.outcome === earlierOutcome &&
      claimed.record.generation === read.state.generation
    ) {
      return concludeAgain(r, { ...read.state, claim: claimed.claim, outcome: earlierOutcome });
    }
    let state: PaymentState = {
      ...initialState(),
      ...(read.state ?? {}),
      claim: claimed.claim,
      outcome: undefined,
      reason: undefined,
    };
    if (state.sendInFlight !== undefined) {
      logger.warn(
        { paymentId: payment.paymentId },
        "a worker stopped in the middle of this payment's send: it may have executed; resending with the same key",
      );
      state = { ...state, sendInFlight: undefined, maybeExecuted: true };
    }
    const codigo = state.codigoSolicitacao;
    if (state.step === "poll" && codigo === undefined) {
      return refuse(job, token, [{ field: "state.codigoSolicitacao", message: "is required in step poll" }], raw, {
        trust: "ours",
        claim: claimed.claim,
      });
    }
    const decision =
      state.step === "poll" && codigo !== undefined ? await poll(r, state, codigo) : await submit(r, state);
    return conclude(r, decision);
  }

  return async (job, token) => {
    if (token === undefined) throw new Error("a payout job runs only under its BullMQ lock token");
    try {
      return await run(job, token);
    } catch (err) {
      // Redis failing under a step is the infrastructure's problem, not the payment's: the step runs again
      // later, without spending one of the job's BullMQ attempts (if Redis lets the job move at all).
      if (!isRedisError(err) || err instanceof DelayedError) throw err;
      options.onRedisError?.(err);
      const delay = Math.round(1_000 + random() * 4_000);
      const message = (err as Error).message;
      const problem = classifyRedisError(err, options.redisSetting);
      if (problem.setting) {
        // Not a blip: a setting. Payments wait (no attempt is spent) until Redis lets pixout in.
        logger.error({ jobId: job.id, err: message, delayMs: delay }, `${problem.message}; payments wait meanwhile`);
      } else {
        logger.warn(
          { jobId: job.id, err: message, delayMs: delay },
          "Redis failed under a payout step; the step runs again later",
        );
      }
      try {
        await job.moveToDelayed(now() + delay, token);
      } catch {
        throw err;
      }
      throw new DelayedError();
    }
  };
}

export { InterRateLimitedError };
