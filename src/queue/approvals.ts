// Payments waiting for a human approval in Inter's internet banking (AGUARDANDO_APROVACAO), listed so that
// someone approves them before they expire (`pixout approvals`, the dashboard, a metric of the amount
// waiting). The worker writes an entry when a status query finds a payment awaiting approval and removes
// it when the payment moves on or ends; best effort — a lost write only makes the list stale until the
// payment's next poll. Identifiers and amounts only. Under the queue's hash tag.
import type { RedisClient } from "../redis/connections.js";
import { formatCents } from "../payments/money.js";
import { bullPrefix } from "./names.js";

export interface AwaitingApproval {
  paymentId: string;
  amountCents: number;
  /** Epoch ms: when the worker first saw the payment awaiting approval. */
  since: number;
  /** Epoch ms: when pixout stops waiting and parks it (PIXOUT_APPROVAL_DEADLINE_MINUTES). */
  deadline: number;
  codigoSolicitacao?: string;
  account?: string;
}

export interface Approvals {
  awaiting(entry: AwaitingApproval): Promise<void>;
  done(paymentId: string): Promise<void>;
  /** Oldest first. */
  list(limit?: number): Promise<AwaitingApproval[]>;
  /** How many, and their total. */
  totals(): Promise<{ count: number; cents: number }>;
}

export function approvalKeys(redisPrefix: string, queueName: string): { since: string; entries: string } {
  const base = `${bullPrefix(redisPrefix)}:${queueName}`;
  return { since: `${base}:approvals`, entries: `${base}:approval-entries` };
}

function parse(paymentId: string, text: string | null): AwaitingApproval | undefined {
  if (text === null) return undefined;
  try {
    const v = JSON.parse(text) as Partial<AwaitingApproval>;
    if (typeof v.amountCents !== "number" || typeof v.since !== "number" || typeof v.deadline !== "number")
      return undefined;
    return {
      paymentId,
      amountCents: v.amountCents,
      since: v.since,
      deadline: v.deadline,
      ...(typeof v.codigoSolicitacao === "string" ? { codigoSolicitacao: v.codigoSolicitacao } : {}),
      ...(typeof v.account === "string" ? { account: v.account } : {}),
    };
  } catch {
    return undefined;
  }
}

export function createApprovals(redis: RedisClient, redisPrefix: string, queueName: string): Approvals {
  const k = approvalKeys(redisPrefix, queueName);
  return {
    async awaiting(entry) {
      const { paymentId, ...rest } = entry;
      await redis
        .multi()
        .zadd(k.since, "NX", entry.since, paymentId)
        .hset(k.entries, paymentId, JSON.stringify(rest))
        .exec();
    },
    async done(paymentId) {
      await redis.multi().zrem(k.since, paymentId).hdel(k.entries, paymentId).exec();
    },
    async list(limit = 1_000) {
      const ids = await redis.zrange(k.since, 0, limit - 1);
      if (ids.length === 0) return [];
      const texts = await redis.hmget(k.entries, ...ids);
      return ids.map((id, i) => parse(id, texts[i] ?? null)).filter((e): e is AwaitingApproval => e !== undefined);
    },
    async totals() {
      const all = await redis.hgetall(k.entries);
      let cents = 0;
      let count = 0;
      for (const [id, text] of Object.entries(all)) {
        const e = parse(id, text);
        if (e === undefined) continue;
        count += 1;
        cents += e.amountCents;
      }
      return { count, cents };
    },
  };
}

/** An entry as `pixout approvals --json` and the dashboard's GET /api/approvals show it. */
export interface ApprovalRow {
  paymentId: string;
  amount: string;
  since: string;
  deadline: string;
  codigoSolicitacao: string | null;
  account: string | null;
}

export function approvalRow(a: AwaitingApproval): ApprovalRow {
  return {
    paymentId: a.paymentId,
    amount: formatCents(a.amountCents),
    since: new Date(a.since).toISOString(),
    deadline: new Date(a.deadline).toISOString(),
    codigoSolicitacao: a.codigoSolicitacao ?? null,
    account: a.account ?? null,
  };
}
