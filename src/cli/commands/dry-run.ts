// What `pay --dry-run` and `enqueue --dry-run` show for a valid payment: the request its first send would
// make (body with personal data masked), its bank key and job id, and the amount written out. Nothing is
// sent and nothing touches Redis.
import { readEnvironment } from "../../config.js";
import type { Payment } from "../../payments/payment.js";
import { sendPreview, type SendPreview } from "../../payments/send-preview.js";
import { jobIdFor } from "../../queue/names.js";

export interface PaymentPreview extends SendPreview {
  /** The BullMQ job id the payment would get. */
  jobId: string;
}

/** This machine's INTER_ACCOUNT (the x-conta-corrente of payments without `account`), if set. */
function configuredAccount(): string | undefined {
  const value = readEnvironment()["INTER_ACCOUNT"];
  return value === undefined || value === "" ? undefined : value;
}

export function previewPayments(payments: readonly Payment[], now: number = Date.now()): PaymentPreview[] {
  const account = configuredAccount();
  return payments.map((p) => ({ ...sendPreview(p, now, account), jobId: jobIdFor(p.paymentId) }));
}

export function describePreview(p: PaymentPreview, indent = ""): string {
  const headers = Object.entries(p.request.headers)
    .filter(([name]) => name !== "x-id-idempotente")
    .map(([name, value]) => `${name}: ${value}`)
    .join(", ");
  const rows: [string, string][] = [
    ["payment", `${p.paymentId} (job ${p.jobId})`],
    ["amount", `${p.amountText} (${p.amountInWords})`],
    ["x-id-idempotente", `${p.idempotencyKey} (generation ${String(p.generation)}: the same on every retry)`],
    ["request", `${p.request.method} ${p.request.path} (${headers})`],
    ["body", p.request.body],
  ];
  return rows.map(([k, v]) => `${indent}${k.padEnd(17)} ${v}`).join("\n");
}
