// The body of `POST /banking/v2/pix` (docs/reference/inter-api.md §3.2), built from integer centavos.
import { MAX_CENTS, formatCents } from "./money.js";
import type { PixRecipient } from "./recipient.js";
import { characterCount } from "./text.js";
import { LOWER_CASE_UUID } from "./uuid.js";

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
      // `tipo` is DADOS_BANCARIOS per the spec; the official Java SDK's BANK_DETAILS is a bug
      // (docs/reference/inter-api.md §3.2).
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
 * Refuses what the bank must never see (docs/design.md §2.6). Callers validate payments long before; this is
 * the client's own guard, so a programming error cannot reach the network.
 */
function assertSendable(order: PixOrder): void {
  if (!Number.isSafeInteger(order.amountCents) || order.amountCents <= 0 || order.amountCents > MAX_CENTS) {
    throw new RangeError(
      `amountCents must be a whole number from 1 to ${String(MAX_CENTS)} (got ${String(order.amountCents)})`,
    );
  }
  if (order.description !== undefined && characterCount(order.description) > 140) {
    throw new RangeError("description must have at most 140 characters (Inter's descricao)");
  }
  if (order.paymentDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(order.paymentDate)) {
    throw new RangeError("paymentDate must be YYYY-MM-DD");
  }
}

/**
 * JSON text of the request. `valor` is written as a JSON number with exactly two decimals ("10.50"),
 * spliced in as text from the centavos so that no float ever holds the amount. The spec types `valor`
 * as a number; whether Inter also takes a string (as the official SDKs send) is UNVERIFIED, so we send
 * the documented form (docs/reference/inter-api.md §3.2).
 */
export function pixRequestBody(order: PixOrder): string {
  assertSendable(order);
  const rest = {
    ...(order.description === undefined ? {} : { descricao: order.description }),
    ...(order.paymentDate === undefined ? {} : { dataPagamento: order.paymentDate }),
    destinatario: destinatario(order.recipient),
  };
  return `{"valor":${formatCents(order.amountCents)},${JSON.stringify(rest).slice(1)}`;
}

/** The order's personal values, to mask wherever the bank's answer quotes them. */
export function personalValues(order: PixOrder): string[] {
  const r = order.recipient;
  switch (r.type) {
    case "key":
      return [r.key];
    case "bank":
      return [r.document, r.name, r.account];
    case "brcode":
      return [r.code];
  }
}

/** Inter's pattern for `x-id-idempotente` is a lower-case RFC 4122 UUID (docs/reference/inter-api.md §3.1). */
export const IDEMPOTENCY_KEY = LOWER_CASE_UUID;
