// One reconciliation run (docs/operating/reconciliation.md): the queue's payments against the bank's statement over
// a window of São Paulo days, with a fresh status query of every parked payment the bank knows, the rules of
// src/payments/reconciliation.ts, and — with `apply` — the parked payments the statement proves resolved.
// Every bank call goes through the client's gate (the fleet's budgets). The report is kept in Redis.
import type { Queue } from "bullmq";
import type { Config } from "../../config.js";
import type { RedisClient } from "../../redis/connections.js";
import type { CallOptions, InterClient } from "../../inter/client.js";
import { readStatementDebits } from "../../inter/statement-reader.js";
import { findingEvent } from "../../notifications/finding-event.js";
import type { Notifier } from "../../notifications/notifier.js";
import { compareIsoDates, isIsoDate, saoPauloToday, shiftIsoDate } from "../../payments/calendar.js";
import {
  FINDING_KINDS,
  reconcile,
  summarize,
  type LedgerDebit,
  type ReconPayment,
  type Row,
  type RowKind,
} from "../../payments/reconciliation.js";
import type { DataProtection } from "../job-data.js";
import { bullPrefix } from "../names.js";
import { findPayment } from "../payment-index.js";
import { readReconPayments } from "./recon-payments.js";
import { resolvePayment, type ResolveResult } from "../producer/resolve.js";

/**
 * Days a run covers by default: long enough that a payment whose send's answer was lost can be proved not
 * executed (5 business days without a debit) while its first send is still inside the window.
 */
export const DEFAULT_WINDOW_DAYS = 14;
/** Inter's longest statement period. */
export const MAX_WINDOW_DAYS = 90;
/** Reports are kept this long. */
export const REPORT_TTL_DAYS = 90;
const REPORTS_KEPT = 200;

export interface ReconcileRunOptions {
  queue: Queue;
  redis: RedisClient;
  redisPrefix: string;
  client: InterClient;
  protection: DataProtection;
  /** INTER_ACCOUNT: the account of payments that name none ("" when the integration has one account). */
  defaultAccount: string;
  /** Only this paying account. */
  account?: string;
  /** São Paulo days; default the last 14 days up to today. */
  window?: { from?: string; to?: string };
  now: number;
  /** Resolve the parked payments the statement proves paid or not executed. */
  apply: boolean;
  /** Who applies (the audit's actor). */
  actor?: string;
  /** Resolutions' outcomes and the findings (`reconciliation.finding`) are announced through it. */
  notifier?: Pick<Notifier, "notifyOutcome" | "notifyFinding">;
  recordTtlDays?: number;
  /**
   * Checked between steps (before each status query, each account's statement, each resolution — never
   * between a resolution and its announcement): true stops the run (ReconcileAbortedError), nothing more written.
   */
  aborted?: () => boolean;
  /**
   * How the run is kept: `full` (every account: the report, and what the metrics read), `partial` (one
   * account: the report only), `none` (a check, e.g. `pixout resolve`'s). Default: `partial` with `account`, else `full`.
   */
  keep?: "full" | "partial" | "none";
}

/** The options every run of a fleet takes from its configuration: the queue, Redis, the bank, the data keys. */
export function runSettings(
  config: Config,
  queue: Queue,
  redis: RedisClient,
  client: InterClient,
): Pick<
  ReconcileRunOptions,
  "queue" | "redis" | "redisPrefix" | "client" | "protection" | "defaultAccount" | "recordTtlDays"
> {
  return {
    queue,
    redis,
    redisPrefix: config.redisPrefix,
    client,
    protection: { keyring: config.data.dataKeys, requireEncryption: false },
    defaultAccount: config.inter.account ?? "",
    recordTtlDays: config.data.idempotencyDays,
  };
}

export class ReconcileAbortedError extends Error {
  override readonly name = "ReconcileAbortedError";
}

/** Rows kept per report in Redis at most (the rest counted): the metrics read the latest one at each scrape. */
const ROWS_KEPT = 1_000;

export interface AccountRead {
  account: string;
  complete: boolean;
  debits: number;
  skipped: number;
  unreadable: number;
}

export interface ReconcileReport {
  window: { from: string; to: string };
  /** A run of one paying account only (not the fleet's view). */
  account?: string;
  today: string;
  startedAt: string;
  finishedAt: string;
  accounts: AccountRead[];
  /** False when a statement could not be read to its end: nothing was concluded from missing debits, nothing applied. */
  complete: boolean;
  payments: number;
  /**
   * Every row of the run; as kept in Redis (recentReports), only those not plainly in order (not
   * `matched`, not `awaiting-debit`).
   */
  rows: Row[];
  byKind: Partial<Record<RowKind, number>>;
  findings: number;
  /** Findings handed to the notifications queue as `reconciliation.finding` events (one already queued in the last 7 days is not sent twice). */
  announced: number;
  /** Rows left out of the report kept in Redis (it keeps at most 1,000 rows not plainly in order). */
  rowsNotKept?: number;
  applied: ResolveResult[];
}

/** A run's report, with the debits it read (not kept in Redis: a statement can hold 10,000s). */
export interface ReconcileRun extends ReconcileReport {
  debits: LedgerDebit[];
}

export class ReconcileWindowError extends Error {
  override readonly name = "ReconcileWindowError";
}

/** The window checked: dates, in order, not after today, at most 90 days. */
export function reconcileWindow(window: { from?: string; to?: string }, today: string): { from: string; to: string } {
  const to = window.to ?? today;
  const from = window.from ?? shiftIsoDate(to, -(DEFAULT_WINDOW_DAYS - 1));
  for (const [name, d] of [
    ["since", from],
    ["until", to],
  ] as const)
    if (!isIsoDate(d)) throw new ReconcileWindowError(`--${name}: not a date (YYYY-MM-DD): ${d}`);
  if (compareIsoDates(to, today) > 0) throw new ReconcileWindowError(`--until is after today (${today} in São Paulo)`);
  if (compareIsoDates(from, to) > 0) throw new ReconcileWindowError("--since is after --until");
  if (compareIsoDates(shiftIsoDate(from, MAX_WINDOW_DAYS), to) < 0)
    throw new ReconcileWindowError(`the window is longer than Inter's ${String(MAX_WINDOW_DAYS)} days`);
  return { from, to };
}

export function reportsKey(redisPrefix: string, queueName: string): string {
  return `${bullPrefix(redisPrefix)}:reconciliation:${queueName}`;
}

/** When the latest complete run without findings finished (ISO 8601). */
export function lastCleanKey(redisPrefix: string, queueName: string): string {
  return `${reportsKey(redisPrefix, queueName)}:last-clean`;
}

/** The latest full run's report (every account): what the metrics read. */
export function latestFullKey(redisPrefix: string, queueName: string): string {
  return `${reportsKey(redisPrefix, queueName)}:latest-full`;
}

/** The latest full run's report, and when the latest clean full run finished (epoch ms): what the metrics read. */
export async function reconciliationStatus(
  redis: RedisClient,
  redisPrefix: string,
  queueName: string,
): Promise<{ latest?: ReconcileReport; lastCleanAt?: number }> {
  const [latest, clean] = await Promise.all([
    redis.get(latestFullKey(redisPrefix, queueName)),
    redis.get(lastCleanKey(redisPrefix, queueName)),
  ]);
  const at = clean === null ? Number.NaN : Date.parse(clean);
  return {
    ...(latest === null ? {} : { latest: JSON.parse(latest) as ReconcileReport }),
    ...(Number.isFinite(at) ? { lastCleanAt: at } : {}),
  };
}

/** The most recent reports, newest first. */
export async function recentReports(
  redis: RedisClient,
  redisPrefix: string,
  queueName: string,
  count = 20,
): Promise<ReconcileReport[]> {
  const raw = await redis.lrange(reportsKey(redisPrefix, queueName), 0, count - 1);
  return raw.map((r) => JSON.parse(r) as ReconcileReport);
}

function callFor(account: string): CallOptions | undefined {
  return account === "" ? undefined : { account };
}

/** Parked payments the bank knows get their status asked again: an ended payment is provably not executed. */
async function refreshParked(
  client: InterClient,
  payments: ReconPayment[],
  inWindow: (p: ReconPayment) => boolean,
  stop: () => void,
): Promise<void> {
  for (const p of payments) {
    if (p.outcome !== "needs-reconciliation" || p.codigoSolicitacao === undefined || !inWindow(p)) continue;
    stop();
    try {
      p.bankStatus = (await client.getPix(p.codigoSolicitacao, callFor(p.account))).status;
    } catch {
      // The status stays as last known: the rules then only resolve it by a debit.
    }
  }
}

/** Debits no gathered payment names, looked up in the index of pixout's bank identifiers (removed jobs). */
async function retiredOf(
  o: ReconcileRunOptions,
  debits: readonly LedgerDebit[],
  payments: readonly ReconPayment[],
  references: ReadonlyMap<string, string>,
): Promise<Map<string, string>> {
  const known = new Set(
    payments
      .flatMap((p) => [p.codigoSolicitacao?.toLowerCase(), p.endToEndId])
      .filter((v): v is string => v !== undefined),
  );
  const retired = new Map<string, string>(references);
  for (const d of debits) {
    const codigo = d.codigoSolicitacao?.toLowerCase();
    if (
      codigo === undefined ||
      known.has(codigo) ||
      retired.has(codigo) ||
      (d.endToEndId !== undefined && known.has(d.endToEndId))
    )
      continue;
    const id =
      (await findPayment(o.redis, o.redisPrefix, o.queue.name, "codigoSolicitacao", codigo)) ??
      (await findPayment(o.redis, o.redisPrefix, o.queue.name, "codigoSolicitacao", d.codigoSolicitacao ?? ""));
    if (id !== undefined) retired.set(codigo, id);
  }
  return retired;
}

export async function runReconciliation(o: ReconcileRunOptions): Promise<ReconcileRun> {
  const startedAt = new Date(o.now).toISOString();
  const today = saoPauloToday(o.now);
  const window = reconcileWindow(o.window ?? {}, today);
  const dateOf = (ms: number): string => saoPauloToday(ms);
  const {
    payments: all,
    snapshots,
    references,
    ended,
  } = await readReconPayments(o.queue, o.protection, o.defaultAccount, dateOf);
  const payments = o.account === undefined ? all : all.filter((p) => p.account === o.account);
  const startOf = (p: ReconPayment): string | undefined =>
    p.firstSendAt === undefined ? p.paidDate : dateOf(p.firstSendAt);
  const inWindow = (p: ReconPayment): boolean => {
    const s = startOf(p);
    return s !== undefined && s >= window.from && s <= window.to;
  };
  const stop = (): void => {
    if (o.aborted?.() === true)
      throw new ReconcileAbortedError(
        "the reconciliation was stopped (the process is shutting down); the next run does it again",
      );
  };
  await refreshParked(o.client, payments, inWindow, stop);

  const accounts =
    o.account !== undefined
      ? [o.account]
      : [...new Set([o.defaultAccount, ...payments.filter(inWindow).map((p) => p.account)])];
  const reads: AccountRead[] = [];
  const debits: LedgerDebit[] = [];
  for (const account of accounts) {
    stop();
    const read = await readStatementDebits(o.client, account, window.from, window.to, callFor(account));
    reads.push({
      account,
      complete: read.complete,
      debits: read.debits.length,
      skipped: read.skipped,
      unreadable: read.unreadable,
    });
    debits.push(...read.debits);
  }
  const complete = reads.every((r) => r.complete);
  // An account's statement is known to be its own once it lists a payment of that account by its codigo.
  const codigoAccount = new Map(
    payments
      .filter((p) => p.codigoSolicitacao !== undefined)
      .map((p) => [p.codigoSolicitacao?.toLowerCase() ?? "", p.account]),
  );
  const accountsProved = new Set(
    debits
      .filter(
        (d) => d.codigoSolicitacao !== undefined && codigoAccount.get(d.codigoSolicitacao.toLowerCase()) === d.account,
      )
      .map((d) => d.account),
  );
  const rows = reconcile(
    {
      debits,
      payments,
      today,
      window,
      accountsProved,
      ended,
      retired: await retiredOf(o, debits, payments, references),
    },
    dateOf,
  )
    // A statement read only in part proves no debit missing.
    .map((r): Row =>
      complete || (r.kind !== "paid-without-debit" && r.kind !== "parked-not-executed")
        ? r
        : {
            ...r,
            kind: r.kind === "paid-without-debit" ? "awaiting-debit" : "parked-waiting",
            detail: `${r.detail} (not concluded: the statement was not read to its end)`,
          },
    );

  const applied: ResolveResult[] = [];
  if (o.apply && complete) {
    for (const row of rows) {
      const res = row.resolution;
      if (res === undefined || row.paymentId === undefined) continue;
      stop();
      const snapshot = snapshots.get(row.paymentId);
      try {
        applied.push(
          await resolvePayment(o.queue, o.redis, o.redisPrefix, row.paymentId, {
            outcome: res.outcome,
            actor: o.actor ?? "reconciliation",
            reason: `reconciliation ${window.from}..${window.to}: ${row.detail}`,
            evidence:
              res.outcome === "paid"
                ? {
                    debitId: res.debitId,
                    ...(res.codigoSolicitacao === undefined ? {} : { codigoSolicitacao: res.codigoSolicitacao }),
                    ...(res.endToEndId === undefined ? {} : { endToEndId: res.endToEndId }),
                    ...(res.date === undefined ? {} : { date: res.date }),
                  }
                : {},
            now: o.now,
            ...(snapshot === undefined ? {} : { expectedData: snapshot }),
            ...(o.notifier === undefined ? {} : { notifier: o.notifier }),
            ...(o.recordTtlDays === undefined ? {} : { recordTtlDays: o.recordTtlDays }),
          }),
        );
      } catch (err) {
        // One payment's failure (Redis) is its own: the others are still resolved, the report still kept.
        applied.push({
          paymentId: row.paymentId,
          status: "refused",
          why: `error: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    }
  }
  const { byKind, findings } = summarize(rows);
  const finishedAt = new Date().toISOString();
  let announced = 0;
  if (o.notifier !== undefined) {
    for (const row of rows) {
      if (!FINDING_KINDS.has(row.kind)) continue;
      try {
        const sent = await o.notifier.notifyFinding(findingEvent(row, window, finishedAt));
        if (sent.queued) announced += 1;
      } catch {
        // Redis refused the event: the finding is still in the report and the metrics.
      }
    }
  }
  const report: ReconcileReport = {
    window,
    ...(o.account === undefined ? {} : { account: o.account }),
    today,
    startedAt,
    finishedAt,
    accounts: reads,
    complete,
    payments: payments.length,
    rows,
    byKind,
    findings,
    announced,
    applied,
  };
  const keep = o.keep ?? (o.account === undefined ? "full" : "partial");
  if (keep !== "none") {
    const key = reportsKey(o.redisPrefix, o.queue.name);
    // Kept: the counts and the rows that are not plainly in order (a week of payments would otherwise be
    // kept 200 times over), at most ROWS_KEPT; the full rows are the command's output (--json, --csv).
    const notInOrder = rows.filter((r) => r.kind !== "matched" && r.kind !== "awaiting-debit");
    const kept: ReconcileReport = {
      ...report,
      rows: notInOrder.slice(0, ROWS_KEPT),
      ...(notInOrder.length > ROWS_KEPT ? { rowsNotKept: notInOrder.length - ROWS_KEPT } : {}),
    };
    const ttl = REPORT_TTL_DAYS * 86_400;
    const write = o.redis
      .multi()
      .lpush(key, JSON.stringify(kept))
      .ltrim(key, 0, REPORTS_KEPT - 1)
      .expire(key, ttl);
    if (keep === "full") {
      write.set(latestFullKey(o.redisPrefix, o.queue.name), JSON.stringify(kept), "EX", ttl);
      if (complete && findings === 0)
        write.set(lastCleanKey(o.redisPrefix, o.queue.name), report.finishedAt, "EX", ttl);
    }
    await write.exec();
  }
  return { ...report, debits };
}
