// The account statement ("extrato") the emulator keeps, per account: one entry for every movement of
// money, as Inter's GET /banking/v2/extrato/completo lists them (inter-api.md, "Statement and balance").
// Entries come from the payment book's executions that debit the account (including payments whose
// HTTP answer a fault lost) and from the operator's fault knobs: a Pix sent outside pixout (internet
// banking) and a bank bug that debits one payment twice. Pure bookkeeping: no I/O, no clock of its own.
//
// The balance itself stays in the payment book; the statement also notes the balance changes that are
// no movement (the operator's setBalance), so that the balance at the end of a past day can be computed
// back from today's.
import { randomUUID } from "node:crypto";
import type { PaymentRecord } from "./payment-book.js";
import type { Recipient } from "./recipient.js";
import type { Destinatario } from "./validation.js";

/** Where an entry came from: a payment's execution, a Pix made outside pixout, or a duplicated debit. */
export type StatementOrigin = "payment" | "out-of-band" | "duplicate";

/** What a Pix debit's `detalhes` (DetalhePix) are made of. */
export interface PixDebit {
  codigoSolicitacao: string;
  endToEndId: string;
  recipient: Recipient;
  /** The recipient as the payment's `destinatario` names it: the key, the account holder's name, or the BR Code's merchant. */
  payee: string;
  /** The send's `descricao`. */
  descricaoPix?: string;
  /** A BR Code's reference label (txid), when it has one. */
  txId?: string;
  /**
   * ASSUMPTION (UNVERIFIED): Inter's values are not published; "API" for what came through the API and
   * "INTERNET_BANKING" for an out-of-band Pix.
   */
  origemMovimentacao: "API" | "INTERNET_BANKING";
}

export interface StatementEntry {
  readonly idTransacao: string;
  readonly account: string;
  /** Instant of the movement (epoch ms on the emulator's clock): a payment's execution (ENVIADO). */
  readonly at: number;
  readonly origin: StatementOrigin;
  /** `D` debit, `C` credit (the emulator only debits so far). */
  readonly tipoOperacao: "D" | "C";
  readonly tipoTransacao: "PIX";
  readonly amountCents: number;
  readonly numeroDocumento: string;
  readonly pix: PixDebit;
}

export type NewEntry = Omit<StatementEntry, "idTransacao" | "numeroDocumento">;

/** The name a Pix's `destinatario` gives its recipient, as the statement's `descricao` repeats it. */
export function payeeOf(destinatario: Destinatario): string {
  switch (destinatario.tipo) {
    case "CHAVE":
      return destinatario.chave;
    case "DADOS_BANCARIOS":
      return destinatario.nome;
    case "PIX_COPIA_E_COLA":
      return destinatario.brCode.merchantName;
  }
}

/** The debit of an executed payment at `at` (its execution, or later for a duplicate). */
export function paymentDebit(record: PaymentRecord, at: number, origin: "payment" | "duplicate"): NewEntry {
  const dest = record.request.destinatario;
  const pix: PixDebit = {
    codigoSolicitacao: record.codigoSolicitacao,
    // Set by the book at the execution, before the statement hears of it.
    endToEndId: record.endToEnd ?? "",
    recipient: record.recipient,
    payee: payeeOf(dest),
    origemMovimentacao: "API",
  };
  if (record.request.descricao !== undefined) pix.descricaoPix = record.request.descricao;
  // "***" is the BR Code's way of saying "no reference label".
  if (dest.tipo === "PIX_COPIA_E_COLA" && dest.brCode.txid !== undefined && dest.brCode.txid !== "***") pix.txId = dest.brCode.txid;
  return { account: record.account, at, origin, tipoOperacao: "D", tipoTransacao: "PIX", amountCents: record.request.amountCents, pix };
}

/** Signed effect of an entry on the balance. */
function delta(entry: StatementEntry): number {
  return entry.tipoOperacao === "D" ? -entry.amountCents : entry.amountCents;
}

/** Inserts keeping `at` order; equal instants stay in order of arrival. Usually an append. */
function insertByTime<T extends { at: number }>(list: T[], item: T): void {
  let i = list.length;
  while (i > 0 && (list[i - 1]?.at ?? -Infinity) > item.at) i -= 1;
  list.splice(i, 0, item);
}

export class Statement {
  /** Per account, oldest first. */
  readonly #byAccount = new Map<string, StatementEntry[]>();
  /** Balance changes that are not movements (setBalance), for the balance of past days. */
  readonly #adjustments: { at: number; cents: number }[] = [];
  /** Every entry of every account, oldest first (the operator's view, and past balances). */
  readonly #all: StatementEntry[] = [];
  #documents = 0;

  append(input: NewEntry): StatementEntry {
    this.#documents += 1;
    // ASSUMPTION (UNVERIFIED): Inter's numeroDocumento is digits; ours is a running number per emulator.
    const entry: StatementEntry = { ...input, idTransacao: randomUUID(), numeroDocumento: String(this.#documents).padStart(9, "0") };
    let list = this.#byAccount.get(entry.account);
    if (!list) {
      list = [];
      this.#byAccount.set(entry.account, list);
    }
    insertByTime(list, entry);
    insertByTime(this.#all, entry);
    return entry;
  }

  /** Removes the entries naming this codigoSolicitacao (a fault knob: the bank omits a debit); how many. */
  remove(codigoSolicitacao: string): number {
    const gone = (e: StatementEntry): boolean => e.pix.codigoSolicitacao.toLowerCase() === codigoSolicitacao.toLowerCase();
    const removed = this.#all.filter(gone).length;
    this.#all.splice(0, this.#all.length, ...this.#all.filter((e) => !gone(e)));
    for (const [account, list] of this.#byAccount) this.#byAccount.set(account, list.filter((e) => !gone(e)));
    return removed;
  }

  /** One account's entries (every account's when omitted), oldest first. */
  entries(account?: string): readonly StatementEntry[] {
    return account === undefined ? this.#all : (this.#byAccount.get(account) ?? []);
  }

  /** A change of the balance at `at` that is no movement (the operator set the balance). */
  adjust(at: number, cents: number): void {
    if (cents !== 0) insertByTime(this.#adjustments, { at, cents });
  }

  /**
   * How much the balance changed from `instant` on (movements and adjustments at or after it): the
   * balance just before `instant` is today's minus this. The emulator has one balance for all its
   * accounts, so every account's movements count.
   */
  changeSince(instant: number): number {
    let change = 0;
    for (const e of this.#all) if (e.at >= instant) change += delta(e);
    for (const a of this.#adjustments) if (a.at >= instant) change += a.cents;
    return change;
  }
}
