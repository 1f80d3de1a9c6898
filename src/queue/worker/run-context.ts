// What a run of a payout job works with: the processor's dependencies (resolved once per processor), the
// run's context (created once per run, then passed to each step), and the helpers every step shares.
import type { InterClient } from "../../inter/client.js";
import type { Logger } from "../../logger.js";
import { DEFAULT_MAX_AMOUNT_CENTS } from "../../payments/amount-rule.js";
import { DEFAULT_HOLD_POLICY, type BalanceHoldPolicy } from "../../payments/balance-hold.js";
import { DEFAULT_POLICY, type LifecyclePolicy, type Outcome, type PaymentState } from "../../payments/lifecycle.js";
import { parseAmount } from "../../payments/money.js";
import { paymentSchemaWithMax, type Payment } from "../../payments/payment.js";
import {
  NO_PROTECTION,
  paymentDigest,
  readJobData,
  storedForm,
  type DataProtection,
  type JobData,
} from "../job-data.js";
import type { EndFacts } from "../outcome-facts.js";
import type { BankIdentifier } from "../payment-index.js";
import type { Budgets } from "./budgets.js";
import type { FencedResult, FencedStore, RecordWrite } from "./fenced-store.js";
import { DEFAULT_ACCOUNT_KEY, type PayoutJob, type PayoutMetrics, type ProcessorOptions } from "./processor-options.js";

/** The processor's clock and dice (given by tests, else the machine's). */
export interface Clock {
  now: () => number;
  random: () => number;
  /** Now, as ISO 8601. */
  iso: () => string;
}

/** What every run of one processor shares: its options, with their defaults resolved once. */
export interface Deps {
  /** As given: the optional collaborators (callbacks, balance, notifier, limits, approvals, index, metrics…). */
  options: ProcessorOptions;
  client: InterClient;
  store: FencedStore;
  budgets: Budgets;
  logger: Logger;
  policy: LifecyclePolicy;
  holdPolicy: BalanceHoldPolicy;
  clock: Clock;
  /** The worker's lockDuration: the lock is extended for this long in the step that marks a send in flight. */
  lockMs: number;
  protection: DataProtection;
  /** The payment's schema, with the same per-payment maximum as the producers (PIXOUT_MAX_AMOUNT). */
  schema: ReturnType<typeof paymentSchemaWithMax>;
  /** When a 429 asking for more than the cap was last said in the log (once in 10 minutes). */
  warned: { longWaitAt: number };
  /** The runs waiting in their slot for a status query due soon, and how many may (conclude.ts). */
  inline: { waiting: number; max: number };
  /** When (performance.now()) this worker last found the send budget booked beyond its horizon, and by how much (intake.ts). */
  intake: { sendFull: { at: number; beyondMs: number } | undefined };
}

export function processorDeps(options: ProcessorOptions): Deps {
  const now = options.now ?? Date.now;
  return {
    options,
    client: options.client,
    store: options.store,
    budgets: options.budgets,
    logger: options.logger,
    policy: options.policy ?? DEFAULT_POLICY,
    holdPolicy: options.balance?.policy ?? DEFAULT_HOLD_POLICY,
    clock: { now, random: options.random ?? Math.random, iso: () => new Date(now()).toISOString() },
    lockMs: options.lockDurationMs ?? 60_000,
    protection: options.dataProtection ?? NO_PROTECTION,
    // A larger amount than the producers accept never reaches the bank.
    schema: paymentSchemaWithMax(options.maxAmountCents ?? DEFAULT_MAX_AMOUNT_CENTS),
    warned: { longWaitAt: 0 },
    inline: { waiting: 0, max: options.inlineWaits ?? 0 },
    intake: { sendFull: undefined },
  };
}

/** One run of a job, before its payment is read and claimed: what a refusal needs. */
export interface JobRun {
  deps: Deps;
  clock: Clock;
  logger: Logger;
  job: PayoutJob;
  /** The job's BullMQ lock token: every write of this run is fenced by it. */
  token: string;
  /** The job's data as this run found it. */
  data: JobData;
  /** What the job's state said when this run began: an outcome an earlier run saved, and its generation. */
  earlier: { outcome: unknown; generation: number };
}

/** One run of a job whose payment is read and claimed: created once per run, passed to each step. */
export interface RunContext extends JobRun {
  payment: Payment;
  /** This job's claim on the payment's record. */
  claim: string;
  /** The state the run begins from (its claim set, no outcome); each step returns the next one. */
  state: PaymentState;
  /** The operators' retries, written back as they are. */
  audit: unknown[] | undefined;
}

export function jobRun(deps: Deps, job: PayoutJob, token: string): JobRun {
  const data = readJobData(job.data);
  const { unchecked } = data.state;
  return {
    deps,
    clock: deps.clock,
    logger: deps.logger,
    job,
    token,
    data,
    earlier: {
      outcome: unchecked.outcome,
      generation: typeof unchecked.generation === "number" ? unchecked.generation : 0,
    },
  };
}

/** This run no longer holds the job: it stops, writes nothing more, sends nothing. */
export class LostJobError extends Error {
  override readonly name = "LostJobError";
}

/** A send stopped before anything left: the step starts over (it was too late, or the gate closed). */
export class SendNotMadeError extends Error {
  override readonly name = "SendNotMadeError";
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/** Stops the run when a fenced write was refused: the job (or the payment's record) is no longer this run's. */
export function fenced(result: FencedResult, job: PayoutJob, what: string): void {
  if (result.ok) return;
  if (result.why === "lost")
    throw new LostJobError(
      `this worker no longer holds job ${job.id ?? "?"} (its lock expired or another worker took it): ${what} not written; this run sends nothing more`,
    );
  throw new LostJobError(
    `the payment's record belongs to another job (${result.why}): ${what} not written; this run sends nothing more`,
  );
}

/** The job's data with this state: the stored payment (recipient as stored), the state, the audit. */
export function dataOf(
  stored: Record<string, unknown>,
  state: PaymentState,
  audit: unknown[] | undefined,
): Record<string, unknown> {
  return { ...stored, state, ...(audit === undefined ? {} : { audit }) };
}

/** Saves the state, fenced by the job's lock. */
export async function save(ctx: RunContext, state: PaymentState): Promise<void> {
  const data = dataOf(storedForm(ctx.payment, ctx.data.fields), state, ctx.audit);
  fenced(await ctx.deps.store.save(ctx.job.id ?? "", ctx.token, JSON.stringify(data)), ctx.job, "the state");
  ctx.job.data = data;
}

/** What the payment's record says of this run's state: `pending` before a send, the outcome at the end. */
export function recordOf(ctx: RunContext, state: PaymentState, outcome: Outcome): RecordWrite {
  const digest = paymentDigest(ctx.payment, ctx.deps.protection.keyring);
  return {
    outcome,
    generation: state.generation,
    at: ctx.clock.iso(),
    account: accountOf(ctx.deps, ctx.payment),
    amountCents: parseAmount(ctx.payment.amount),
    ...(state.codigoSolicitacao === undefined ? {} : { codigoSolicitacao: state.codigoSolicitacao }),
    ...(digest === undefined ? {} : { digest }),
  };
}

/** Metrics are told, never asked: a recorder that throws changes nothing of the payment. */
export function tell(deps: Deps, update: (metrics: PayoutMetrics) => void): void {
  if (!deps.options.metrics) return;
  try {
    update(deps.options.metrics);
  } catch (err) {
    deps.logger.debug({ err: err instanceof Error ? err.message : String(err) }, "a metrics recorder failed; ignored");
  }
}

/**
 * Tells the metrics of a final outcome — unless this run only repeats what an earlier run of the same
 * generation concluded and saved (its completion was lost: a crash, a Redis blip), which was counted
 * then. Told before the save: a save that fails makes the retried step count again (at-least-once).
 */
export function countOutcome(run: JobRun, outcome: Outcome, generation: number): void {
  if (run.earlier.outcome === outcome && run.earlier.generation === generation) return;
  tell(run.deps, (m) => {
    m.onOutcome(outcome);
  });
}

/**
 * The outcome's event, queued before the job completes or fails: a crash in between re-runs the final
 * step, which queues the same event (same delivery id) again — a no-op. If Redis refuses it, the step
 * fails and is retried, so an outcome is never left unannounced.
 */
export async function announce(
  deps: Deps,
  audit: unknown,
  facts: EndFacts,
  callbackUrl: string | undefined,
): Promise<void> {
  if (!deps.options.notifier) return;
  const retries = Array.isArray(audit) ? audit.length : 0;
  await deps.options.notifier.notifyOutcome({ ...facts, retries, occurredAt: deps.clock.iso() }, callbackUrl);
}

/** Around the money path, not on it: a failure is logged and changes nothing of the payment. */
export async function quietly(
  deps: Deps,
  what: string,
  paymentId: string,
  work: () => Promise<unknown>,
): Promise<void> {
  try {
    await work();
  } catch (err) {
    deps.logger.warn(
      { paymentId, err: err instanceof Error ? err.message : String(err) },
      `could not ${what}; the payment goes on`,
    );
  }
}

/**
 * Records bank identifiers for search: once when a send is answered with a codigoSolicitacao, and once
 * when the payment is final. One Redis round trip each, not awaited; neither a rejection nor a
 * synchronous throw may reach the caller: this runs right after a send the bank answered.
 */
export function indexIds(deps: Deps, paymentId: string, ids: Partial<Record<BankIdentifier, string>>): void {
  const complain = (err: unknown): void => {
    deps.logger.warn(
      { paymentId, err: err instanceof Error ? err.message : String(err) },
      "could not record the payment's bank identifiers for search; the dashboard finds it by paymentId only",
    );
  };
  try {
    deps.options.index?.remember(paymentId, ids).catch(complain);
  } catch (err) {
    complain(err);
  }
}

/** The paying account a payment's holds and balance reservations are kept under. */
export function accountOf(deps: Deps, payment: Payment): string {
  return payment.account ?? deps.options.defaultAccount ?? DEFAULT_ACCOUNT_KEY;
}

/** A payment's generation in the balance guard's reservations. */
export function guardMember(paymentId: string, generation: number): string {
  return `${paymentId}:${String(generation)}`;
}
