// Reads every Pix debit of an account's statement over a window of days, page after page (each page one
// call of the `statement` budget, 10 a minute at Inter). Classic paging while the period holds at most
// 10,000 entries, scroll paging beyond (Inter: one scroll per account, gone after 6 idle minutes). Stops on
// the last page, an empty page, or a page that repeats the previous one (a bank that ignores `pagina`);
// says when it stopped before the end, so that nothing is concluded from a partial statement.
import { createHash } from "node:crypto";
import { saoPauloStartOfDay } from "../payments/calendar.js";
import type { LedgerDebit } from "../payments/reconciliation.js";
import type { CallOptions, InterClient } from "./client.js";
import type { StatementEntry } from "./statement.js";

/** Entries asked per page: Inter's maximum. */
const PAGE_SIZE = 10_000;
/** Pages read at most in one window (10 a minute: 20 minutes of the budget). */
const MAX_PAGES = 200;

export interface StatementRead {
  debits: LedgerDebit[];
  /** False when the reading stopped before the statement's end (too many pages, a page repeated or empty), or an entry could not be read. */
  complete: boolean;
  /** Entries skipped as not Pix debits (fees, credits…). */
  skipped: number;
  /** Entries that could not be read at all (not an object). */
  unreadable: number;
}

/** `YYYY-MM-DD HH:mm:ss[.SSS]` São Paulo wall time → epoch ms. */
function instantOf(localTime: string | undefined): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?/.exec(localTime ?? "");
  if (!m?.[1]) return undefined;
  const ms =
    Number(m[2]) * 3_600_000 + Number(m[3]) * 60_000 + Number(m[4]) * 1000 + Number((m[5] ?? "0").padEnd(3, "0"));
  const at = saoPauloStartOfDay(m[1]) + ms;
  return Number.isFinite(at) ? at : undefined;
}

/**
 * A Pix debit, as far as the entry tells: an entry saying it is a credit or another kind of transaction
 * is skipped; one that says nothing of either is kept (we asked for debits), since the bank may omit any field.
 */
export function debitOf(entry: StatementEntry, account: string, standIn: string): LedgerDebit | undefined {
  if (entry.operation !== undefined && entry.operation !== "D") return undefined;
  if (
    entry.type !== undefined &&
    !entry.type.includes("PIX") &&
    entry.codigoSolicitacao === undefined &&
    entry.endToEndId === undefined
  )
    return undefined;
  const at = entry.instant ?? instantOf(entry.localTime);
  return {
    id: entry.id ?? standIn,
    account,
    ...(entry.date === undefined ? {} : { date: entry.date }),
    ...(at === undefined ? {} : { at }),
    ...(entry.amountCents === undefined ? {} : { amountCents: entry.amountCents }),
    ...(entry.codigoSolicitacao === undefined ? {} : { codigoSolicitacao: entry.codigoSolicitacao }),
    ...(entry.endToEndId === undefined ? {} : { endToEndId: entry.endToEndId }),
    ...(entry.key === undefined ? {} : { key: entry.key }),
  };
}

export async function readStatementDebits(
  client: InterClient,
  account: string,
  from: string,
  to: string,
  call?: CallOptions,
): Promise<StatementRead> {
  const out: StatementRead = { debits: [], complete: false, skipped: 0, unreadable: 0 };
  // An entry without idTransacao gets one from what it says (and how many identical ones came before), so
  // that the same entry keeps its id from run to run — a finding's event id is made of it.
  const seen = new Map<string, number>();
  const standInFor = (e: StatementEntry): string => {
    const digest = createHash("sha256")
      .update(
        JSON.stringify([
          e.date,
          e.localTime,
          e.instant,
          e.amountCents,
          e.codigoSolicitacao,
          e.endToEndId,
          e.key,
          e.operation,
          e.type,
        ]),
      )
      .digest("hex")
      .slice(0, 16);
    const n = (seen.get(digest) ?? 0) + 1;
    seen.set(digest, n);
    return `#${account}:${digest}:${String(n)}`;
  };
  const take = (entries: readonly StatementEntry[]): void => {
    for (const e of entries) {
      if (!e.readable) {
        out.unreadable += 1;
        continue;
      }
      const d = debitOf(e, account, standInFor(e));
      if (d === undefined) out.skipped += 1;
      else out.debits.push(d);
    }
  };
  const base = { from, to, pageSize: PAGE_SIZE, operation: "D" as const };
  // Complete only when read to the bank's last page, with every entry readable.
  const done = (): StatementRead => ({ ...out, complete: out.unreadable === 0 });
  const first = await client.getStatementPage({ ...base, page: 0 }, call);
  if ((first.totalEntries ?? 0) <= PAGE_SIZE || first.last) {
    // Classic paging.
    take(first.entries);
    let previous = JSON.stringify(first.entries);
    let last = first.last;
    for (let page = 1; !last; page++) {
      if (page >= MAX_PAGES) return out;
      const got = await client.getStatementPage({ ...base, page }, call);
      const seen = JSON.stringify(got.entries);
      // An empty page is the end only when the bank does not say otherwise (without `ultimaPagina` it is
      // how the end shows); the same page again means the bank ignores `pagina`: not read to its end.
      if (got.entries.length === 0) return got.last ? done() : out;
      if (seen === previous) return out;
      previous = seen;
      take(got.entries);
      last = got.last;
    }
    return done();
  }
  // More than one page can hold: a scroll, from the start.
  let page = await client.getStatementPage({ ...base, scroll: { start: true } }, call);
  for (let n = 1; ; n++) {
    take(page.entries);
    if (page.last) return done();
    if (page.scrollId === undefined || page.entries.length === 0 || n >= MAX_PAGES) return out;
    page = await client.getStatementPage({ ...base, scroll: { id: page.scrollId } }, call);
  }
}
