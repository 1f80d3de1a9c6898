// The payment list's filters, read from a query string: each refused with what to type instead.
import { parseTypedAmount } from "../../payments/brl.js";
import { formatCents } from "../../payments/money.js";
import { isIsoDate, saoPauloStartOfDay, shiftIsoDate } from "../../payments/calendar.js";

export const LIST_OUTCOMES = ["paid", "failed", "rejected", "blocked", "needs-reconciliation", "in-progress"] as const;
export type ListOutcome = (typeof LIST_OUTCOMES)[number];

export interface ListFilters {
  outcome?: ListOutcome;
  account?: string;
  /** São Paulo dates, inclusive. */
  from?: string;
  to?: string;
  minCents?: number;
  maxCents?: number;
  /** Where the previous page stopped (see payment-list.ts). */
  cursor?: { before: number; skip: number };
}

export type FiltersRead = { ok: true; filters: ListFilters } | { ok: false; problems: string[] };

const text = (v: unknown): string => (typeof v === "string" ? v.trim() : "");

export function readListFilters(query: Record<string, unknown>): FiltersRead {
  const problems: string[] = [];
  const filters: ListFilters = {};
  const outcome = text(query["outcome"]);
  if (outcome !== "") {
    if ((LIST_OUTCOMES as readonly string[]).includes(outcome)) filters.outcome = outcome as ListOutcome;
    else problems.push(`outcome must be one of ${LIST_OUTCOMES.join(", ")}`);
  }
  const account = text(query["account"]);
  if (account !== "") {
    if (/^\d{1,20}$/.test(account) || account === "default") filters.account = account;
    else problems.push("account must be the paying account's number (digits only)");
  }
  for (const name of ["from", "to"] as const) {
    const date = text(query[name]);
    if (date === "") continue;
    if (isIsoDate(date)) filters[name] = date;
    else problems.push(`${name} must be a date as YYYY-MM-DD (São Paulo)`);
  }
  if (filters.from !== undefined && filters.to !== undefined && filters.from > filters.to)
    problems.push("from must not be after to");
  for (const [name, field] of [
    ["min", "minCents"],
    ["max", "maxCents"],
  ] as const) {
    const typed = text(query[name]);
    if (typed === "") continue;
    const cents = parseTypedAmount(typed);
    if (cents === undefined) problems.push(`${name} must be an amount in reais, like 1234,56 or 1234.56`);
    else filters[field] = cents;
  }
  if (filters.minCents !== undefined && filters.maxCents !== undefined && filters.minCents > filters.maxCents)
    problems.push("min must not be more than max");
  const cursor = text(query["cursor"]);
  if (cursor !== "") {
    // The skip counts entries of one moment (ties): a few, never thousands.
    const m = /^(\d{1,15})\.(\d{1,4})$/.exec(cursor);
    if (m) filters.cursor = { before: Number(m[1]), skip: Number(m[2]) };
    else problems.push("cursor is not one this dashboard gave: start from the first page");
  }
  return problems.length === 0 ? { ok: true, filters } : { ok: false, problems };
}

/** The window of the filters in epoch ms: [from's midnight, the day after to's midnight), São Paulo days. */
export function windowOf(f: ListFilters): { fromMs: number; toMs: number } {
  return {
    fromMs: f.from === undefined ? 0 : saoPauloStartOfDay(f.from),
    toMs: f.to === undefined ? Number.MAX_SAFE_INTEGER : saoPauloStartOfDay(shiftIsoDate(f.to, 1)) - 1,
  };
}

/** The query string of filters (without the cursor unless given), for links and the CSV's URL. */
export function filtersQuery(f: ListFilters, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  if (f.outcome) q.set("outcome", f.outcome);
  if (f.account) q.set("account", f.account);
  if (f.from) q.set("from", f.from);
  if (f.to) q.set("to", f.to);
  if (f.minCents !== undefined) q.set("min", formatCents(f.minCents));
  if (f.maxCents !== undefined) q.set("max", formatCents(f.maxCents));
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const s = q.toString();
  return s === "" ? "" : `?${s}`;
}
