// The dashboard's payment search: a query that is a valid paymentId is tried as one first,
// then as a bank identifier through the payment index the worker fills (src/queue/payment-index.ts). The
// payment shown is the same view `pixout status` prints (src/queue/payment-view.ts) through the dashboard's
// rules (job-data-view.ts): the recipient masked, free texts scrubbed, audit entries allow-listed (the
// actor, an operator's name, as is).
import type { Queue } from "bullmq";
import type { RedisClient } from "../../redis/connections.js";
import { PAYMENT_ID } from "../../payments/payment.js";
import { readJobData } from "../../queue/job-data.js";
import { readPaymentJob } from "../../queue/producer/job-reader.js";
import { jobIdFor } from "../../queue/names.js";
import { createPaymentIndex, type BankIdentifier } from "../../queue/payment-index.js";
import type { PaymentResult, PaymentView } from "../../queue/payment-view.js";
import { auditEntryView, historyView } from "./job-data-view.js";
import { maskRecipient, personalValues, scrubDeep, scrubText, type MaskedRecipient } from "./personal-data.js";

export type MatchedBy = "paymentId" | BankIdentifier;

export interface DashboardPayment extends PaymentView {
  recipient: MaskedRecipient | null;
}

export type SearchResult =
  { found: true; matchedBy: MatchedBy; payment: DashboardPayment } | { found: false; error: string };

/** Longer than any paymentId (64), codigoSolicitacao (UUID) or endToEndId (32). */
const MAX_QUERY_LENGTH = 128;

/** The view with the recipient masked, free texts (reasons, errors) scrubbed and the audit allow-listed. */
function dashboardPayment(view: PaymentView, data: unknown): DashboardPayment {
  const recipient = readJobData(data).fields["recipient"];
  const known = personalValues(recipient);
  const scrub = (t: string | null): string | null => (t === null ? null : scrubText(t, known));
  // The worker's own return value: every string scrubbed, its history reduced to status and time.
  const result = view.result
    ? ({
        ...(scrubDeep(view.result, known) as PaymentResult),
        history: historyView(view.result.history),
      } satisfies PaymentResult)
    : null;
  return {
    ...view,
    ...(view.amount === undefined ? {} : { amount: scrubText(view.amount, known) }),
    bankStatus: scrub(view.bankStatus),
    codigoSolicitacao: scrub(view.codigoSolicitacao),
    endToEndId: scrub(view.endToEndId),
    failedReason: scrub(view.failedReason),
    reason: scrub(view.reason),
    lastError: view.lastError
      ? {
          code: scrubText(view.lastError.code, known),
          message: scrubText(view.lastError.message, known),
          at: view.lastError.at,
        }
      : null,
    audit: view.audit.map((entry) => auditEntryView(entry, known)),
    history: historyView(view.history),
    result,
    recipient: maskRecipient(recipient) ?? null,
  };
}

export interface PaymentSearch {
  search(query: string): Promise<SearchResult>;
}

export function createPaymentSearch(o: {
  queue: Queue;
  redis: RedisClient;
  redisPrefix: string;
  queueName: string;
}): PaymentSearch {
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
      if (query.length > MAX_QUERY_LENGTH)
        return {
          found: false,
          error: `no payment has an identifier that long (over ${String(MAX_QUERY_LENGTH)} characters)`,
        };
      // Only a valid paymentId names a job: anything else ("x:logs") would address another of the job's keys.
      const direct = PAYMENT_ID.test(query) ? await byPaymentId(query) : undefined;
      if (direct) return { found: true, matchedBy: "paymentId", payment: direct };
      for (const kind of ["codigoSolicitacao", "endToEndId"] as const) {
        const paymentId = await index.find(kind, query);
        if (paymentId === undefined) continue;
        const payment = await byPaymentId(paymentId);
        if (payment) return { found: true, matchedBy: kind, payment };
        return {
          found: false,
          error: `${kind} ${query} belongs to payment ${paymentId}, whose job is no longer in the queue (removed after its retention)`,
        };
      }
      return { found: false, error: `no payment with paymentId, codigoSolicitacao or endToEndId "${query}"` };
    },
  };
}
