// What the overview page shows, read from the counters and lists the worker keeps (src/queue/payment-stats.ts),
// the held accounts and approvals lists, the workers' heartbeats and the latest reconciliation — a bounded
// number of Redis reads whatever the number of payments: nothing here reads or scans jobs (the queue's counts
// are BullMQ's own counters). Amounts travel as centavos and as text in R$ (pt-BR); no personal data.
import type { Queue } from "bullmq";
import { saoPauloToday } from "../../payments/calendar.js";
import { formatBrl } from "../../payments/brl.js";
import { ENQUEUE_TO_PAID_BOUNDS_MS, LATENCY_BOUNDS_MS, quantileOf } from "../../payments/duration-buckets.js";
import { FINDING_KINDS, type RowKind } from "../../payments/reconciliation.js";
import type { RedisClient } from "../../redis/connections.js";
import { createAccountHolds } from "../../queue/account-holds.js";
import { createApprovals } from "../../queue/approvals.js";
import { paymentRecordKey } from "../../queue/payment-record.js";
import { dayStatsKey, hourOf, hourStatsKey, listKey, openTotalsKey, type ListName } from "../../queue/payment-stats.js";
import { DEFAULT_ACCOUNT_KEY } from "../../queue/worker/processor-options.js";
import { reconciliationStatus } from "../../queue/worker/reconcile-run.js";
import { createCallbackStore } from "../../inter-callbacks/callback-store.js";
import { daysLeft, liveWorkers } from "../worker-heartbeat.js";
import { scrubText } from "./personal-data.js";

export const CHART_OUTCOMES = ["paid", "failed", "rejected", "needs-reconciliation"] as const;
type ChartOutcome = (typeof CHART_OUTCOMES)[number];

export interface Money {
  count: number;
  cents: number;
  /** R$ 1.234,56 */
  text: string;
}

export interface AccountDay {
  account: string;
  paid: Money;
  failed: Money;
  rejected: Money;
  parked: Money;
  /** Sent, not yet concluded (now, not only today's). */
  inProgress: Money;
}

export interface AttentionPayment {
  paymentId: string;
  account: string;
  amount: string;
  /** ISO 8601: when it reached this outcome. */
  at: string;
  codigoSolicitacao?: string;
}

export interface Overview {
  /** ISO 8601 of the read. */
  generatedAt: string;
  /** São Paulo's date the day's figures are for. */
  day: string;
  totals: {
    paid: Money;
    failed: Money;
    rejected: Money;
    parked: Money;
    inProgress: Money;
    held: Money;
    approvals: Money;
  };
  accounts: AccountDay[];
  attention: {
    parked: { total: number; items: AttentionPayment[] };
    failed: { total: number; items: AttentionPayment[] };
    approvals: { total: number; items: (AttentionPayment & { deadline: string; minutesLeft: number })[] };
    held: {
      account: string;
      since: string;
      reason: string;
      payments: number;
      amount: string;
      checks: number;
      nextCheckAt: string;
    }[];
    findings: { total: number; byKind: Partial<Record<RowKind, number>>; finishedAt?: string; complete?: boolean };
  };
  fleet: {
    workersAlive: number;
    certificateDaysLeft: number | null;
    receiver: { running: boolean; flowing: boolean };
    /** Calls a minute over the last ~5 minutes, against the least limit among live workers (null: none live). */
    sends: { perMinute: number; limitPerMinute: number | null };
    statusQueries: { perMinute: number; limitPerMinute: number | null };
    lastHour: { rateLimited: number; tokenRequests: number; tokenFailures: number; bankCallFailures: number };
    queue: { waiting: number; active: number; delayed: number; completed: number; failed: number };
  };
  charts: {
    /** Epoch seconds of each minute shown, oldest first. */
    minutes: number[];
    outcomes: Record<ChartOutcome, number[]>;
    /** Upper bound (ms) of the bucket holding the minute's p95; null: no call that minute; -1: beyond the last bound. */
    bankLatencyP95Ms: (number | null)[];
    enqueueToPaidP95Ms: (number | null)[];
  };
}

export const ATTENTION_ITEMS = 20;
export const CHART_MINUTES = 180;

const money = (count: number, cents: number): Money => ({ count, cents, text: formatBrl(cents) });
const zero = (): Money => money(0, 0);
const add = (a: Money, count: number, cents: number): Money => money(a.count + count, a.cents + cents);
const int = (v: string | null | undefined): number => {
  const n = Number(v ?? 0);
  return Number.isSafeInteger(n) ? n : 0;
};

export function createOverviewReader(o: { redis: RedisClient; redisPrefix: string; queueName: string; queue: Queue }) {
  const { redis, redisPrefix, queueName } = o;
  const holds = createAccountHolds(redis, redisPrefix, queueName);
  const approvals = createApprovals(redis, redisPrefix, queueName);
  const callbacks = createCallbackStore(redis, redisPrefix, queueName);

  /** The newest entries of a list whose record still says `outcome` (a resolve or retry may have moved one since). */
  async function attention(list: ListName, outcome: string): Promise<{ total: number; items: AttentionPayment[] }> {
    const key = listKey(redisPrefix, queueName, list);
    const [total, members] = await Promise.all([
      redis.zcard(key),
      redis.zrevrange(key, 0, ATTENTION_ITEMS - 1, "WITHSCORES"),
    ]);
    const ids: { paymentId: string; at: number }[] = [];
    for (let i = 0; i + 1 < members.length; i += 2)
      ids.push({ paymentId: members[i] ?? "", at: Number(members[i + 1]) });
    const p = redis.pipeline();
    for (const { paymentId } of ids)
      p.hmget(
        paymentRecordKey(redisPrefix, queueName, paymentId),
        "outcome",
        "account",
        "amountCents",
        "codigoSolicitacao",
      );
    const rows = (await p.exec()) ?? [];
    const items: AttentionPayment[] = [];
    ids.forEach(({ paymentId, at }, i) => {
      const [err, fields] = rows[i] ?? [null, []];
      if (err) throw err;
      const [recorded, account, cents, codigo] = fields as (string | null)[];
      if (recorded !== outcome) return;
      items.push({
        paymentId,
        account: account ?? "",
        amount: formatBrl(int(cents)),
        at: new Date(at).toISOString(),
        ...(codigo ? { codigoSolicitacao: codigo } : {}),
      });
    });
    return { total, items };
  }

  async function charts(now: number): Promise<Overview["charts"]> {
    const last = Math.floor(now / 60_000); // the minute under way included: the charts move as payments end
    const first = last - CHART_MINUTES + 1;
    const hours: number[] = [];
    for (let h = hourOf(first * 60_000); h <= hourOf(last * 60_000); h++) hours.push(h);
    const p = redis.pipeline();
    for (const h of hours) p.hgetall(hourStatsKey(redisPrefix, queueName, h));
    const answers = (await p.exec()) ?? [];
    const byHour = new Map<number, Record<string, string>>();
    hours.forEach((h, i) => {
      const [err, value] = answers[i] ?? [null, {}];
      if (err) throw err;
      byHour.set(h, value as Record<string, string>);
    });
    const minutes: number[] = [];
    const outcomes = Object.fromEntries(CHART_OUTCOMES.map((c) => [c, [] as number[]])) as Record<
      ChartOutcome,
      number[]
    >;
    const latency: (number | null)[] = [];
    const enqueueToPaid: (number | null)[] = [];
    const p95 = (fields: Record<string, string>, prefix: string, bounds: readonly number[]): number | null => {
      const counts = Array.from({ length: bounds.length + 1 }, (_, b) => int(fields[`${prefix}|${String(b)}`]));
      const q = quantileOf(counts, bounds, 0.95);
      return q === undefined ? null : Number.isFinite(q) ? q : -1;
    };
    for (let m = first; m <= last; m++) {
      const fields = byHour.get(hourOf(m * 60_000)) ?? {};
      const minute = String(m % 60);
      minutes.push(m * 60);
      for (const c of CHART_OUTCOMES) outcomes[c].push(int(fields[`o|${c}|${minute}`]));
      latency.push(p95(fields, `lat|${minute}`, LATENCY_BOUNDS_MS));
      enqueueToPaid.push(p95(fields, `e2p|${minute}`, ENQUEUE_TO_PAID_BOUNDS_MS));
    }
    return { minutes, outcomes, bankLatencyP95Ms: latency, enqueueToPaidP95Ms: enqueueToPaid };
  }

  /** Sums of fields over the last `count` minutes, the one under way included, read from the hour hashes. */
  async function recentSums(now: number, count: number, fields: (minute: string) => string[]): Promise<number[]> {
    const last = Math.floor(now / 60_000);
    const sums: number[] = [];
    const p = redis.pipeline();
    for (let m = last - count + 1; m <= last; m++)
      p.hmget(hourStatsKey(redisPrefix, queueName, hourOf(m * 60_000)), ...fields(String(m % 60)));
    const answers = (await p.exec()) ?? [];
    for (const [err, values] of answers) {
      if (err) throw err;
      (values as (string | null)[]).forEach((v, j) => {
        sums[j] = (sums[j] ?? 0) + int(v);
      });
    }
    return sums;
  }

  return {
    async read(now: number): Promise<Overview> {
      const day = saoPauloToday(now);
      const [
        dayFields,
        openFields,
        held,
        approvalList,
        approvalTotals,
        parked,
        failed,
        status,
        workers,
        receiver,
        counts,
        chartData,
        recent,
        lastHour,
      ] = await Promise.all([
        redis.hgetall(dayStatsKey(redisPrefix, queueName, day)),
        redis.hgetall(openTotalsKey(redisPrefix, queueName)),
        holds.list(),
        approvals.list(ATTENTION_ITEMS),
        approvals.totals(),
        attention("parked", "needs-reconciliation"),
        attention("failed", "failed"),
        reconciliationStatus(redis, redisPrefix, queueName),
        liveWorkers(redis, redisPrefix, queueName),
        callbacks.health(),
        o.queue.getJobCounts("waiting", "prioritized", "active", "delayed", "completed", "failed"),
        charts(now),
        recentSums(now, 5, (m) => [`call|send-pix|${m}`, `call|get-pix|${m}`]),
        recentSums(now, 60, (m) => [
          `429|${m}`,
          `call|token|${m}`,
          `err|token|${m}`,
          `err|send-pix|${m}`,
          `err|get-pix|${m}`,
        ]),
      ]);
      // 4 whole minutes and the part of this one gone by: a rate over the last ~5 minutes.
      const recentMinutes = 4 + Math.max(1, now % 60_000) / 60_000;
      const accounts = new Map<string, AccountDay>();
      const of = (account: string): AccountDay => {
        let a = accounts.get(account);
        if (!a) {
          a = { account, paid: zero(), failed: zero(), rejected: zero(), parked: zero(), inProgress: zero() };
          accounts.set(account, a);
        }
        return a;
      };
      const field = { paid: "paid", failed: "failed", rejected: "rejected", "needs-reconciliation": "parked" } as const;
      for (const [name, value] of Object.entries(dayFields)) {
        const [outcome, what, account] = name.split("|");
        if (what !== "n" || outcome === undefined || account === undefined || !(outcome in field)) continue;
        const slot = field[outcome as keyof typeof field];
        const a = of(account);
        a[slot] = add(a[slot], int(value), int(dayFields[`${outcome}|c|${account}`]));
      }
      for (const [name, value] of Object.entries(openFields)) {
        const [what, account] = name.split("|");
        if (what !== "n" || account === undefined) continue;
        const a = of(account);
        a.inProgress = add(a.inProgress, int(value), int(openFields[`c|${account}`]));
      }
      const list = [...accounts.values()].sort((a, b) => a.account.localeCompare(b.account));
      const total = (slot: keyof Omit<AccountDay, "account">): Money =>
        list.reduce((sum, a) => add(sum, a[slot].count, a[slot].cents), zero());
      const limits = workers.map((w) => w.limits).filter((l) => l !== undefined);
      const least = (pick: (l: { sendPerMinute: number; statusPerMinute: number }) => number): number | null =>
        limits.length === 0 ? null : Math.min(...limits.map(pick));
      const earliest = workers.map((w) => w.certificateValidTo).sort()[0];
      const latest = status.latest;
      return {
        generatedAt: new Date(now).toISOString(),
        day,
        totals: {
          paid: total("paid"),
          failed: total("failed"),
          rejected: total("rejected"),
          parked: total("parked"),
          inProgress: total("inProgress"),
          held: held.reduce((sum, h) => add(sum, h.heldPayments, h.heldCents), zero()),
          approvals: money(approvalTotals.count, approvalTotals.cents),
        },
        accounts: list,
        attention: {
          parked,
          failed,
          approvals: {
            total: approvalTotals.count,
            items: approvalList.map((a) => ({
              paymentId: a.paymentId,
              account: a.account ?? DEFAULT_ACCOUNT_KEY,
              amount: formatBrl(a.amountCents),
              at: new Date(a.since).toISOString(),
              deadline: new Date(a.deadline).toISOString(),
              minutesLeft: Math.floor((a.deadline - now) / 60_000),
              ...(a.codigoSolicitacao === undefined ? {} : { codigoSolicitacao: a.codigoSolicitacao }),
            })),
          },
          held: held.map((h) => ({
            account: h.account,
            since: new Date(h.since).toISOString(),
            reason: scrubText(h.reason),
            payments: h.heldPayments,
            amount: formatBrl(h.heldCents),
            checks: h.checks,
            nextCheckAt: new Date(h.nextCheckAt).toISOString(),
          })),
          findings:
            latest === undefined
              ? { total: 0, byKind: {} }
              : {
                  total: latest.findings,
                  byKind: Object.fromEntries(
                    Object.entries(latest.byKind).filter(([k]) => FINDING_KINDS.has(k as RowKind)),
                  ),
                  finishedAt: latest.finishedAt,
                  complete: latest.complete,
                },
        },
        fleet: {
          workersAlive: workers.length,
          certificateDaysLeft: earliest === undefined ? null : daysLeft(earliest, now),
          receiver,
          sends: { perMinute: (recent[0] ?? 0) / recentMinutes, limitPerMinute: least((l) => l.sendPerMinute) },
          statusQueries: {
            perMinute: (recent[1] ?? 0) / recentMinutes,
            limitPerMinute: least((l) => l.statusPerMinute),
          },
          lastHour: {
            rateLimited: lastHour[0] ?? 0,
            tokenRequests: lastHour[1] ?? 0,
            tokenFailures: lastHour[2] ?? 0,
            bankCallFailures: (lastHour[3] ?? 0) + (lastHour[4] ?? 0),
          },
          queue: {
            waiting: (counts["waiting"] ?? 0) + (counts["prioritized"] ?? 0),
            active: counts["active"] ?? 0,
            delayed: counts["delayed"] ?? 0,
            completed: counts["completed"] ?? 0,
            failed: counts["failed"] ?? 0,
          },
        },
        charts: chartData,
      };
    },
  };
}

export type OverviewReader = ReturnType<typeof createOverviewReader>;
