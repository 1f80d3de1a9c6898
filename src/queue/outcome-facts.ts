// One description of how a payment ended, from its state: the signed event's facts and the job's result are
// both read from it — by the worker's decisions and refusals, BullMQ's own failures (worker/worker.ts) and an
// operator's resolution (producer/resolve.ts).
import type { OutcomeFacts } from "../notifications/event.js";
import { bankIdempotencyKey } from "../payments/idempotency.js";
import { FINAL_OUTCOMES, type HistoryEntry, type PaymentState } from "../payments/lifecycle.js";
import type { PaymentResult } from "./payment-view.js";

export type FinalOutcome = NonNullable<PaymentState["outcome"]>;

/** Whether a (possibly unreadable) state's outcome is a final one. */
export function isFinalOutcome(outcome: unknown): outcome is FinalOutcome {
  return (FINAL_OUTCOMES as ReadonlySet<unknown>).has(outcome);
}

/** The facts of an ended payment, without the moment (`occurredAt`) and the retries count the announcer adds. */
export type EndFacts = Omit<OutcomeFacts, "occurredAt" | "retries">;

/** The facts of an ended payment: `state` holds the outcome and what the bank said. */
export function outcomeFacts(
  paymentId: string,
  amount: string | undefined,
  state: Partial<PaymentState> & { outcome: FinalOutcome },
): EndFacts {
  return {
    paymentId,
    outcome: state.outcome,
    generation: typeof state.generation === "number" ? state.generation : 0,
    ...(amount === undefined ? {} : { amount }),
    ...(state.bankStatus === undefined ? {} : { bankStatus: state.bankStatus }),
    ...(state.codigoSolicitacao === undefined ? {} : { codigoSolicitacao: state.codigoSolicitacao }),
    ...(state.endToEndId === undefined ? {} : { endToEndId: state.endToEndId }),
    ...(state.paidAt === undefined ? {} : { paidAt: state.paidAt }),
    ...(state.outcome !== "paid" && state.reason !== undefined ? { reason: state.reason } : {}),
  };
}

/** Whether the job completes with a result (paid, or parked for reconciliation); any other outcome fails it. */
export function completes(facts: EndFacts): facts is EndFacts & { outcome: PaymentResult["outcome"] } {
  return facts.outcome === "paid" || facts.outcome === "needs-reconciliation";
}

/** The job's return value when it completes: the outcome's facts, with the payment's history and bank key. */
export function paymentResult(
  facts: EndFacts & { outcome: PaymentResult["outcome"] },
  amount: string,
  history: HistoryEntry[] | undefined,
  confirmedAt: string,
): PaymentResult {
  return {
    ...facts,
    amount,
    confirmedAt,
    history: history ?? [],
    idempotencyKey: bankIdempotencyKey(facts.paymentId, facts.generation),
  };
}
