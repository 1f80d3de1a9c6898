// What the dashboard shows of the fleet's balance holds and of the payments awaiting approval in Inter's
// internet banking (docs/operating/balance.md): read from Redis for each page and API call, the same facts as
// `pixout balance` and `pixout approvals`. A read never throws: a page about payments must still render
// when these keys cannot be read, and then says so.
import type { RedisClient } from "../../redis/connections.js";
import type { Logger } from "../../logger.js";
import { formatCents } from "../../payments/money.js";
import { createAccountHolds, type AccountHold, type AccountHolds } from "../../queue/account-holds.js";
import { createApprovals, type Approvals, type AwaitingApproval } from "../../queue/approvals.js";
import { scrubText } from "./personal-data.js";

export type HoldsRead = { ok: true; holds: AccountHold[] } | { ok: false };
export type ApprovalsRead = { ok: true; entries: AwaitingApproval[]; count: number; cents: number } | { ok: false };

export interface BalanceFacts {
  holds: HoldsRead;
  approvals: ApprovalsRead;
  /** Epoch ms of the read: the deadlines shown near are near this moment. */
  now: number;
}

/** Approvals listed on a page (the oldest, whose deadlines come first); the total counts them all. */
export const PAGE_APPROVALS = 100;

export interface BalanceReader {
  holds: AccountHolds;
  approvals: Approvals;
  /** Both, each on its own: one failing leaves the other shown. */
  read(): Promise<BalanceFacts>;
}

/** Facts for a page served while Redis is away: nothing could be read. */
export function unreadFacts(now: number): BalanceFacts {
  return { holds: { ok: false }, approvals: { ok: false }, now };
}

export function createBalanceReader(o: {
  redis: RedisClient;
  redisPrefix: string;
  queueName: string;
  logger: Logger;
}): BalanceReader {
  const holds = createAccountHolds(o.redis, o.redisPrefix, o.queueName);
  const approvals = createApprovals(o.redis, o.redisPrefix, o.queueName);
  const failed = (what: string) => (err: unknown) => {
    o.logger.warn(
      { err: err instanceof Error ? scrubText(err.message).slice(0, 300) : "non-Error thrown" },
      `could not read ${what} for the dashboard`,
    );
    return { ok: false } as const;
  };
  return {
    holds,
    approvals,
    async read() {
      const now = Date.now();
      const [h, a] = await Promise.all([
        holds
          .list()
          .then((list): HoldsRead => ({ ok: true, holds: list }), failed("the accounts held for insufficient balance")),
        Promise.all([approvals.list(PAGE_APPROVALS), approvals.totals()]).then(
          ([entries, totals]): ApprovalsRead => ({ ok: true, entries, ...totals }),
          failed("the payments awaiting approval"),
        ),
      ]);
      return { holds: h, approvals: a, now };
    },
  };
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
const money = (cents: number | undefined): string | null => (cents === undefined ? null : formatCents(cents));

/** A held account as GET /api/accounts/held answers it (the fields of `pixout balance --json`'s hold). */
export function heldAccountJson(h: AccountHold): Record<string, string | number | null> {
  return {
    account: h.account,
    since: iso(h.since),
    // Written by the workers from the bank's answers: scrubbed like every bank text the dashboard shows.
    reason: scrubText(h.reason),
    source: h.source,
    heldPayments: h.heldPayments,
    heldAmount: formatCents(h.heldCents),
    oldestAmount: money(h.oldestCents),
    checks: h.checks,
    nextCheckAt: iso(h.nextCheckAt),
    lastCheckAt: iso(h.lastCheckAt),
    lastSpendable: money(h.lastSpendableCents),
    lastCheckError: h.lastCheckError === undefined ? null : scrubText(h.lastCheckError),
  };
}
