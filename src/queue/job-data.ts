// The payout job's data as stored in Redis vs. the payment the worker works with: when a
// data key is configured, the SDK and the CLI write the recipient encrypted (src/payments/
// recipient-crypto.ts); the worker decrypts it in memory only and writes the stored form back unchanged.
// Pure, apart from the random IV of a new encryption.
import type { FieldIssue } from "../payments/field-issues.js";
import { hasBankEvidence } from "../payments/lifecycle.js";
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
  const record = (typeof data === "object" && data !== null ? data : {}) as Record<string, unknown>;
  if (!isEncryptedRecipient(record["recipient"])) return paymentFingerprint(record);
  const opened = decryptRecipient(
    record["recipient"],
    typeof record["paymentId"] === "string" ? record["paymentId"] : "",
    keyring,
  );
  return opened.ok ? paymentFingerprint({ ...record, recipient: opened.recipient }) : undefined;
}

/** The digest of a payment kept in its idempotency record (no personal data). */
export function paymentDigest(payment: unknown, keyring: DataKeyring): string | undefined {
  return fingerprintDigest(paymentFingerprint(payment), keyring);
}
