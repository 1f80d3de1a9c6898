// The payout job, one per payment, as a step job (README "How it works"): `submit` sends it to the bank
// (submit-step.ts), `poll` follows it until final (poll-step.ts). Every wait — a budget slot, a backoff, the
// next status query — is a `moveToDelayed` + `DelayedError`, never a sleep in a worker slot (but the last
// moment before a reserved slot, call-pacing.ts, and a status query due within 2 s, conclude.ts): the job's state is saved first, then the job moved, then
// the error thrown (waits.ts).
//
// What to do after each answer is decided by the pure rules of src/payments/lifecycle.ts; these files do
// the I/O around them. A run:
//   reads the job (read-payout.ts) and claims the payment's record (is this job the payment's?) ─ fenced-store.ts
//   refuses it, or ends it as another job's duplicate, when it may not send                    ─ refusals.ts
//   runs its step, then concludes: a wait, or the outcome with the record and the event        ─ conclude.ts
// Every write to the job and the record is fenced by the job's lock: a run that lost its job writes nothing
// and sends nothing. Each run gets one context (run-context.ts), passed to each step.
import { DelayedError } from "bullmq";
import { hasBankEvidence, initialState, type PaymentState } from "../../payments/lifecycle.js";
import { classifyRedisError, isRedisError } from "../../redis/errors.js";
import { jobIdFor } from "../names.js";
import type { PaymentResult } from "../payment-view.js";
import { concludeAgain, conclude } from "./conclude.js";
import type { Arrival } from "./fenced-store.js";
import { isFinalOutcome } from "../outcome-facts.js";
import { poll } from "./poll-step.js";
import type { PayoutJob, ProcessorOptions } from "./processor-options.js";
import { readPayout } from "./read-payout.js";
import { deferFresh } from "./intake.js";
import { duplicate, refuse, waitForKey } from "./refusals.js";
import { LostJobError, jobRun, processorDeps, type Deps, type JobRun, type RunContext } from "./run-context.js";
import { submit } from "./submit-step.js";

export {
  DEFAULT_ACCOUNT_KEY,
  HELD_RECHECK_MS,
  type BalanceOptions,
  type CallbackOptions,
  type PayoutJob,
  type PayoutMetrics,
  type ProcessorOptions,
} from "./processor-options.js";
export { SEND_BOUND_MS } from "./call-pacing.js";
export { GIVE_WAY_MAX_MS } from "./poll-step.js";
export { InterRateLimitedError } from "../../inter/errors.js";

export function createPayoutProcessor(
  options: ProcessorOptions,
): (job: PayoutJob, token?: string) => Promise<PaymentResult> {
  const deps = processorDeps(options);
  const { logger, clock } = deps;
  return async (job, token) => {
    if (token === undefined) throw new Error("a payout job runs only under its BullMQ lock token");
    // The step runs again later, without spending one of the job's BullMQ attempts (if Redis lets the job move).
    const putBack = async (cause: unknown): Promise<never> => {
      try {
        await job.moveToDelayed(clock.now() + Math.round(1_000 + clock.random() * 4_000), token);
      } catch {
        throw cause;
      }
      throw new DelayedError();
    };
    // A worker that found Redis unfit pauses, but BullMQ may still hand it a job it was already fetching (a
    // blocked fetch that a new job wakes): that job is put back untouched, nothing of it run.
    const unfit = options.redisUnfit?.();
    if (unfit !== undefined) {
      logger.warn(
        { jobId: job.id, redisProblem: unfit.kind },
        "a job reached this worker while Redis is unfit for payments; put back, nothing run",
      );
      return putBack(new Error(unfit.message));
    }
    try {
      return await runJob(deps, job, token);
    } catch (err) {
      // Redis failing under a step is the infrastructure's problem, not the payment's.
      if (!isRedisError(err) || err instanceof DelayedError) throw err;
      options.onRedisError?.(err);
      const message = (err as Error).message;
      const problem = classifyRedisError(err, options.redisSetting);
      if (problem.setting) {
        // Not a blip: a setting. Payments wait (no attempt is spent) until Redis lets pixout in.
        logger.error({ jobId: job.id, err: message }, `${problem.message}; payments wait meanwhile`);
      } else {
        logger.warn({ jobId: job.id, err: message }, "Redis failed under a payout step; the step runs again later");
      }
      return putBack(err);
    }
  };
}

/**
 * One run of a job: its payment read, its record claimed, then either a refusal (nothing sent), the outcome
 * an earlier run wrote concluded again, or the job's step.
 */
async function runJob(deps: Deps, job: PayoutJob, token: string): Promise<PaymentResult> {
  const run = jobRun(deps, job, token);
  const { data } = run;
  // The send budget is booked beyond its horizon: a payment that never ran sleeps again before anything.
  const deferred = await deferFresh(run);
  if (deferred !== undefined) {
    await job.moveToDelayed(deps.clock.now() + Math.max(1, Math.round(deferred)), token);
    deps.logger.debug({ jobId: job.id, delayMs: Math.round(deferred) }, "send budget full: a new payment sleeps");
    throw new DelayedError();
  }
  const read = readPayout(run);
  const paymentId = read.kind === "ok" ? read.payment.paymentId : data.paymentId;
  // A payment's record is keyed by its paymentId, under its own job id only.
  if (paymentId === undefined || job.id !== jobIdFor(paymentId)) {
    return refuse(run, read.kind === "ok" ? [] : read.problems, { trust: "unverified" });
  }
  const given = data.state.unchecked;
  const jobClaim = typeof given.claim === "string" ? given.claim : undefined;
  const producerWrote = jobClaim === undefined && (data.state.kind !== "absent" || data.audit.kind !== "absent");
  const claimed = await deps.store.begin(
    job.id,
    paymentId,
    token,
    jobClaim,
    // The claim goes into a whole state (a job's first run may stop right after it, before any other write).
    (claim) => JSON.stringify({ ...data.fields, state: { ...initialState(), ...(producerWrote ? {} : given), claim } }),
    arrivalOf(run, producerWrote),
  );
  if (claimed.kind === "lost") throw new LostJobError(`this worker no longer holds job ${job.id}: not started`);
  // Another job of the payment holds its record: the record's word, whatever this job carries.
  if (claimed.kind === "taken") return duplicate(run, claimed.record, read.kind === "ok" ? read.payment : undefined);
  if (claimed.kind === "unknown") {
    const record = claimed.record;
    const sameSend =
      record !== undefined &&
      given.codigoSolicitacao === record.codigoSolicitacao &&
      (given.generation ?? 0) === record.generation;
    if (record !== undefined && !sameSend) return duplicate(run, record, read.kind === "ok" ? read.payment : undefined);
    const evidence = hasBankEvidence(data.state.raw);
    return refuse(run, [], {
      trust: "unverified",
      why: `the job's state was not written for this payment's record (its claim is unknown to the record${record ? "" : ", which is gone"})${evidence ? ": it names a send this worker cannot vouch for" : ""}; this run sent nothing`,
    });
  }
  // An older pixout's job without a record never sent: a state that names a send is nobody's word.
  if (claimed.adopted === "job" && hasBankEvidence(data.state.raw)) {
    return refuse(run, [], {
      trust: "unverified",
      claim: claimed.claim,
      why: "a job of an older pixout whose state names a send the payment's record never knew: this run sent nothing",
    });
  }
  // A state or an audit on a job's first run was written by its producer: only pixout writes them.
  if (producerWrote && claimed.adopted === undefined && claimed.record?.outcome === "queued") {
    return refuse(run, [], {
      trust: "foreign",
      claim: claimed.claim,
      why: "the job carries a `state` or an `audit`, which only pixout writes (enqueue the payment's fields only): refused, nothing was sent",
    });
  }
  if (read.kind === "key-missing") return waitForKey(run, claimed.claim, read.problems);
  if (read.kind === "invalid") return refuse(run, read.problems, { trust: "ours", claim: claimed.claim });
  const begun = beginState(read.state, claimed.claim);
  const ctx: RunContext = {
    ...run,
    payment: read.payment,
    claim: claimed.claim,
    state: begun.state,
    audit: data.audit.kind === "list" ? data.audit.raw : undefined,
  };
  // An outcome this job's earlier run wrote with the record (its completion was lost): concluded again.
  const earlierOutcome = read.state?.outcome;
  if (
    read.state !== undefined &&
    isFinalOutcome(earlierOutcome) &&
    claimed.record?.outcome === earlierOutcome &&
    claimed.record.generation === read.state.generation
  ) {
    return concludeAgain(ctx, { ...read.state, claim: claimed.claim, outcome: earlierOutcome });
  }
  if (begun.sendWasInFlight) {
    deps.logger.warn(
      { paymentId: read.payment.paymentId },
      "a worker stopped in the middle of this payment's send: it may have executed; resending with the same key",
    );
  }
  return runStep(ctx);
}

/**
 * How a job without a claim came: new, or with a state or audit it did not get from a run of this fleet. A
 * state without a claim on a job that already ran is an older pixout's (it wrote no claims): adopted with its
 * state kept, under the record's rules (fenced-store.ts). On a job's first run it is its producer's.
 */
function arrivalOf(run: JobRun, producerWrote: boolean): Arrival {
  const { job, data } = run;
  const given = data.state.unchecked;
  if (!producerWrote) return { kind: "new" };
  if (job.attemptsStarted > 1 && data.state.kind !== "absent") {
    return {
      kind: "legacy",
      generation: typeof given.generation === "number" ? given.generation : 0,
      ...(typeof given.codigoSolicitacao === "string" ? { codigoSolicitacao: given.codigoSolicitacao } : {}),
      keptData: (claim) =>
        JSON.stringify({
          ...data.fields,
          state: { ...given, claim },
          ...(data.audit.raw === undefined ? {} : { audit: data.audit.raw }),
        }),
    };
  }
  return { kind: "state" };
}

/**
 * The state a run begins from: the saved one under this run's claim, without an outcome (a run decides
 * afresh). A send left in flight by a worker that stopped may have executed: it is resent with the same key.
 */
function beginState(saved: PaymentState | undefined, claim: string): { state: PaymentState; sendWasInFlight: boolean } {
  const state: PaymentState = { ...initialState(), ...(saved ?? {}), claim, outcome: undefined, reason: undefined };
  if (state.sendInFlight === undefined) return { state, sendWasInFlight: false };
  return { state: { ...state, sendInFlight: undefined, maybeExecuted: true }, sendWasInFlight: true };
}

/** The job's step, dispatched on `state.step`, then concluded (a wait, or the payment's outcome). */
async function runStep(ctx: RunContext): Promise<PaymentResult> {
  const { state } = ctx;
  switch (state.step) {
    case "submit":
      return conclude(ctx, await submit(ctx));
    case "poll": {
      const codigo = state.codigoSolicitacao;
      // A poll follows the bank's codigoSolicitacao: a state in step poll without one is not the worker's.
      if (codigo === undefined) {
        return refuse(ctx, [{ field: "state.codigoSolicitacao", message: "is required in step poll" }], {
          trust: "ours",
          claim: ctx.claim,
        });
      }
      return conclude(ctx, await poll(ctx, codigo));
    }
    default: {
      // The reader admits only the steps above; should that ever change, a step the worker does not know is a
      // state it did not write: refused with the reason, never completed without an outcome.
      const step: unknown = state.step;
      return refuse(ctx, [{ field: "state.step", message: `is not a step of pixout: ${JSON.stringify(step)}` }], {
        trust: "ours",
        claim: ctx.claim,
      });
    }
  }
}
