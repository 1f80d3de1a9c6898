// What the first send of a payment would put on the wire, for `pay --dry-run` and `enqueue --dry-run`: the
// request of POST /banking/v2/pix with its headers and body, the bank key, and the amount written out.
// The body is the exact text pixRequestBody() makes, with only the personal values replaced by their masks,
// so `valor` keeps its two decimals and every field its place.
import { pixRequestBody, type PixOrder } from "./pix-request.js";
import { amountInWords, formatReais } from "./amount-words.js";
import { bankIdempotencyKey } from "./idempotency.js";
import { maskBrCode, maskDocument, maskName, maskPixKey, maskText, scrubPersonalData } from "./mask.js";
import type { Payment } from "./payment.js";
import { firstPixOrder } from "./pix-order.js";

export interface SendPreview {
  paymentId: string;
  /** As given, e.g. "1234.56". */
  amount: string;
  /** "R$ 1.234,56". */
  amountText: string;
  amountInWords: string;
  /** x-id-idempotente of the first attempt (generation 0), identical on every retry. */
  idempotencyKey: string;
  generation: number;
  request: {
    method: "POST";
    path: "/banking/v2/pix";
    headers: Record<string, string>;
    /** JSON text, personal data masked. */
    body: string;
  };
}

/** [value, mask] of every personal value the body carries. */
function personalMasks(order: PixOrder): [string, string][] {
  const r = order.recipient;
  const known = r.type === "key" ? [r.key] : r.type === "bank" ? [r.document, r.name, r.account] : [r.code];
  const masks: [string, string][] =
    r.type === "key"
      ? [[r.key, maskPixKey(r.key)]]
      : r.type === "bank"
        ? [
            [r.document, maskDocument(r.document)],
            [r.name, maskName(r.name)],
            [r.account, maskText(r.account)],
          ]
        : [[r.code, maskBrCode(r.code)]];
  // A description is the payer's text, but may quote an e-mail, a phone or a document.
  if (order.description !== undefined) masks.unshift([order.description, scrubPersonalData(order.description, known)]);
  return masks;
}

export function maskedRequestBody(order: PixOrder): string {
  let body = pixRequestBody(order);
  // Values are replaced as whole JSON strings (quotes included), so only the field that holds each one changes.
  for (const [value, masked] of personalMasks(order))
    body = body.split(JSON.stringify(value)).join(JSON.stringify(masked));
  return body;
}

/**
 * @param defaultAccount INTER_ACCOUNT of this machine: the `x-conta-corrente` of a payment without `account`.
 */
export function sendPreview(payment: Payment, now: number, defaultAccount?: string): SendPreview {
  const order = firstPixOrder(payment, now);
  const idempotencyKey = bankIdempotencyKey(payment.paymentId, 0);
  const account = payment.account ?? defaultAccount;
  return {
    paymentId: payment.paymentId,
    amount: payment.amount,
    amountText: formatReais(order.amountCents),
    amountInWords: amountInWords(order.amountCents),
    idempotencyKey,
    generation: 0,
    request: {
      method: "POST",
      path: "/banking/v2/pix",
      headers: {
        authorization: "Bearer ***",
        "content-type": "application/json",
        "x-id-idempotente": idempotencyKey,
        ...(account === undefined ? {} : { "x-conta-corrente": account }),
      },
      body: maskedRequestBody(order),
    },
  };
}
