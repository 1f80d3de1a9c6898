// How a statement entry is shown: as Inter's `TransacaoCompleta` (GET /banking/v2/extrato/completo) and as
// the emulator's own inspection view (tests, chaos suite, admin route). Pure.
import { formatCents } from "../payments/money.js";
import type { InterDates } from "./inter-dates.js";
import { shownDocument } from "./payment-views.js";
import { codigoOf, type CreditEntry, type DebitEntry, type StatementEntry, type StatementOrigin } from "./statement.js";

/**
 * `TransacaoCompleta` with `DetalhePix`. Inter's schema requires no field; what the emulator does not
 * know of the recipient (bank data of a key payment) is left out. ASSUMPTIONS (UNVERIFIED):
 * `dataInclusao` is São Paulo wall time `YYYY-MM-DD HH:mm:ss.SSS` (the format sibling shapes of the spec
 * use), `dataTransacao` the São Paulo date; titles and `descricao` are our wording; `cpfCnpjRecebedor` is
 * masked as the status query masks a CPF.
 */
export function transacaoCompleta(e: StatementEntry, dates: InterDates): Record<string, unknown> {
  const [detalhes, counterpart] = e.tipoOperacao === "D" ? debitDetails(e) : creditDetails(e);
  const sent = e.tipoOperacao === "D";
  return {
    idTransacao: e.idTransacao,
    dataInclusao: dates.spacedDateTime(e.at),
    dataTransacao: dates.today(e.at),
    tipoTransacao: e.tipoTransacao,
    tipoOperacao: e.tipoOperacao,
    valor: formatCents(e.amountCents), // a string, as the spec types it (the send takes a number)
    titulo: sent ? "Pix enviado" : "Pix recebido",
    descricao: `${sent ? "PIX ENVIADO" : "PIX RECEBIDO"} - ${counterpart}`,
    numeroDocumento: e.numeroDocumento,
    detalhes,
  };
}

/** A debit's `DetalhePix`, and the recipient its `descricao` names. */
function debitDetails(e: DebitEntry): [Record<string, string>, string] {
  const { pix } = e;
  const r = pix.recipient;
  const detalhes: Record<string, string> = {
    tipoDetalhe: "DetalhePix",
    codigoSolicitacao: pix.codigoSolicitacao,
    endToEndId: pix.endToEndId,
    txId: pix.txId ?? "",
  };
  if (r.chave !== undefined) detalhes["chavePixRecebedor"] = r.chave;
  detalhes["nomeRecebedor"] = r.nome;
  detalhes["cpfCnpjRecebedor"] = shownDocument(r.cpfCnpj);
  if (r.codAgencia !== undefined) detalhes["agenciaRecebedor"] = r.codAgencia;
  if (r.nroConta !== undefined) detalhes["contaBancariaRecebedor"] = r.nroConta;
  detalhes["nomeEmpresaRecebedor"] = "";
  detalhes["origemMovimentacao"] = pix.origemMovimentacao;
  if (pix.descricaoPix !== undefined) detalhes["descricaoPix"] = pix.descricaoPix;
  return [detalhes, pix.payee];
}

/**
 * A top-up's `DetalhePix`, and the payer its `descricao` names. ASSUMPTION (UNVERIFIED): a received Pix
 * names its payer in `nomePagador` and carries no codigoSolicitacao (that is the sender's request).
 */
function creditDetails(e: CreditEntry): [Record<string, string>, string] {
  const { credit } = e;
  return [
    { tipoDetalhe: "DetalhePix", endToEndId: credit.endToEndId, txId: "", nomePagador: credit.payer },
    credit.payer,
  ];
}

/** One statement entry for the emulator's operator: the facts, and the entry as Inter lists it. */
export interface EmulatedStatementEntry {
  idTransacao: string;
  account: string;
  origin: StatementOrigin;
  tipoOperacao: "D" | "C";
  amountCents: number;
  /** Instant of the movement, ISO 8601 UTC. */
  at: string;
  /** The debited payment's (or the one a bank bug named); "" for a credit, which names no request of ours. */
  codigoSolicitacao: string;
  endToEndId: string;
  /** Exactly as GET /banking/v2/extrato/completo lists it. */
  transacao: Record<string, unknown>;
}

export function statementEntryView(e: StatementEntry, dates: InterDates): EmulatedStatementEntry {
  return {
    idTransacao: e.idTransacao,
    account: e.account,
    origin: e.origin,
    tipoOperacao: e.tipoOperacao,
    amountCents: e.amountCents,
    at: new Date(e.at).toISOString(),
    codigoSolicitacao: codigoOf(e) ?? "",
    endToEndId: e.tipoOperacao === "D" ? e.pix.endToEndId : e.credit.endToEndId,
    transacao: transacaoCompleta(e, dates),
  };
}
