// How a payment is shown: the POST answer, the GET answer, the callback item (docs/reference/inter-api.md §3.3, §4,
// §5.1) and the emulator's own inspection view. Pure: each takes the instant to show the payment at.
import { formatCents } from "../payments/money.js";
import { maskDocument } from "../payments/mask.js";
import type { InterDates } from "./inter-dates.js";
import type { PaymentRecord, TipoRetorno } from "./payment-book.js";
import { sentStep, statusAt, stepsUntil } from "./payment-state.js";
import { callbackStatus, historyName, isFinalStatus, type PixError, type PixStatus } from "./pix-status.js";
import type { Recipient } from "./recipient.js";
import type { Destinatario } from "./validation.js";

export function postResponse(r: PaymentRecord): Record<string, string> {
  return {
    tipoRetorno: r.tipoRetorno,
    codigoSolicitacao: r.codigoSolicitacao,
    dataPagamento: r.request.dataPagamento,
    dataOperacao: r.dataOperacao,
  };
}

/**
 * A CPF is masked as Inter shows it (`***.456.789-**`, docs/reference/inter-api.md §4). ASSUMPTION (UNVERIFIED): a
 * CNPJ (company registration, public data) is shown in full; the spec only gives a CPF example.
 */
export function shownDocument(cpfCnpj: string): string {
  return cpfCnpj.length === 11 ? maskDocument(cpfCnpj) : cpfCnpj;
}

/** `DadosConta`: name and document always, bank data only for bank-data payments (docs/reference/inter-api.md §4). */
export function recebedor(recipient: Recipient): Record<string, string> {
  const out: Record<string, string> = { nome: recipient.nome, cpfCnpj: shownDocument(recipient.cpfCnpj) };
  if (recipient.codIspb !== undefined) out["codIspb"] = recipient.codIspb;
  if (recipient.codAgencia !== undefined) out["codAgencia"] = recipient.codAgencia;
  if (recipient.nroConta !== undefined) out["nroConta"] = recipient.nroConta;
  if (recipient.tipoConta !== undefined) out["tipoConta"] = recipient.tipoConta;
  return out;
}

/** JSON number for `valor`: Number of the exact decimal text, never cents / 100. */
function valorNumber(cents: number): number {
  return Number(formatCents(cents));
}

/**
 * GET /banking/v2/pix/{codigoSolicitacao}. ASSUMPTION (UNVERIFIED): `endToEnd` and
 * `dataHoraMovimento` are omitted until the Pix is sent (nothing has moved yet), and `erros` stays
 * empty until a failure is final.
 */
export function consultaBody(r: PaymentRecord, now: number, dates: InterDates, unknownStatus?: string): unknown {
  const status = statusAt(r.state, now);
  const sent = sentStep(r.state);
  const isSent = sent !== undefined && sent.at <= now;
  const transacaoPix: Record<string, unknown> = {
    contaCorrente: r.account,
    recebedor: recebedor(r.recipient),
    erros: isFinalStatus(status) ? r.erros : [],
  };
  if (isSent && r.endToEnd !== undefined) transacaoPix["endToEnd"] = r.endToEnd;
  transacaoPix["valor"] = valorNumber(r.request.amountCents);
  transacaoPix["status"] = unknownStatus ?? status;
  if (isSent) transacaoPix["dataHoraMovimento"] = dates.dateTimeMicros(sent.at);
  transacaoPix["dataHoraSolicitacao"] = dates.dateTime(r.createdAt);
  if (r.recipient.chave !== undefined) transacaoPix["chave"] = r.recipient.chave;
  transacaoPix["codigoSolicitacao"] = r.codigoSolicitacao;
  return {
    transacaoPix,
    historico: stepsUntil(r.state, now).map((s) => ({
      status: historyName(s.status),
      dataHoraEvento: dates.dateTime(s.at),
    })),
  };
}

/** One `CallbackPixPagamentoModel` (docs/reference/inter-api.md §5.1) of a payment whose final status is given. */
export function callbackItem(
  r: PaymentRecord,
  finalStatus: PixStatus,
  finalAt: number,
  dates: InterDates,
): Record<string, unknown> {
  const item: Record<string, unknown> = { codigoSolicitacao: r.codigoSolicitacao };
  if (r.recipient.chave !== undefined) item["chave"] = r.recipient.chave;
  item["dataHoraMovimento"] = dates.dateTimeMicros(finalAt);
  item["dataHoraSolicitacao"] = dates.dateTime(r.createdAt);
  item["descricaoPagamento"] = r.request.descricao ?? "";
  if (r.endToEnd !== undefined && sentStep(r.state) !== undefined) item["endToEnd"] = r.endToEnd;
  item["instituicaoDestinatario"] = r.recipient.instituicao;
  item["recebedor"] = recebedor(r.recipient);
  item["erros"] = r.erros;
  item["status"] = callbackStatus(finalStatus);
  item["tipoMovimentacao"] = "PAGAMENTO";
  // A string in callbacks, a number in GET (docs/reference/inter-api.md §5.1).
  item["valor"] = formatCents(r.request.amountCents);
  return item;
}

export interface EmulatedPaymentView {
  codigoSolicitacao: string;
  account: string;
  status: PixStatus;
  final: boolean;
  amountCents: number;
  idempotencyKey?: string;
  tipoRetorno: TipoRetorno;
  dataPagamento: string;
  dataOperacao: string;
  descricao?: string;
  /** Unmasked: this view is for tests and operators of the emulator, never sent to a client. */
  recipient: Recipient & { tipo: Destinatario["tipo"] };
  endToEnd?: string;
  erros: PixError[];
  debited: boolean;
  approvalRequired: boolean;
  /** What the payment waits for now, if anything. */
  waitingFor?: "approval" | "schedule" | "execution";
  forcedStatus?: string;
  createdAt: string;
  /** Steps so far: the status, its `historico` name and when (ISO 8601 UTC). */
  history: { status: PixStatus; historico: string; at: string }[];
}

export function paymentView(r: PaymentRecord, now: number): EmulatedPaymentView {
  const status = statusAt(r.state, now);
  const sent = sentStep(r.state);
  const view: EmulatedPaymentView = {
    codigoSolicitacao: r.codigoSolicitacao,
    account: r.account,
    status,
    final: isFinalStatus(status),
    amountCents: r.request.amountCents,
    tipoRetorno: r.tipoRetorno,
    dataPagamento: r.request.dataPagamento,
    dataOperacao: r.dataOperacao,
    recipient: { tipo: r.request.destinatario.tipo, ...r.recipient },
    erros: isFinalStatus(status) ? r.erros.map((e) => ({ ...e })) : [],
    debited: r.debited && sent !== undefined && sent.at <= now,
    approvalRequired: r.approvalRequired,
    createdAt: new Date(r.createdAt).toISOString(),
    history: stepsUntil(r.state, now).map((s) => ({
      status: s.status,
      historico: historyName(s.status),
      at: new Date(s.at).toISOString(),
    })),
  };
  if (r.idempotencyKey !== undefined) view.idempotencyKey = r.idempotencyKey;
  if (r.request.descricao !== undefined) view.descricao = r.request.descricao;
  if (r.endToEnd !== undefined && sent !== undefined && sent.at <= now) view.endToEnd = r.endToEnd;
  if (r.state.waiting !== null) view.waitingFor = r.state.waiting.kind;
  if (r.forced !== undefined) view.forcedStatus = r.forced.status;
  return view;
}
