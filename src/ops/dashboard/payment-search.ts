// The dashboard's payment search (issue #5 §1): a query is tried as a paymentId first, then as a bank
// identifier through the payment index the worker fills (src/queue/payment-index.ts). The payment shown is
// the same view `pixout status` prints (src/queue/payment-view.ts) plus the recipient masked, its free
// texts scrubbed of personal data.
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { scrubPersonalData } from "../../payments/mask.js";
import { readPaymentJob } from "../../queue/job-reader.js";
import { jobIdFor } from "../../queue/names.js";
import { createPaymentIndex, type BankIdentifier } from "../../queue/payment-index.js";
import type { PaymentView } from "../../queue/payment-view.js";
import { maskRecipient, personalValues, scrubDeep, type MaskedRecipient } from "./personal-data.js";

export type MatchedBy = "paymentId" | BankIdentifier;

export interface DashboardPayment extends PaymentView {
  recipient: MaskedRecipient | null;
}

export type SearchResult = { found: true; matchedBy: MatchedBy; payment: DashboardPayment } | { found: false; error: string };

/** Longer than any paymentId (64), codigoSolicitacao (UUID) or endToEndId (32). */
export const MAX_QUERY_LENGTH = 128;

/** The view with the recipient masked and every free text (reasons, errors, audit reasons) scrubbed. */
export function dashboardPayment(view: PaymentView, data: unknown): DashboardPayment {
  const recipient = typeof data === "object" && data !== null ? (data as Record<string, unknown>)["recipient"] : undefined;
  const known = personalValues(recipient);
  const scrub = (t: string | null): string | null => (t === null ? null : scrubPersonalData(t, known));
  return {
    ...view,
    failedReason: scrub(view.failedReason),
    reason: scrub(view.reason),
    lastError: view.lastError ? { ...view.lastError, message: scrubPersonalData(view.lastError.message, known) } : null,
    audit: scrubDeep(view.audit, known) as unknown[],
    result: view.result ? { ...view.result, ...(view.result.reason === undefined ? {} : { reason: scrubPersonalData(view.result.reason, known) }) } : null,
    recipient: maskRecipient(recipient) ?? null,
  };
}

export interface PaymentSearch {
  search(query: string): Promise<SearchResult>;
}

export function createPaymentSearch(o: { queue: Queue; redis: Redis; redisPrefix: string; queueName: string }): PaymentSearch {
  // The TTL only matters for writes (the worker's); the search reads.
  const index = createPaymentIndex(o.redis, o.redisPrefix, o.queueName, 1);

  async function byPaymentId(paymentId: string): Promise<DashboardPayment | undefined> {
    const snapshot = await readPaymentJob(o.queue, jobIdFor(paymentId));
    return snapshot ? dashboardPayment(snapshot.view, snapshot.job.data) : undefined;
  }

  return {
    async search(raw) {
      const query = raw.trim();
      if (query === "") return { found: false, error: "type a paymentId, codigoSolicitacao or endToEndId" };
      if (query.length > MAX_QUERY_LENGTH) return { found: false, error: `no payment has an identifier that long (over ${String(MAX_QUERY_LENGTH)} characters)` };
      const direct = await byPaymentId(query);
      if (direct) return { found: true, matchedBy: "paymentId", payment: direct };
      for (const kind of ["codigoSolicitacao", "endToEndId"] as const) {
        const paymentId = await index.find(kind, query);
        if (paymentId === undefined) continue;
        const payment = await byPaymentId(paymentId);
        if (payment) return { found: true, matchedBy: kind, payment };
        return { found: false, error: `${kind} ${query} belongs to payment ${paymentId}, whose job is no longer in the queue (removed after its retention)` };
      }
      return { found: false, error: `no payment with paymentId, codigoSolicitacao or endToEndId "${query}"` };
    },
  };
}
