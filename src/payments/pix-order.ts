// A validated payment as a bank order (what src/payments/pix-request.ts turns into the body of
// POST /banking/v2/pix): amount in centavos, the description as given, and `dataPagamento` only when
// `scheduledFor` is still in the future in São Paulo (today or past pays now). The worker's submit step
// and the CLI's --dry-run both use it, so a dry run shows exactly what the worker sends.
import type { PixOrder } from "./pix-request.js";
import { saoPauloToday } from "./calendar.js";
import { parseAmount } from "./money.js";
import type { Payment } from "./payment.js";

/** The `dataPagamento` of a first send at `now`: the scheduled date only if still in the future, else none. */
export function scheduledDateFor(payment: Payment, now: number): string | null {
  return payment.scheduledFor !== undefined && payment.scheduledFor > saoPauloToday(now) ? payment.scheduledFor : null;
}

/** The order under a fixed `dataPagamento` (a resend reuses the first send's, so its body never changes). */
export function pixOrderFor(payment: Payment, paymentDate: string | null): PixOrder {
  return {
    amountCents: parseAmount(payment.amount),
    ...(payment.description === undefined ? {} : { description: payment.description }),
    ...(paymentDate === null ? {} : { paymentDate }),
    recipient: payment.recipient,
  };
}

export function firstPixOrder(payment: Payment, now: number): PixOrder {
  return pixOrderFor(payment, scheduledDateFor(payment, now));
}
