// The payment a run works on, read from its job's data: the recipient decrypted in memory only, every field
// checked with the producers' rules, the job id derived from the paymentId, and the worker's own state and
// the operators' audit checked as far as the worker relies on them (src/queue/job-data.ts readJobData).
import { issuesOf, type FieldIssue } from "../../payments/field-issues.js";
import type { PaymentState } from "../../payments/lifecycle.js";
import type { Payment } from "../../payments/payment.js";
import { openPayoutFields } from "../job-data.js";
import { jobIdFor } from "../names.js";
import type { JobRun } from "./run-context.js";

export type PayoutRead =
  | { kind: "ok"; payment: Payment; state: PaymentState | undefined }
  | { kind: "invalid"; problems: FieldIssue[] }
  /** Encrypted under a data key this worker lacks: a configuration problem, not the payment's. */
  | { kind: "key-missing"; problems: FieldIssue[] };

export function readPayout(run: JobRun): PayoutRead {
  const { deps, job, data } = run;
  // An encrypted recipient is decrypted here, in memory only (the stored form is what is written back).
  const opened = openPayoutFields(data.fields, data.state.raw, deps.protection);
  if (opened.missingKey === true) return { kind: "key-missing", problems: opened.problems };
  const parsed = deps.schema.safeParse(opened.fields);
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
  if (data.state.kind === "invalid") problems.push(...data.state.issues);
  if (data.audit.kind === "invalid")
    problems.push({ field: "audit", message: "must be the operators' list of retries" });
  if (!parsed.success || problems.length > 0) return { kind: "invalid", problems };
  return { kind: "ok", payment: parsed.data, state: data.state.kind === "valid" ? data.state.state : undefined };
}
