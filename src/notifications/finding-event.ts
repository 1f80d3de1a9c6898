// The event sent to upstream services when a reconciliation finds what needs a human (docs/operating/
// reconciliation.md): `reconciliation.finding`, signed and delivered like the payments' outcome events. Its
// id is derived from the finding itself (kind, payment, debits), so the same finding met again by the next
// runs is the same event, which the notifications queue ignores while it keeps the first (7 days) and
// receivers deduplicate by. Identifiers and amounts only: nothing personal.
import { v5 as uuidv5 } from "uuid";
import { PIXOUT_NAMESPACE } from "../payments/idempotency.js";
import { formatCents } from "../payments/money.js";
import type { Row } from "../payments/reconciliation.js";

export const FINDING_EVENT_TYPE = "reconciliation.finding";

export interface FindingEvent {
  /** The delivery id: the same for the same finding, run after run. */
  id: string;
  type: typeof FINDING_EVENT_TYPE;
  /** paid-without-debit, debit-without-payment, duplicate-debit, amount-mismatch, parked-ambiguous, failed-with-debit. */
  kind: string;
  paymentId: string | null;
  /** The statement entries (idTransacao) of the finding, and the candidates of an ambiguous one. */
  debitIds: string[];
  candidateIds: string[];
  /** Reais, two decimals. */
  amount: string | null;
  detail: string;
  /** The São Paulo days the run read. */
  window: { from: string; to: string };
  occurredAt: string;
  createdAt: string;
}

export function findingEvent(
  row: Row,
  window: { from: string; to: string },
  occurredAt: string,
  now: Date = new Date(),
): FindingEvent {
  const debitIds = [...row.debitIds].sort();
  const candidateIds = [...(row.candidateIds ?? [])].sort();
  return {
    id: uuidv5(
      `pixout:finding:${row.kind}:${row.paymentId ?? ""}:${debitIds.join(",")}:${candidateIds.join(",")}`,
      PIXOUT_NAMESPACE,
    ),
    type: FINDING_EVENT_TYPE,
    kind: row.kind,
    paymentId: row.paymentId ?? null,
    debitIds,
    candidateIds,
    amount: row.amountCents === undefined ? null : formatCents(row.amountCents),
    detail: row.detail,
    window,
    occurredAt,
    createdAt: now.toISOString(),
  };
}
