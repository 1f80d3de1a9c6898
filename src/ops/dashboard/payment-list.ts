// The payment list: pages of payments from the worker's index (src/queue/payment-stats.ts) — by when each
// reached its latest outcome, newest first — filtered by outcome, paying account, São Paulo dates and amount.
// It walks the index (never the jobs) in chunks of CHUNK entries, reading each entry's record in one
// pipeline, and stops at a full page or after EXAMINE_LIMIT entries, handing back a cursor where it
// stopped: the score reached and the entries of that score already seen (a cursor is a position in the
// index, never an offset into it: a deep page costs what the first does). Later pages do not shift as new
// payments conclude. The outcome picks the smallest index that holds it (parked, failed, open), else the
// whole one; the record's outcome decides (a retry or a resolve may have moved a payment since).
import type { RedisClient } from "../../redis/connections.js";
import { formatBrl } from "../../payments/brl.js";
import { formatCents } from "../../payments/money.js";
import { paymentRecordKey } from "../../queue/payment-record.js";
import { listKey, type ListName } from "../../queue/payment-stats.js";
import { windowOf, type ListFilters } from "./list-filters.js";

export const PAGE_SIZE = 50;
const CHUNK = 500;
export const EXAMINE_LIMIT = 20_000;

export interface ListedPayment {
  paymentId: string;
  outcome: string;
  account: string;
  amountCents: number;
  /** "1234.56" */
  amount: string;
  /** R$ 1.234,56 */
  amountText: string;
  /** ISO 8601: when it reached this outcome (sent, for one in progress). */
  at: string;
  codigoSolicitacao: string;
}

export interface ListPage {
  payments: ListedPayment[];
  /** Where to go on from (undefined: the end of the window). */
  next?: { before: number; skip: number };
  examined: number;
}

const INDEX_OF: Partial<Record<string, ListName>> = {
  "needs-reconciliation": "parked",
  failed: "failed",
  "in-progress": "open",
};

export function createPaymentList(o: { redis: RedisClient; redisPrefix: string; queueName: string }) {
  const { redis, redisPrefix, queueName } = o;
  return {
    async page(filters: ListFilters, now: number, size = PAGE_SIZE, examineLimit = EXAMINE_LIMIT): Promise<ListPage> {
      const key = listKey(redisPrefix, queueName, INDEX_OF[filters.outcome ?? ""] ?? "done");
      const { fromMs, toMs } = windowOf(filters);
      // Where to go on from: a score (ms), and how many entries of that very score were looked at already —
      // entries of one score come in a fixed order, so the offset only ever skips ties (never the index).
      let before = filters.cursor?.before ?? Math.min(toMs, now);
      let skip = filters.cursor?.skip ?? 0;
      const payments: ListedPayment[] = [];
      let examined = 0;
      while (payments.length < size && examined < examineLimit) {
        const chunk = await redis.zrevrangebyscore(key, before, fromMs, "WITHSCORES", "LIMIT", skip, CHUNK);
        if (chunk.length === 0) return { payments, examined };
        const entries: { paymentId: string; at: number }[] = [];
        for (let i = 0; i + 1 < chunk.length; i += 2)
          entries.push({ paymentId: chunk[i] ?? "", at: Number(chunk[i + 1]) });
        const p = redis.pipeline();
        for (const e of entries)
          p.hmget(
            paymentRecordKey(redisPrefix, queueName, e.paymentId),
            "outcome",
            "account",
            "amountCents",
            "codigoSolicitacao",
          );
        const rows = (await p.exec()) ?? [];
        let taken = 0;
        for (const [i, e] of entries.entries()) {
          taken += 1;
          examined += 1;
          if (e.at === before) skip += 1;
          else {
            before = e.at;
            skip = 1;
          }
          const [err, fields] = rows[i] ?? [null, []];
          if (err) throw err;
          const [outcome = null, account = null, cents = null, codigo = null] = fields as (string | null)[];
          const amountCents = Number(cents ?? "0");
          if (!matches(filters, outcome, account, amountCents)) continue;
          payments.push({
            paymentId: e.paymentId,
            outcome: filters.outcome === "in-progress" ? "in-progress" : (outcome ?? "unknown"),
            account: account ?? "",
            amountCents,
            amount: formatCents(amountCents),
            amountText: formatBrl(amountCents),
            at: new Date(e.at).toISOString(),
            codigoSolicitacao: codigo ?? "",
          });
          if (payments.length === size) break;
        }
        if (entries.length < CHUNK && taken === entries.length) return { payments, examined };
      }
      return { payments, next: { before, skip }, examined };
    },
  };
}

function matches(f: ListFilters, outcome: string | null, account: string | null, cents: number): boolean {
  if (outcome === null) return false; // the record expired: nothing to show
  if (f.outcome !== undefined && f.outcome !== "in-progress" && outcome !== f.outcome) return false;
  if (f.account !== undefined && account !== f.account) return false;
  if (!Number.isSafeInteger(cents)) return false;
  if (f.minCents !== undefined && cents < f.minCents) return false;
  if (f.maxCents !== undefined && cents > f.maxCents) return false;
  return true;
}

export type PaymentList = ReturnType<typeof createPaymentList>;
