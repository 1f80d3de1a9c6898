// The payout job's data as stored in Redis vs. the payment the worker works with: when a
// data key is configured, the SDK and the CLI write the recipient encrypted (src/payments/
// recipient-crypto.ts); the worker decrypts it in memory only and writes the stored form back unchanged.
// Every reader of a job's data reads it through readJobData: the producer's fields, the worker's `state`
// and the operators' `audit`, whoever wrote them. Pure, apart from the random IV of a new encryption.
import { z } from "zod";
import { issuesOf, type FieldIssue } from "../payments/field-issues.js";
import { hasBankEvidence, writtenStateSchema, type PaymentState } from "../payments/lifecycle.js";
import type { Payment } from "../payments/payment.js";
import {
  NO_DATA_KEYS,
  decryptRecipient,
  encryptRecipient,
  fingerprintDigest,
  isEncryptedRecipient,
  type DataKeyring,
} from "../payments/recipient-crypto.js";
import { paymentFingerprint } from "../payments/same-payment.js";

/** What the worker and the producer know of data protection (from PIXOUT_DATA_KEYS and friends). */
export interface DataProtection {
  keyring: DataKeyring;
  /** PIXOUT_REQUIRE_ENCRYPTION: a job not yet sent with a plain recipient is refused. */
  requireEncryption: boolean;
}

export const NO_PROTECTION: DataProtection = { keyring: NO_DATA_KEYS, requireEncryption: false };

/** The job data a producer writes: the recipient encrypted when a write key is configured. */
export function sealPayment(
  payment: Payment,
  keyring: DataKeyring,
): Payment | (Omit<Payment, "recipient"> & { recipient: unknown }) {
  if (keyring.writeKid === undefined || isEncryptedRecipient(payment.recipient)) return payment;
  return { ...payment, recipient: encryptRecipient(payment.recipient, payment.paymentId, keyring) };
}

/**
 * The payment's fields of a job with the recipient decrypted, or the problem that keeps it from being
 * read: a recipient encrypted with a key that is not here, one altered or moved from another payment, or
 * a plain recipient when encryption is required (for a payment not sent yet: one that may already be at
 * the bank is followed to its end rather than abandoned by a setting turned on later).
 */
export function openPayoutFields(
  fields: Record<string, unknown>,
  state: unknown,
  protection: DataProtection,
): { fields: Record<string, unknown>; problems: FieldIssue[]; missingKey?: boolean } {
  const recipient = fields["recipient"];
  if (!isEncryptedRecipient(recipient)) {
    const plainRefused = protection.requireEncryption && recipient !== undefined && !hasBankEvidence(state);
    return plainRefused
      ? {
          fields,
          problems: [
            {
              field: "recipient",
              message:
                "must be encrypted (PIXOUT_REQUIRE_ENCRYPTION=true); enqueue through the pixout SDK or CLI with PIXOUT_DATA_KEYS set",
            },
          ],
        }
      : { fields, problems: [] };
  }
  const paymentId = typeof fields["paymentId"] === "string" ? fields["paymentId"] : "";
  const opened = decryptRecipient(recipient, paymentId, protection.keyring);
  if (!opened.ok) {
    const hint = opened.why === "unknown-key" ? "; add that key to PIXOUT_DATA_KEYS, then retry the payment" : "";
    return {
      fields,
      problems: [{ field: "recipient", message: `${opened.message}${hint}` }],
      ...(opened.why === "unknown-key" ? { missingKey: true } : {}),
    };
  }
  return { fields: { ...fields, recipient: opened.recipient }, problems: [] };
}

/** The stored data to write back for `payment`: its plain recipient replaced by the stored encrypted form. */
export function storedForm(
  payment: Payment,
  stored: unknown,
): Payment | (Omit<Payment, "recipient"> & { recipient: unknown }) {
  const recipient = (stored as { recipient?: unknown } | null)?.recipient;
  return isEncryptedRecipient(recipient) ? { ...payment, recipient } : payment;
}

/**
 * The fingerprint of a job's payment with its recipient decrypted, so that an encrypted job and the same
 * payment written plain compare equal; undefined when it cannot be decrypted here.
 */
export function plainFingerprint(data: unknown, keyring: DataKeyring): string | undefined {
  const { fields, paymentId } = readJobData(data);
  if (!isEncryptedRecipient(fields["recipient"])) return paymentFingerprint(fields);
  const opened = decryptRecipient(fields["recipient"], paymentId ?? "", keyring);
  return opened.ok ? paymentFingerprint({ ...fields, recipient: opened.recipient }) : undefined;
}

/** The digest of a payment kept in its idempotency record (no personal data). */
export function paymentDigest(payment: unknown, keyring: DataKeyring): string | undefined {
  return fingerprintDigest(paymentFingerprint(payment), keyring);
}

/**
 * The fields of `state` the worker's decisions rest on, checked when a state is read back (in this order, the
 * order its problems are told in); the other fields are kept as written. Lenient on purpose: a state an older
 * pixout wrote, or one with a field this version does not know, is followed to its end rather than refused.
 */
const shape = writtenStateSchema.shape;
const readableStateSchema = z.looseObject({
  claim: shape.claim,
  firstSendAt: shape.firstSendAt,
  step: shape.step,
  generation: shape.generation,
  attempts: shape.attempts,
  maybeExecuted: shape.maybeExecuted,
  polls: shape.polls,
  codigoSolicitacao: shape.codigoSolicitacao,
  history: shape.history,
  sendInFlight: shape.sendInFlight,
  slot: shape.slot,
  paymentDate: shape.paymentDate,
  gaveWaySince: shape.gaveWaySince,
});

/**
 * A job's `state` as read back. `unchecked` is the state as written, its fields not verified (`{}` when it is not
 * an object): what a view shows, or what decides whether the bank may already have the payment.
 */
export type StateRead =
  /** No state: a job no run of pixout wrote to yet. */
  | { kind: "absent"; raw: undefined; unchecked: Partial<PaymentState> }
  /** Its checked fields hold (the others are as written). */
  | { kind: "valid"; raw: unknown; unchecked: Partial<PaymentState>; state: PaymentState }
  /** A state (maybe not even an object) whose checked fields do not hold: `issues` name them as `state.<field>`. */
  | { kind: "invalid"; raw: unknown; unchecked: Partial<PaymentState>; issues: FieldIssue[] };

/** A job's `audit` (the operators' retries and resolutions) as read back; `raw` as written, to write it back. */
export type AuditRead =
  { kind: "absent"; raw: undefined } | { kind: "list"; raw: unknown[] } | { kind: "invalid"; raw: unknown };

/** A payout job's data as read back from Redis, whoever wrote it (see readJobData). */
export interface JobData {
  /** The producer's fields: everything but `state` and `audit`, as stored (a recipient maybe still encrypted). */
  fields: Record<string, unknown>;
  /** The fields every reader needs, when they are strings. */
  paymentId: string | undefined;
  amount: string | undefined;
  callbackUrl: string | undefined;
  /** The worker's part. */
  state: StateRead;
  /** The operators' part. */
  audit: AuditRead;
}

function objectOrEmpty(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function textOf(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/**
 * A payout job's data split into the producer's fields, the worker's `state` and the operators' `audit`, read
 * without trusting it: a foreign producer or an older pixout may have written the job. Data that is not an
 * object reads as an empty one; a state is `absent` only when there is none (`null` is an invalid state).
 */
export function readJobData(data: unknown): JobData {
  const { state, audit, ...fields } = objectOrEmpty(data);
  return {
    fields,
    paymentId: textOf(fields["paymentId"]),
    amount: textOf(fields["amount"]),
    callbackUrl: textOf(fields["callbackUrl"]),
    state: readState(state),
    audit:
      audit === undefined
        ? { kind: "absent", raw: audit }
        : Array.isArray(audit)
          ? { kind: "list", raw: audit as unknown[] }
          : { kind: "invalid", raw: audit },
  };
}

function readState(raw: unknown): StateRead {
  const unchecked = objectOrEmpty(raw) as Partial<PaymentState>;
  if (raw === undefined) return { kind: "absent", raw, unchecked };
  const parsed = readableStateSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = issuesOf(parsed.error).map((i) => ({ ...i, field: `state.${i.field}` }));
    return { kind: "invalid", raw, unchecked, issues };
  }
  // The checked fields verified; the others are as the worker (or an older pixout) wrote them.
  return { kind: "valid", raw, unchecked, state: parsed.data };
}

/** The operators' retries of a job, as a list (none when its audit is absent or not a list). */
export function auditEntries(data: JobData): unknown[] {
  return data.audit.kind === "list" ? data.audit.raw : [];
}
