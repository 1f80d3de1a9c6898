// One description of how a payment ended, from its state: the signed event's facts, the job's result and
// the log line are all read from it, by the worker's decisions, its refusals and BullMQ's own failures.
import type { OutcomeFacts } from "../../notifications/event.js";
import { bankIdempotencyKey } from "../../payments/idempotency.js";
import type { PaymentState } from "../../payments/lifecycle.js";
import type { PaymentResult } from "../payment-view.js";

export type FinalOutcome = NonNullable<PaymentState["outcome"]>;

/** The facts of an ended payment, without the moment (`occurredAt`) and the retries count the announcer adds. */
export function outcomeFacts(
  paymentId: string,
  amount: string | undefined,
  state: Partial<PaymentState> & { outcome: FinalOutcome },
): Omit<OutcomeFacts, "occurredAt" | "retries"> {
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

/** The job's return value when it completes (paid, or parked for reconciliation). */
export function paymentResult(
  paymentId: string,
  amount: string,
  state: Partial<PaymentState> & { outcome: "paid" | "needs-reconciliation" },
  confirmedAt: string,
): PaymentResult {
  const generation = typeof state.generation === "number" ? state.generation : 0;
  return {
    paymentId,
    outcome: state.outcome,
    ...(state.bankStatus === undefined ? {} : { bankStatus: state.bankStatus }),
    ...(state.codigoSolicitacao === undefined ? {} : { codigoSolicitacao: state.codigoSolicitacao }),
    ...(state.endToEndId === undefined ? {} : { endToEndId: state.endToEndId }),
    amount,
    ...(state.paidAt === undefined ? {} : { paidAt: state.paidAt }),
    confirmedAt,
    history: state.history ?? [],
    idempotencyKey: bankIdempotencyKey(paymentId, generation),
    generation,
    ...(state.outcome === "needs-reconciliation" && state.reason !== undefined ? { reason: state.reason } : {}),
  };
}
