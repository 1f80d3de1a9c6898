// The event sent to upstream services when a payment reaches a final outcome. Its id (the delivery id)
// is derived from the payment, its generation and its outcome, so re-running a payment's final step (a
// worker that died after queueing the event, before completing the job) makes the same event, which the
// notifications queue then ignores; receivers deduplicate by it. No recipient data, nothing personal.
import { v5 as uuidv5 } from "uuid";
import { PIXOUT_NAMESPACE } from "../payments/idempotency.js";

export type FinalOutcome = "paid" | "failed" | "needs-reconciliation" | "rejected" | "blocked";

export const EVENT_TYPES = {
  paid: "payment.paid",
  failed: "payment.failed",
  "needs-reconciliation": "payment.needs-reconciliation",
  rejected: "payment.rejected",
  /** Refused by the fleet's safety limits (daily total, allow-list) before the bank; nothing was sent. */
  blocked: "payment.blocked",
} as const satisfies Record<FinalOutcome, string>;

export type EventType = (typeof EVENT_TYPES)[FinalOutcome];

/** What the payout worker knows when a payment ends. */
export interface OutcomeFacts {
  paymentId: string;
  outcome: FinalOutcome;
  /** The payment's attempt generation (its bank key): a new attempt ending again is a new event. */
  generation: number;
  /** Operator retries so far (the job's audit entries); see deliveryId. */
  retries?: number;
  bankStatus?: string;
  codigoSolicitacao?: string;
  endToEndId?: string;
  amount?: string;
  /** When the bank moved the money, as Inter writes it. */
  paidAt?: string;
  /** Why it failed, was rejected or blocked, or needs reconciliation. */
  reason?: string;
  /** When the outcome was reached (ISO 8601). */
  occurredAt: string;
}

export interface PaymentEvent {
  /** The delivery id: the same on every attempt and for every re-run of the payment's final step. */
  id: string;
  type: EventType;
  paymentId: string;
  outcome: FinalOutcome;
  generation: number;
  bankStatus: string | null;
  codigoSolicitacao: string | null;
  endToEndId: string | null;
  amount: string | null;
  paidAt: string | null;
  reason: string | null;
  occurredAt: string;
  /** When this event was made (ISO 8601). */
  createdAt: string;
}

/**
 * `retries`: how many operator retries the payment has had (its audit entries). A re-run of the same final
 * step keeps the id; an operator's retry that ends in the same outcome again is a new event (else the
 * notification queue, which keeps delivered events for days, would swallow it).
 */
export function deliveryId(paymentId: string, generation: number, outcome: FinalOutcome, retries = 0): string {
  const round = retries === 0 ? "" : `:retry-${String(retries)}`;
  return uuidv5(`pixout:notification:${paymentId}:${String(generation)}:${outcome}${round}`, PIXOUT_NAMESPACE);
}

export function paymentEvent(facts: OutcomeFacts, now: Date = new Date()): PaymentEvent {
  return {
    id: deliveryId(facts.paymentId, facts.generation, facts.outcome, facts.retries ?? 0),
    type: EVENT_TYPES[facts.outcome],
    paymentId: facts.paymentId,
    outcome: facts.outcome,
    generation: facts.generation,
    bankStatus: facts.bankStatus ?? null,
    codigoSolicitacao: facts.codigoSolicitacao ?? null,
    endToEndId: facts.endToEndId ?? null,
    amount: facts.amount ?? null,
    paidAt: facts.paidAt ?? null,
    reason: facts.reason ?? null,
    occurredAt: facts.occurredAt,
    createdAt: now.toISOString(),
  };
}
