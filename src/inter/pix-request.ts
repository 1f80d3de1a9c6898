// The body of `POST /banking/v2/pix` (inter-api.md §3.2), built from integer centavos.
import { formatCents } from "../payments/money.js";
import type { PixRecipient } from "../payments/recipient.js";

export interface PixOrder {
  amountCents: number;
  /** `descricao`, up to 140 characters. */
  description?: string;
  /** `dataPagamento` (YYYY-MM-DD); a future date schedules the payment. */
  paymentDate?: string;
  recipient: PixRecipient;
}

function destinatario(recipient: PixRecipient): Record<string, unknown> {
  switch (recipient.type) {
    case "key":
      return { tipo: "CHAVE", chave: recipient.key };
    case "bank":
      // `tipo` is DADOS_BANCARIOS per the spec; the official Java SDK's BANK_DETAILS is a bug (inter-api.md §3.2).
      return {
        tipo: "DADOS_BANCARIOS",
        contaCorrente: recipient.account,
        tipoConta: recipient.accountType,
        cpfCnpj: recipient.document,
        agencia: recipient.branch,
        nome: recipient.name,
        instituicaoFinanceira: { ispb: recipient.ispb },
      };
    case "brcode":
      return { tipo: "PIX_COPIA_E_COLA", pixCopiaECola: recipient.code };
  }
}

/**
 * JSON text of the request. `valor` is written as a JSON number with exactly two decimals ("10.50"),
 * spliced in as text from the centavos so that no float ever holds the amount. The spec types `valor`
 * as a number; whether Inter also takes a string (as the official SDKs send) is UNVERIFIED, so we send
 * the documented form (inter-api.md §3.2).
 */
export function pixRequestBody(order: PixOrder): string {
  if (!Number.isSafeInteger(order.amountCents) || order.amountCents <= 0) {
    throw new RangeError(`amountCents must be a positive integer (got ${String(order.amountCents)})`);
  }
  const rest = {
    ...(order.description === undefined ? {} : { descricao: order.description }),
    ...(order.paymentDate === undefined ? {} : { dataPagamento: order.paymentDate }),
    destinatario: destinatario(order.recipient),
  };
  return `{"valor":${formatCents(order.amountCents)},${JSON.stringify(rest).slice(1)}`;
}

/** Inter's pattern for `x-id-idempotente` is a lower-case RFC 4122 UUID (inter-api.md §3.1). */
export const IDEMPOTENCY_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
