// Reconciliation: the bank's statement against pixout's payments (docs/operating/reconciliation.md). Pure: the
// caller reads the statement and the payments and applies the resolutions.
//
// Every Pix debit of the statement and every payment of the period ends in exactly one row. A debit is
// matched to a payment by its `codigoSolicitacao`, else by its end-to-end id; a payment parked without
// either (its send's answer was lost) by a unique candidate: a debit no payment claims, from the same
// account, of the same amount, to the same recipient when both name one, made while the payment was being
// sent. Nothing is matched on a field that is absent, and nothing ambiguous is resolved.
import { classifyStatus } from "./bank-status.js";
import type { Outcome } from "./lifecycle.js";

/** A Pix debit as the statement gives it (src/inter/statement.ts), with the account it was read for. */
export interface LedgerDebit {
  /** The statement's idTransacao; the caller makes one up (`#n`) when the bank gave none. */
  id: string;
  account: string;
  /** São Paulo date. */
  date?: string;
  /** Epoch ms, when the bank gave a time. */
  at?: number;
  amountCents?: number;
  codigoSolicitacao?: string;
  endToEndId?: string;
  /** The recipient's Pix key, when the bank gave it. */
  key?: string;
}

/** A payment as pixout knows it. */
export interface ReconPayment {
  paymentId: string;
  outcome: Outcome;
  account: string;
  amountCents: number;
  codigoSolicitacao?: string;
  endToEndId?: string;
  /** The recipient's Pix key, for a payment by key. */
  key?: string;
  /** Epoch ms of the current generation's first send, and of its last known activity (a send, a poll). */
  firstSendAt?: number;
  lastActivityAt?: number;
  /** São Paulo date it was paid, for a paid payment. */
  paidDate?: string;
  /** The bank's status as last known (for a parked payment, the reconciliation's own fresh query). */
  bankStatus?: string;
  /** The São Paulo day the payment was scheduled for (`dataPagamento`), when later than its send. */
  scheduledFor?: string;
  /** The statement entry an earlier resolution named as its debit (it may carry no codigo or end-to-end id). */
  debitId?: string;
  /**
   * Resolved paid by a reconciliation (not by its own send's answer): the debit it took stays a possible
   * debit of the other parked payments, which are never called unexecuted while it is there.
   */
  resolvedFromStatement?: boolean;
  /** Epoch ms it was enqueued: no send of it, in any generation, is earlier. */
  enqueuedAt?: number;
}

export type FindingKind =
  | "paid-without-debit"
  | "debit-without-payment"
  | "duplicate-debit"
  | "amount-mismatch"
  | "parked-ambiguous"
  | "failed-with-debit";
export type RowKind =
  "matched" | "awaiting-debit" | "parked-resolved" | "parked-not-executed" | "parked-waiting" | FindingKind;

/** Rows that need a human: the command exits 1, the fleet sends `reconciliation.finding`. */
export const FINDING_KINDS: ReadonlySet<RowKind> = new Set<FindingKind>([
  "paid-without-debit",
  "debit-without-payment",
  "duplicate-debit",
  "amount-mismatch",
  "parked-ambiguous",
  "failed-with-debit",
]);

export type Resolution =
  | { outcome: "paid"; debitId: string; codigoSolicitacao?: string; endToEndId?: string; date?: string; at?: number }
  | { outcome: "failed" };

export interface Row {
  kind: RowKind;
  paymentId?: string;
  /** The debits of the row (a debit is in one row only; candidates of an ambiguous payment are listed apart). */
  debitIds: string[];
  /** Debits that could be a parked payment's (parked-ambiguous). */
  candidateIds?: string[];
  amountCents?: number;
  detail: string;
  /** What `--apply` does with a parked payment. */
  resolution?: Resolution;
}

export interface ReconcileInput {
  debits: readonly LedgerDebit[];
  payments: readonly ReconPayment[];
  /** São Paulo's date now: a debit may still come until the next business day after a payment. */
  today: string;
  /** Around a send's window, how far a debit's moment may be (bank clocks, the time a Pix takes). Default 10 min. */
  slackMs?: number;
  /**
   * The paymentId pixout's index of bank identifiers (or a payment's record) gives a debit's codigoSolicitacao:
   * a payment no longer in the queue (retention removed its job), or one in `payments` whose state never
   * learned that codigo (its send was answered to a run that then lost its lock) — its debit all the same.
   */
  retired?: ReadonlyMap<string, string>;
  /**
   * codigoSolicitacao → paymentId of sends the bank ended for insufficient balance, whose payment then moved
   * to its next bank key (src/payments/balance-hold.ts): a debit naming one means the bank took money for a
   * payment it said it cancelled — and the payment's next key may have paid it again. Always a finding.
   */
  ended?: ReadonlyMap<string, string>;
  /**
   * The São Paulo days of the statement that was read (`to` not after `today`). A payment is reported
   * when its first send falls in it; a debit no payment claims, when it does. A payment whose debit
   * could fall after `to` is never reported without one. Default: every day up to `today`.
   */
  window?: { from: string; to: string };
  /**
   * Business days without a debit before a parked payment the bank never named (its send's answer was lost)
   * is called unexecuted. Default 5: it may be awaiting approval in the internet banking (Inter's approval
   * deadline is not published). A payment the bank named waits 2, and needs the bank's final status.
   */
  unnamedSettleBusinessDays?: number;
  /**
   * Accounts whose statement is known to be theirs (it lists a debit of a payment of that account, by its
   * codigoSolicitacao). Which account header Inter reads is UNVERIFIED: if it ignored ours, another account's
   * statement would come back, and a payment could be called unexecuted for lack of a debit it never
   * listed. When given, no payment of another account is called unexecuted. "" (no header) is always known.
   */
  accountsProved?: ReadonlySet<string>;
}

const FINAL_FAILURES: ReadonlySet<Outcome> = new Set<Outcome>(["failed", "rejected", "blocked"]);

/** The next weekday after a São Paulo date (bank holidays are not known here: a day late at worst). */
export function nextBusinessDay(isoDate: string): string {
  const d = new Date(`${isoDate}T12:00:00Z`);
  do d.setUTCDate(d.getUTCDate() + 1);
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6);
  return d.toISOString().slice(0, 10);
}

/** A debit could no longer come for something that happened on `date` once `today` is past the next business day. */
export function settled(date: string | undefined, today: string): boolean {
  return date !== undefined && today > nextBusinessDay(date);
}

/** The later of São Paulo dates (undefined ones ignored). */
function latest(...dates: (string | undefined)[]): string | undefined {
  let out: string | undefined;
  for (const d of dates) if (d !== undefined && (out === undefined || d > out)) out = d;
  return out;
}

/** A key as written anywhere: e-mail lower case; others without punctuation, a phone without +55. */
function normalKey(k: string): string {
  if (k.includes("@")) return k.trim().toLowerCase();
  const bare = k.trim().replace(/[.\-/()\s+]/g, "");
  return /^55\d{10,11}$/.test(bare) ? bare.slice(2) : bare.toLowerCase();
}

/** Whether two keys are known to differ (a masked key, `***.456.789-**`, is not known). */
function keysDiffer(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || a.includes("*") || b.includes("*")) return false;
  return normalKey(a) !== normalKey(b);
}

function isoDateOf(epochMs: number | undefined, dateOf: (ms: number) => string): string | undefined {
  return epochMs === undefined ? undefined : dateOf(epochMs);
}

/**
 * The rows of a reconciliation. `dateOf` maps an instant to its São Paulo date (calendar.ts saoPauloToday),
 * given by the caller so that this module stays a pure function of its inputs.
 */
export function reconcile(input: ReconcileInput, dateOf: (epochMs: number) => string): Row[] {
  const slack = input.slackMs ?? 10 * 60_000;
  const window = input.window ?? { from: "0000-01-01", to: input.today };
  /** The day a payment's money could first move, and the last day its debit could be made on. */
  const daysOf = (p: ReconPayment): { start?: string; end?: string } => {
    const start = isoDateOf(p.firstSendAt, dateOf) ?? p.paidDate;
    const end = latest(isoDateOf(p.lastActivityAt ?? p.firstSendAt, dateOf), p.scheduledFor, p.paidDate);
    return { ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) };
  };
  /** No debit can still come, and the statement read covers the days it could have come on. */
  const noDebitCanCome = (end: string | undefined): boolean =>
    settled(end, input.today) && end !== undefined && nextBusinessDay(end) <= window.to;
  /**
   * Stricter, before resolving a parked payment as NOT executed (which lets it be paid again): one more
   * business day, for a bank holiday this module does not know of.
   */
  const surelyNoDebit = (end: string | undefined, days: number): boolean => {
    if (end === undefined || window.to < input.today) return false; // the statement read must reach today
    let last = end;
    for (let i = 1; i < days; i++) last = nextBusinessDay(last);
    return noDebitCanCome(last);
  };
  /**
   * Business days after its last send (or scheduled day) before a parked payment is called unexecuted: 2 when
   * the bank named it (its final status is asked for too), more when it never did — such a payment may sit
   * awaiting approval in the internet banking, where pixout cannot ask about it.
   */
  const settleDays = (p: ReconPayment): number =>
    p.codigoSolicitacao === undefined ? (input.unnamedSettleBusinessDays ?? 5) : 2;
  const byCodigo = new Map<string, ReconPayment>();
  const byE2e = new Map<string, ReconPayment>();
  const byDebitId = new Map<string, ReconPayment>();
  const byId = new Map<string, ReconPayment>();
  for (const p of input.payments) {
    byId.set(p.paymentId, p);
    if (p.codigoSolicitacao !== undefined) byCodigo.set(p.codigoSolicitacao.toLowerCase(), p);
    if (p.endToEndId !== undefined) byE2e.set(p.endToEndId, p);
    if (p.debitId !== undefined) byDebitId.set(`${p.account}|${p.debitId}`, p);
  }
  const debitsOf = new Map<string, LedgerDebit[]>();
  const unclaimed: LedgerDebit[] = [];
  const retiredRows: Row[] = [];
  /** Payments with a debit of a send the bank ended for balance: never called unexecuted (their money left). */
  const endedDebited = new Set<string>();
  for (const d of input.debits) {
    const p =
      (d.codigoSolicitacao === undefined ? undefined : byCodigo.get(d.codigoSolicitacao.toLowerCase())) ??
      (d.endToEndId === undefined ? undefined : byE2e.get(d.endToEndId)) ??
      byDebitId.get(`${d.account}|${d.id}`);
    if (p !== undefined) {
      debitsOf.set(p.paymentId, [...(debitsOf.get(p.paymentId) ?? []), d]);
      continue;
    }
    // The index of pixout's bank identifiers names the payment: one whose job is here (a send answered to a
    // run whose state write was then refused — its lock lost — so only the index learned the codigo) takes
    // the debit as its own; one whose job retention removed is matched as such. Never a candidate for another.
    // Only when pixout's own index of bank identifiers names the same payment: a job's state alone (which a
    // producer could have written) never takes a debit from the others.
    const codigoKey = d.codigoSolicitacao?.toLowerCase();
    const endedOf = codigoKey === undefined ? undefined : input.ended?.get(codigoKey);
    if (endedOf !== undefined && input.retired?.get(codigoKey ?? "") === endedOf) {
      endedDebited.add(endedOf);
      retiredRows.push({
        kind: "failed-with-debit",
        paymentId: endedOf,
        debitIds: [d.id],
        ...(d.amountCents === undefined ? {} : { amountCents: d.amountCents }),
        detail:
          "the bank ended this send for insufficient balance, then debited it; the payment was sent again under its next key: it may be paid twice",
      });
      continue;
    }
    const retired =
      d.codigoSolicitacao === undefined ? undefined : input.retired?.get(d.codigoSolicitacao.toLowerCase());
    const indexed = retired === undefined ? undefined : byId.get(retired);
    if (indexed !== undefined) {
      debitsOf.set(indexed.paymentId, [...(debitsOf.get(indexed.paymentId) ?? []), d]);
      continue;
    }
    if (retired !== undefined) {
      if (d.date === undefined || (d.date >= window.from && d.date <= window.to)) {
        retiredRows.push({
          kind: "matched",
          paymentId: retired,
          debitIds: [d.id],
          ...(d.amountCents === undefined ? {} : { amountCents: d.amountCents }),
          detail: "a payment of pixout whose job retention removed (its record names this codigoSolicitacao)",
        });
      }
      continue;
    }
    unclaimed.push(d);
  }

  /** Whether a debit no payment names could be `p`'s: same account and amount, its key, and its moment. */
  const fitsPayment = (p: ReconPayment, d: LedgerDebit): boolean => {
    if (d.account !== p.account || d.amountCents !== p.amountCents) return false;
    // A payment by key is only proved by a debit naming that key (one naming none may be anybody's Pix).
    if (p.key !== undefined && (d.key === undefined || d.key.includes("*") || keysDiffer(d.key, p.key))) return false;
    // A debit another send of ours named (its codigo) is that send's, never this one's.
    if (d.codigoSolicitacao !== undefined && p.codigoSolicitacao !== undefined) return false;
    const first = p.firstSendAt;
    const last = p.lastActivityAt ?? first;
    if (first === undefined || last === undefined) return false;
    // A payment scheduled for a later day is debited on that day.
    const lastDay = latest(dateOf(last + slack), p.scheduledFor) ?? dateOf(last + slack);
    if (d.at !== undefined)
      return (
        d.at >= first - slack &&
        (d.at <= last + slack || (p.scheduledFor !== undefined && dateOf(d.at) <= p.scheduledFor))
      );
    return d.date !== undefined && d.date >= dateOf(first - slack) && d.date <= lastDay;
  };
  /**
   * Whether a debit no payment claims could still be `p`'s, however little it says (no amount, no moment,
   * another codigoSolicitacao — a resend the bank did not recognise would have one): it then proves nothing
   * either way, and `p` is not called unexecuted while it is there.
   */
  const mayBePayment = (p: ReconPayment, d: LedgerDebit): boolean => {
    if (d.account !== p.account || (d.amountCents !== undefined && d.amountCents !== p.amountCents)) return false;
    if (d.amountCents === undefined) return true;
    // Keys are not compared here: the statement may write one differently. Any moment from its enqueue
    // on: a payment approved in the internet banking, or processed late, is debited hours or days after its
    // send, and an earlier send (before an operator's retry) may be the one that executed.
    const since = p.enqueuedAt ?? p.firstSendAt;
    if (since === undefined) return true;
    if (d.at !== undefined) return d.at >= since - slack;
    return d.date === undefined || d.date >= dateOf(since - slack);
  };
  /** Debits taken by a reconciliation's earlier resolution: never proof that another payment was not executed. */
  const takenByResolution = input.payments
    .filter((p) => p.resolvedFromStatement === true)
    .flatMap((p) => debitsOf.get(p.paymentId) ?? []);
  /** The parked payments still without a debit: each competes for any debit that may be its own. */
  const parkedOpen = input.payments.filter((p) => p.outcome === "needs-reconciliation" && !debitsOf.has(p.paymentId));

  // Candidates: debits no payment names, that fit a parked payment — or another payment still without its
  // debit (paid, or on its way), which then competes for them: a debit is taken only when it fits one alone.
  const claimants = input.payments.filter(
    (p) =>
      !debitsOf.has(p.paymentId) &&
      (p.outcome === "needs-reconciliation" || p.outcome === "paid" || p.outcome === "pending"),
  );
  const candidatesOf = new Map<string, LedgerDebit[]>();
  for (const p of claimants) {
    const candidates = unclaimed.filter((d) => fitsPayment(p, d));
    if (candidates.length > 0) candidatesOf.set(p.paymentId, candidates);
  }
  const candidacies = new Map<string, number>();
  for (const list of candidatesOf.values())
    for (const d of list) candidacies.set(d.id, (candidacies.get(d.id) ?? 0) + 1);
  const consumed = new Set<string>();
  for (const p of input.payments)
    if (p.outcome === "needs-reconciliation") for (const d of candidatesOf.get(p.paymentId) ?? []) consumed.add(d.id);

  const rows: Row[] = [];
  for (const p of input.payments) {
    const debits = debitsOf.get(p.paymentId) ?? [];
    const ids = debits.map((d) => d.id);
    const { start, end } = daysOf(p);
    // Reported by the run whose window holds its first send (a payment never sent has no row unless the
    // statement names it): the earlier days belong to earlier runs.
    if (start === undefined ? debits.length === 0 : start < window.from || start > window.to) continue;
    const base = { paymentId: p.paymentId, amountCents: p.amountCents };
    if (debits.length > 1) {
      rows.push({
        ...base,
        kind: "duplicate-debit",
        debitIds: ids,
        detail: `${String(debits.length)} debits for one payment`,
      });
      continue;
    }
    const [debit] = debits;
    if (debit !== undefined) {
      if (debit.amountCents !== p.amountCents) {
        rows.push({
          ...base,
          kind: "amount-mismatch",
          debitIds: ids,
          detail: `debited ${debit.amountCents === undefined ? "an unreadable amount" : `${String(debit.amountCents)} centavos`}, the payment is ${String(p.amountCents)}`,
        });
      } else if (p.outcome === "needs-reconciliation") {
        rows.push({
          ...base,
          kind: "parked-resolved",
          debitIds: ids,
          detail: "the statement has its debit: paid",
          resolution: paidBy(debit),
        });
      } else if (FINAL_FAILURES.has(p.outcome)) {
        rows.push({
          ...base,
          kind: "failed-with-debit",
          debitIds: ids,
          detail: `pixout says ${p.outcome}, the bank debited it`,
        });
      } else {
        rows.push({
          ...base,
          kind: "matched",
          debitIds: ids,
          detail: p.outcome === "paid" ? "paid and debited" : `${p.outcome}, already debited`,
        });
      }
      continue;
    }
    if (p.outcome === "paid") {
      rows.push(
        noDebitCanCome(end)
          ? {
              ...base,
              kind: "paid-without-debit",
              debitIds: [],
              detail: `paid on ${p.paidDate ?? "?"}, no debit by the next business day`,
            }
          : {
              ...base,
              kind: "awaiting-debit",
              debitIds: [],
              detail: "paid; its debit may still come (until the next business day)",
            },
      );
      continue;
    }
    if (p.outcome === "needs-reconciliation") {
      const candidates = candidatesOf.get(p.paymentId) ?? [];
      const [only] = candidates;
      // Taken only when no other parked payment still without its debit may own it either (however little
      // the debit says): otherwise resolving this one could leave the true owner to be called unexecuted.
      const contested =
        only !== undefined && parkedOpen.some((o) => o.paymentId !== p.paymentId && mayBePayment(o, only));
      if (candidates.length === 1 && only !== undefined && candidacies.get(only.id) === 1 && !contested) {
        rows.push({
          ...base,
          kind: "parked-resolved",
          debitIds: [only.id],
          detail: "one debit of the statement fits it (account, amount, recipient, moment): paid",
          resolution: paidBy(only),
        });
      } else if (candidates.length > 0) {
        rows.push({
          ...base,
          kind: "parked-ambiguous",
          debitIds: [],
          candidateIds: candidates.map((d) => d.id),
          detail: `${String(candidates.length)} debit(s) fit it, and it cannot be told which (or another payment may own them)`,
        });
      } else {
        const bankSaysFailed =
          p.codigoSolicitacao === undefined ||
          (p.bankStatus !== undefined && classifyStatus(p.bankStatus) === "failure");
        const unsure = [...unclaimed, ...takenByResolution].filter((d) => mayBePayment(p, d)).map((d) => d.id);
        const accountKnown =
          p.account === "" || input.accountsProved === undefined || input.accountsProved.has(p.account);
        const settledNow = surelyNoDebit(end, settleDays(p)) && accountKnown;
        if (endedDebited.has(p.paymentId)) {
          rows.push({
            ...base,
            kind: "parked-ambiguous",
            debitIds: [],
            detail:
              "the bank debited a send of it that it had ended for insufficient balance: never called unexecuted; a human compares the statement",
          });
        } else if (settledNow && bankSaysFailed && unsure.length === 0) {
          rows.push({
            ...base,
            kind: "parked-not-executed",
            debitIds: [],
            detail: `no debit by ${String(settleDays(p))} business days after${p.codigoSolicitacao === undefined ? "" : ` and the bank ended it ${p.bankStatus ?? ""}`}: not executed`,
            resolution: { outcome: "failed" },
          });
        } else if (settledNow && unsure.length > 0) {
          // Settled, and only debits that prove nothing either way: a human compares them.
          rows.push({
            ...base,
            kind: "parked-ambiguous",
            debitIds: [],
            candidateIds: unsure,
            detail: `${String(unsure.length)} debit(s) of its account and amount could be its own and say too little to tell`,
          });
        } else {
          rows.push({
            ...base,
            kind: "parked-waiting",
            debitIds: [],
            ...(unsure.length === 0 ? {} : { candidateIds: unsure }),
            detail: !accountKnown
              ? `no debit, but the statement read for account ${p.account} lists no payment of it yet: it is not known to be that account's`
              : settledNow
                ? `no debit, but the bank's status is ${p.bankStatus ?? "unknown"}: not provably unexecuted`
                : `no debit yet; it may still come (until ${String(settleDays(p))} business days after)`,
          });
        }
      }
      continue;
    }
    rows.push({
      ...base,
      kind: "matched",
      debitIds: [],
      detail: FINAL_FAILURES.has(p.outcome) ? `${p.outcome}, not debited` : `${p.outcome}, not debited yet`,
    });
  }
  rows.push(...retiredRows);
  for (const d of unclaimed) {
    if (consumed.has(d.id)) continue;
    if (d.date !== undefined && (d.date < window.from || d.date > window.to)) continue;
    rows.push({
      kind: "debit-without-payment",
      debitIds: [d.id],
      ...(d.amountCents === undefined ? {} : { amountCents: d.amountCents }),
      detail: "a Pix debit pixout does not know: paid outside pixout, or a payment lost",
    });
  }
  // Debits only ever candidates of ambiguous payments appear in those rows (candidateIds), not on their own.
  return rows;
}

function paidBy(d: LedgerDebit): Resolution {
  return {
    outcome: "paid",
    debitId: d.id,
    ...(d.codigoSolicitacao === undefined ? {} : { codigoSolicitacao: d.codigoSolicitacao }),
    ...(d.endToEndId === undefined ? {} : { endToEndId: d.endToEndId }),
    ...(d.date === undefined ? {} : { date: d.date }),
    ...(d.at === undefined ? {} : { at: d.at }),
  };
}

/** Counts of rows by kind, and whether any needs a human. */
export function summarize(rows: readonly Row[]): { byKind: Partial<Record<RowKind, number>>; findings: number } {
  const byKind: Partial<Record<RowKind, number>> = {};
  let findings = 0;
  for (const r of rows) {
    byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    if (FINDING_KINDS.has(r.kind)) findings++;
  }
  return { byKind, findings };
}
