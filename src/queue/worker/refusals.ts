// A run that does not send: the job is refused (its data invalid, or its state nobody's word), it is another
// job's duplicate, or its recipient waits for a data key this worker lacks. Nothing reaches the bank.
import { DelayedError, UnrecoverableError } from "bullmq";
import { describeIssues, type FieldIssue } from "../../payments/field-issues.js";
import { hasBankEvidence, initialState, type PaymentState } from "../../payments/lifecycle.js";
import type { Payment } from "../../payments/payment.js";
import type { PaymentRecord } from "../payment-record.js";
import type { PaymentResult } from "../payment-view.js";
import { completes, outcomeFacts, paymentResult, type FinalOutcome } from "../outcome-facts.js";
import { announce, countOutcome, fenced, tell, type JobRun } from "./run-context.js";

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
export async function refuse(
  run: JobRun,
  problems: FieldIssue[],
  how: { trust: "ours" | "unverified" | "foreign"; claim?: string; why?: string },
): Promise<PaymentResult> {
  const { deps, clock, logger, job, token, data } = run;
  const { claim } = how;
  const reason = how.why ?? `invalid payment data: ${describeIssues(problems)}`;
  const paymentId = data.paymentId ?? job.id ?? "";
  const { amount } = data;
  const kept = how.trust !== "foreign";
  const previous = kept ? data.state.unchecked : {};
  const generation = typeof previous.generation === "number" ? previous.generation : 0;
  const park = kept && hasBankEvidence(data.state.raw);
  const outcome: FinalOutcome = park ? "needs-reconciliation" : "rejected";
  const state: PaymentState = {
    ...(park ? { ...initialState(generation), ...(previous as PaymentState) } : initialState(generation)),
    ...(claim === undefined ? {} : { claim }),
    waitingFor: undefined,
    outcome,
    reason: park ? `${reason}; the bank may already have this payment` : reason,
  };
  const audit = how.trust === "ours" ? data.audit.raw : undefined;
  const written = { ...data.fields, state, ...(audit === undefined ? {} : { audit }) };
  countOutcome(run, outcome, generation);
  const record = {
    outcome,
    generation,
    at: clock.iso(),
    ...(state.codigoSolicitacao === undefined ? {} : { codigoSolicitacao: state.codigoSolicitacao }),
  };
  const result =
    claim === undefined
      ? await deps.store.save(job.id ?? "", token, JSON.stringify(written))
      : await deps.store.finish(job.id ?? "", paymentId, token, claim, JSON.stringify(written), record);
  fenced(result, job, "the refusal");
  job.data = written;
  const facts = outcomeFacts(paymentId, amount, { ...state, outcome });
  await announce(deps, audit, facts, data.callbackUrl);
  if (park) {
    logger.error(
      { jobId: job.id, problems, reason },
      "refused a payout job that may already have reached the bank; parked for reconciliation",
    );
    return paymentResult({ ...facts, outcome: "needs-reconciliation" }, amount ?? "", state.history, clock.iso());
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
export async function duplicate(run: JobRun, record: PaymentRecord, payment?: Payment): Promise<PaymentResult> {
  const { deps, clock, logger, job, token, data } = run;
  const paymentId = payment?.paymentId ?? data.paymentId ?? job.id ?? "";
  const amount = payment?.amount ?? data.amount ?? "";
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
  const written = { ...data.fields, state };
  fenced(await deps.store.save(job.id ?? "", token, JSON.stringify(written)), job, "the duplicate's state");
  job.data = written;
  logger.warn(
    { paymentId, recorded: record.outcome, codigoSolicitacao: record.codigoSolicitacao },
    "a payout job for a payment another job already handled; nothing was sent",
  );
  const facts = outcomeFacts(paymentId, amount, { ...state, outcome });
  // Announced only when the payment may be at the bank and no outcome was ever told, and only for a
  // job whose fields are valid (an invalid job's callbackUrl is nobody's word).
  if (sentMaybe && payment) {
    tell(deps, (m) => {
      m.onOutcome("needs-reconciliation");
    });
    await announce(deps, undefined, facts, payment.callbackUrl);
  }
  if (completes(facts)) return paymentResult(facts, amount, state.history, clock.iso());
  throw new UnrecoverableError(reason);
}

/** A recipient encrypted under a key this worker lacks: the payment waits, unchanged, saying why. */
export async function waitForKey(run: JobRun, claim: string, problems: FieldIssue[]): Promise<never> {
  const { deps, clock, logger, job, token, data } = run;
  const problem = describeIssues(problems);
  logger.error(
    { jobId: job.id, problem },
    "cannot decrypt this payment's recipient here: it waits; add the data key to PIXOUT_DATA_KEYS",
  );
  const delay = Math.round(deps.policy.configRetryMs * (0.9 + 0.2 * clock.random()));
  const state = {
    ...initialState(),
    ...data.state.unchecked,
    claim,
    lastError: { code: "PIXOUT_DATA_KEY", message: problem, at: clock.now() },
    waitingFor: { why: "data key", until: clock.now() + delay },
  };
  // Told on the job, for `pixout status` and the dashboard; the payment's own fields are left as they are.
  const audit = data.audit.raw;
  const written = { ...data.fields, state, ...(audit === undefined ? {} : { audit }) };
  fenced(await deps.store.save(job.id ?? "", token, JSON.stringify(written)), job, "the wait for a data key");
  job.data = written;
  await job.moveToDelayed(clock.now() + delay, token);
  throw new DelayedError();
}
