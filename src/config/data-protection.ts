// Data protection and retention (docs/operating/data-protection.md): the keys that encrypt recipients at
// rest, whether the worker refuses a payment written plain, and how long jobs and idempotency records last.
import { z } from "zod";
import { parseDataKeys, type DataKeyring } from "../payments/recipient-crypto.js";
import type { CredentialProblem } from "../tls/client-credentials.js";
import { readEnvironment } from "./environment.js";
import { ConfigError, withoutEmpty, zodProblems, type Environment } from "./problems.js";
import { decimalNumber, flag, positiveNumber } from "./values.js";

// At least a day: a producer checks a payment's record, then adds its job; a job removed in between
// (finished and removed within moments) would let the same payment in again.
const days = (fallback: number) =>
  decimalNumber().pipe(z.number().min(1, "must be at least 1 (day)")).default(fallback).meta({ takes: "number ≥ 1" });

export const dataProtectionFields = z.object({
  PIXOUT_DATA_KEYS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const parsed = parseDataKeys(v ?? "");
      for (const message of parsed.problems) ctx.addIssue({ code: "custom", message });
      return parsed.keys;
    })
    .meta({
      takes: "id:base64 of 32 random bytes (openssl rand -base64 32), comma-separated",
      unset: "none: recipients are stored plain",
    })
    .describe(
      "Keys that encrypt recipients (Pix key, document, name, account, BR Code) in the job data at rest, AES-256-GCM. Every key listed decrypts: keep an old key listed until no job encrypted with it remains.",
    ),
  PIXOUT_DATA_KEY_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, "must be the id of a key in PIXOUT_DATA_KEYS")
    .optional()
    .meta({ takes: "a key id of PIXOUT_DATA_KEYS", unset: "required with PIXOUT_DATA_KEYS" })
    .describe("The id of the key that the SDK and the CLI encrypt new payments with."),
  PIXOUT_REQUIRE_ENCRYPTION: flag(false).describe(
    "true: the worker refuses (rejected, nothing sent) a payment not yet sent whose recipient is written plain.",
  ),
  PIXOUT_KEEP_COMPLETED_DAYS: days(30).describe(
    "Days a completed payout job is kept in Redis (removeOnComplete age; the SDK sets it on each job, workers on jobs without it).",
  ),
  PIXOUT_KEEP_FAILED_DAYS: days(90).describe(
    "Days a failed payout job is kept (removeOnFail age): a payment failed or rejected, or parked after BullMQ's attempts ran out; one parked by pixout's rules is a completed job (PIXOUT_KEEP_COMPLETED_DAYS).",
  ),
  PIXOUT_IDEMPOTENCY_DAYS: positiveNumber(400).describe(
    "Days a finished payment's idempotency record (paymentId → outcome) is kept: enqueueing it again within this time is refused as a duplicate even after its job was removed. At least both KEEP settings.",
  ),
});

type DataProtectionFields = z.infer<typeof dataProtectionFields>;

/** Encryption of recipients at rest and retention (src/queue/job-data.ts, src/queue/payment-record.ts). */
export interface DataSettings {
  /** Every key decrypts; `writeKid` (PIXOUT_DATA_KEY_ID) encrypts new writes (none: written plain). */
  dataKeys: DataKeyring;
  requireEncryption: boolean;
  keepCompletedDays: number;
  keepFailedDays: number;
  idempotencyDays: number;
}

/** The write key must be one of the keys; the idempotency record must outlive the jobs it stands for. */
export function dataProblems(input: Record<string, string>): CredentialProblem[] {
  const parsed = dataProtectionFields.safeParse(input);
  if (!parsed.success) return []; // reported by the schema
  const e = parsed.data;
  const problems: CredentialProblem[] = [];
  if (e.PIXOUT_DATA_KEY_ID !== undefined && !e.PIXOUT_DATA_KEYS.has(e.PIXOUT_DATA_KEY_ID)) {
    problems.push({
      setting: "PIXOUT_DATA_KEY_ID",
      message: `names "${e.PIXOUT_DATA_KEY_ID}", which is not a key id of PIXOUT_DATA_KEYS`,
    });
  }
  if (e.PIXOUT_DATA_KEY_ID === undefined && e.PIXOUT_DATA_KEYS.size > 0) {
    problems.push({
      setting: "PIXOUT_DATA_KEY_ID",
      message: "is required with PIXOUT_DATA_KEYS: the id of the key that encrypts new payments",
    });
  }
  const longest = Math.max(e.PIXOUT_KEEP_COMPLETED_DAYS, e.PIXOUT_KEEP_FAILED_DAYS);
  if (e.PIXOUT_IDEMPOTENCY_DAYS < longest) {
    problems.push({
      setting: "PIXOUT_IDEMPOTENCY_DAYS",
      message: `must be at least PIXOUT_KEEP_COMPLETED_DAYS and PIXOUT_KEEP_FAILED_DAYS (${String(longest)}): a payment's record must outlive its job`,
    });
  }
  return problems;
}

export function dataSettingsOf(e: DataProtectionFields): DataSettings {
  return {
    dataKeys: {
      keys: e.PIXOUT_DATA_KEYS,
      ...(e.PIXOUT_DATA_KEY_ID === undefined ? {} : { writeKid: e.PIXOUT_DATA_KEY_ID }),
    },
    requireEncryption: e.PIXOUT_REQUIRE_ENCRYPTION,
    keepCompletedDays: e.PIXOUT_KEEP_COMPLETED_DAYS,
    keepFailedDays: e.PIXOUT_KEEP_FAILED_DAYS,
    idempotencyDays: e.PIXOUT_IDEMPOTENCY_DAYS,
  };
}

/** Data keys and retention, for the producer-side commands (pay, enqueue), which encrypt as the SDK does. */
export function loadDataSettings(env: Environment = readEnvironment()): DataSettings {
  const input = withoutEmpty(env);
  const parsed = dataProtectionFields.safeParse(input);
  const problems = [...(parsed.success ? [] : zodProblems(parsed.error)), ...dataProblems(input)];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return dataSettingsOf(parsed.data);
}
