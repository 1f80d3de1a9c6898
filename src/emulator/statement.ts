// The account statement ("extrato") the emulator keeps, per account: one entry for every movement of
// money, as Inter's GET /banking/v2/extrato/completo lists them (docs/reference/inter-api.md §10.1).
// Debits come from the payment book's executions that debit the account (including payments whose
// HTTP answer a fault lost) and from the operator's fault knobs: a Pix sent outside pixout (internet
// banking) and a bank bug that debits one payment twice. Credits come from the operator's top-ups (money
// put into the account, as a Pix received). Pure bookkeeping: no I/O, no clock of its own.
//
// The balances themselves stay in balances.ts; the statement also notes, per account, the balance changes
// that are no listed movement (the operator's setBalance, a debit the hideDebit knob took off the list),
// so that an account's balance at the end of a past day can be computed back from today's.
import { randomUUID } from "node:crypto";
import type { PaymentRecord } from "./payment-book.js";
import type { Recipient } from "./recipient.js";
import type { Destinatario } from "./validation.js";

/**
 * Where an entry came from: a payment's execution, a Pix made outside pixout, a duplicated debit (all
 * debits), or the operator's top-up (a credit).
 */
export type StatementOrigin = "payment" | "out-of-band" | "duplicate" | "top-up";

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

/**
 * What a top-up's `detalhes` are made of: a Pix received from the account holder's account at another
 * bank. ASSUMPTION (UNVERIFIED): that is how the money arrives, and its DetalhePix names the payer
 * (`nomePagador`) as the debit's names the recipient.
 */
export interface PixCredit {
  endToEndId: string;
  payer: string;
}

interface EntryFacts {
  readonly idTransacao: string;
  readonly account: string;
  /** Instant of the movement (epoch ms on the emulator's clock): a payment's execution (ENVIADO), a top-up's call. */
  readonly at: number;
  readonly tipoTransacao: "PIX";
  /** Positive: `tipoOperacao` says which way it went. */
  readonly amountCents: number;
  readonly numeroDocumento: string;
}

export interface DebitEntry extends EntryFacts {
  readonly origin: "payment" | "out-of-band" | "duplicate";
  readonly tipoOperacao: "D";
  readonly pix: PixDebit;
}

export interface CreditEntry extends EntryFacts {
  readonly origin: "top-up";
  readonly tipoOperacao: "C";
  readonly credit: PixCredit;
}

export type StatementEntry = DebitEntry | CreditEntry;

type Numbered = "idTransacao" | "numeroDocumento";
export type NewEntry = Omit<DebitEntry, Numbered> | Omit<CreditEntry, Numbered>;

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
export function paymentDebit(
  record: PaymentRecord,
  at: number,
  origin: "payment" | "duplicate",
): Omit<DebitEntry, Numbered> {
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
  if (dest.tipo === "PIX_COPIA_E_COLA" && dest.brCode.txid !== undefined && dest.brCode.txid !== "***")
    pix.txId = dest.brCode.txid;
  return {
    account: record.account,
    at,
    origin,
    tipoOperacao: "D",
    tipoTransacao: "PIX",
    amountCents: record.request.amountCents,
    pix,
  };
}

/** The payer a top-up names: our wording, the account holder moving money in from another bank. */
const TOP_UP_PAYER = "APORTE DO TITULAR (EMULADOR)";

/** The credit of an operator's top-up of `account` at `at`. */
export function topUpCredit(
  account: string,
  at: number,
  amountCents: number,
  endToEndId: string,
): Omit<CreditEntry, Numbered> {
  return {
    account,
    at,
    origin: "top-up",
    tipoOperacao: "C",
    tipoTransacao: "PIX",
    amountCents,
    credit: { endToEndId, payer: TOP_UP_PAYER },
  };
}

/** The codigoSolicitacao an entry names: a debit's; a credit names none of ours. */
export function codigoOf(entry: StatementEntry): string | undefined {
  return entry.tipoOperacao === "D" ? entry.pix.codigoSolicitacao : undefined;
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
  /** Per account, balance changes that are no listed movement, for the balance of past days. */
  readonly #adjustments = new Map<string, { at: number; cents: number }[]>();
  /** Every entry of every account, oldest first (the operator's view). */
  readonly #all: StatementEntry[] = [];
  #documents = 0;

  append(input: NewEntry): StatementEntry {
    this.#documents += 1;
    // ASSUMPTION (UNVERIFIED): Inter's numeroDocumento is digits; ours is a running number per emulator.
    const entry: StatementEntry = {
      ...input,
      idTransacao: randomUUID(),
      numeroDocumento: String(this.#documents).padStart(9, "0"),
    };
    let list = this.#byAccount.get(entry.account);
    if (!list) {
      list = [];
      this.#byAccount.set(entry.account, list);
    }
    insertByTime(list, entry);
    insertByTime(this.#all, entry);
    return entry;
  }

  /**
   * Removes the entries naming this codigoSolicitacao (a fault knob: the bank omits a debit); how many.
   * The money still moved, so each becomes an adjustment: past days' balances stay what they were.
   */
  remove(codigoSolicitacao: string): number {
    const gone = (e: StatementEntry): boolean => codigoOf(e)?.toLowerCase() === codigoSolicitacao.toLowerCase();
    const removed = this.#all.filter(gone);
    for (const e of removed) this.adjust(e.account, e.at, delta(e));
    this.#all.splice(0, this.#all.length, ...this.#all.filter((e) => !gone(e)));
    for (const [account, list] of this.#byAccount)
      this.#byAccount.set(
        account,
        list.filter((e) => !gone(e)),
      );
    return removed.length;
  }

  /** One account's entries (every account's when omitted), oldest first. */
  entries(account?: string): readonly StatementEntry[] {
    return account === undefined ? this.#all : (this.#byAccount.get(account) ?? []);
  }

  /** A change of the account's balance at `at` that is no listed movement (the operator set the balance). */
  adjust(account: string, at: number, cents: number): void {
    if (cents === 0) return;
    let list = this.#adjustments.get(account);
    if (!list) {
      list = [];
      this.#adjustments.set(account, list);
    }
    insertByTime(list, { at, cents });
  }

  /**
   * How much the account's balance changed from `instant` on (its movements and adjustments at or after
   * it): its balance just before `instant` is today's minus this. Each account has its own balance, so
   * only its own changes count.
   */
  changeSince(account: string, instant: number): number {
    let change = 0;
    for (const e of this.entries(account)) if (e.at >= instant) change += delta(e);
    for (const a of this.#adjustments.get(account) ?? []) if (a.at >= instant) change += a.cents;
    return change;
  }
}
