// The fleet's holds of paying accounts short of money (docs/operating/balance.md), in Redis so that every worker
// sees them: while an account is held, no payment from it is sent; each waits in BullMQ's delayed set,
// listed here with its amount, until the hold is lifted (the balance covers the oldest held payment, or an
// operator resumes it). Every key is under the queue's hash tag: one Redis Cluster slot.
//
// A payment joins a hold in the same Lua step that finds it (no resume can fall between the check and the
// join), noting which hold it joined. A resume removes the hold in one step, wakes the payments listed, and
// only then takes them off the list: a process that dies in between (a worker killed mid-resume) leaves them
// listed under no hold, and the next balance check of any worker finishes waking them (`stragglers`). A
// payment that joined as the hold was being lifted (it was not delayed yet when the resume woke the others)
// finds the hold gone or replaced right after it sleeps, and wakes itself (see the processor's wait).
import { randomUUID } from "node:crypto";
import type { RedisClient } from "../redis/connections.js";
import { bullPrefix } from "./names.js";

export interface AccountHold {
  account: string;
  /** A new id for each hold of the account: a payment that joined another hold knows it was lifted. */
  id: string;
  /** Epoch ms. */
  since: number;
  reason: string;
  /** `bank`: the bank ended a payment for insufficient balance; `guard`: the balance guard's estimate. */
  source: "bank" | "guard";
  /** Balance checks that found too little, and when the next is due (epoch ms). */
  checks: number;
  nextCheckAt: number;
  /** The last balance read while held (centavos available to pay with), and when. */
  lastSpendableCents?: number;
  lastCheckAt?: number;
  lastCheckError?: string;
  /** Payments waiting, their total, and the oldest one's amount (what a resume needs at least). */
  heldPayments: number;
  heldCents: number;
  oldestCents?: number;
}

export type Joined =
  { held: false } | { held: true; id: string; created: boolean; source: "bank" | "guard" } | { lost: true };

/** The run that asks: only a run that still holds its job's lock may join or make a hold (a stale run writes nothing). */
export interface HoldFence {
  jobId: string;
  token: string;
}

export interface AccountHolds {
  /**
   * Before a send: if the account is held, the payment joins the hold (idempotent) and must wait; else
   * nothing is written.
   */
  check(account: string, paymentId: string, cents: number, now: number, fence: HoldFence): Promise<Joined>;
  /** Holds the account (unless already held) and adds the payment to it. `created`: this call made the hold. */
  hold(
    account: string,
    paymentId: string,
    cents: number,
    now: number,
    why: { reason: string; source: "bank" | "guard"; firstCheckAt: number },
    fence: HoldFence,
  ): Promise<Joined>;
  /** A payment that stops waiting (it is sent, or ends) leaves the list; the hold stays. */
  leave(account: string, paymentId: string): Promise<void>;
  /**
   * Lifts the hold (only the hold `id` when given: a check that read the balance of an earlier hold lifts
   * nothing). Returns the payments that were waiting — still listed until `woken` —, or undefined when there
   * was nothing to lift.
   */
  resume(account: string, id?: string): Promise<{ hold: AccountHold; paymentIds: string[] } | undefined>;
  /** After a resume woke them: takes off the list the payments that did not join a newer hold since. */
  woken(account: string, paymentIds: readonly string[]): Promise<void>;
  /** Payments listed under no hold (a resume that did not finish waking them), per account. */
  stragglers(): Promise<{ account: string; paymentIds: string[] }[]>;
  /** The current hold's id, if the account is held. */
  currentId(account: string): Promise<string | undefined>;
  /** Every held account, with its payments' figures. */
  list(): Promise<AccountHold[]>;
  read(account: string): Promise<AccountHold | undefined>;
  /** One process checks a held account's balance at a time: true when this caller may check it now. */
  takeCheck(account: string, ms: number): Promise<boolean>;
  releaseCheck(account: string): Promise<void>;
  /** After a check that found too little (or failed): when to look next. */
  checked(
    account: string,
    id: string,
    result: { at: number; nextCheckAt: number; spendableCents?: number; error?: string },
  ): Promise<void>;
}

// KEYS: hold hash, held zset, amounts hash, accounts set, the job's lock, joined hash (paymentId → hold id).
// ARGV: mode ('check' | 'hold'), paymentId, cents, now, new id, reason, source, first check at, account, the
// run's lock token.
const JOIN = `
if redis.call('GET', KEYS[5]) ~= ARGV[10] then return {-1} end
local created = 0
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[1] == 'check' then return {0} end
  redis.call('HSET', KEYS[1], 'id', ARGV[5], 'since', ARGV[4], 'reason', ARGV[6], 'source', ARGV[7], 'checks', '0', 'nextCheckAt', ARGV[8])
  redis.call('SADD', KEYS[4], ARGV[9])
  created = 1
end
local id = redis.call('HGET', KEYS[1], 'id')
redis.call('ZADD', KEYS[2], 'NX', ARGV[4], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[6], ARGV[2], id)
return {1, id, created, redis.call('HGET', KEYS[1], 'source')}`;

// KEYS: hold hash, held zset. ARGV: expected id ('' = any). The list stays until `woken`.
const RESUME = `
local id = redis.call('HGET', KEYS[1], 'id')
if not id then return {} end
if ARGV[1] ~= '' and id ~= ARGV[1] then return {} end
local hold = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return {hold, redis.call('ZRANGE', KEYS[2], 0, -1)}`;

// KEYS: hold hash, held zset, amounts hash, accounts set, joined hash. ARGV: account, then paymentIds. A
// payment that joined the current hold (a newer one) stays listed under it.
const WOKEN = `
local current = redis.call('HGET', KEYS[1], 'id')
for i = 2, #ARGV do
  local m = ARGV[i]
  if (not current) or redis.call('HGET', KEYS[5], m) ~= current then
    redis.call('ZREM', KEYS[2], m)
    redis.call('HDEL', KEYS[3], m)
    redis.call('HDEL', KEYS[5], m)
  end
end
if (not current) and redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('SREM', KEYS[4], ARGV[1])
  redis.call('DEL', KEYS[3], KEYS[5])
end
return 1`;

// KEYS: hold hash. ARGV: id, then field/value pairs.
const CHECKED = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
redis.call('HINCRBY', KEYS[1], 'checks', 1)
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1`;

type Script = (...args: string[]) => Promise<unknown>;

export function accountHoldKeys(
  redisPrefix: string,
  queueName: string,
  account: string,
): { hold: string; held: string; amounts: string; accounts: string; joined: string } {
  const base = `${bullPrefix(redisPrefix)}:${queueName}`;
  return {
    hold: `${base}:hold:${account}`,
    held: `${base}:held:${account}`,
    amounts: `${base}:held-amounts:${account}`,
    accounts: `${base}:held-accounts`,
    joined: `${base}:held-joined:${account}`,
  };
}

/** BullMQ's lock key of a job of the queue (the same slot as the holds: the queue's hash tag). */
function lockKey(redisPrefix: string, queueName: string, jobId: string): string {
  return `${bullPrefix(redisPrefix)}:${queueName}:${jobId}:lock`;
}

function fields(flat: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(flat)) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

function num(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

export function createAccountHolds(redis: RedisClient, redisPrefix: string, queueName: string): AccountHolds {
  if (!("pixoutHoldJoin" in redis)) {
    redis.defineCommand("pixoutHoldJoin", { numberOfKeys: 6, lua: JOIN });
    redis.defineCommand("pixoutHoldResume", { numberOfKeys: 2, lua: RESUME });
    redis.defineCommand("pixoutHoldWoken", { numberOfKeys: 5, lua: WOKEN });
    redis.defineCommand("pixoutHoldChecked", { numberOfKeys: 1, lua: CHECKED });
  }
  const r = redis as unknown as {
    pixoutHoldJoin: Script;
    pixoutHoldResume: Script;
    pixoutHoldWoken: Script;
    pixoutHoldChecked: Script;
  };
  const keys = (account: string): ReturnType<typeof accountHoldKeys> =>
    accountHoldKeys(redisPrefix, queueName, account);

  async function join(
    mode: "check" | "hold",
    account: string,
    paymentId: string,
    cents: number,
    now: number,
    fence: HoldFence,
    why?: { reason: string; source: string; firstCheckAt: number },
  ): Promise<Joined> {
    const k = keys(account);
    const answer = (await r.pixoutHoldJoin.call(
      redis,
      k.hold,
      k.held,
      k.amounts,
      k.accounts,
      lockKey(redisPrefix, queueName, fence.jobId),
      k.joined,
      mode,
      paymentId,
      String(cents),
      String(now),
      randomUUID(),
      why?.reason ?? "",
      why?.source ?? "",
      String(why?.firstCheckAt ?? now),
      account,
      fence.token,
    )) as [number, string?, number?, string?];
    if (answer[0] === -1) return { lost: true };
    if (answer[0] !== 1) return { held: false };
    return {
      held: true,
      id: answer[1] ?? "",
      created: answer[2] === 1,
      source: answer[3] === "guard" ? "guard" : "bank",
    };
  }

  async function read(account: string): Promise<AccountHold | undefined> {
    const k = keys(account);
    const [hold, count, amounts, oldest] = await Promise.all([
      redis.hgetall(k.hold),
      redis.zcard(k.held),
      redis.hvals(k.amounts),
      redis.zrange(k.held, 0, 0),
    ]);
    if (hold["id"] === undefined) return undefined;
    const first = oldest[0];
    const oldestCents = first === undefined ? undefined : num((await redis.hget(k.amounts, first)) ?? undefined);
    return holdOf(
      account,
      hold,
      count,
      amounts.reduce((sum, a) => sum + (num(a) ?? 0), 0),
      oldestCents,
    );
  }

  return {
    check: (account, paymentId, cents, now, fence) => join("check", account, paymentId, cents, now, fence),
    hold: (account, paymentId, cents, now, why, fence) => join("hold", account, paymentId, cents, now, fence, why),
    async leave(account, paymentId) {
      const k = keys(account);
      await redis.multi().zrem(k.held, paymentId).hdel(k.amounts, paymentId).hdel(k.joined, paymentId).exec();
    },
    async resume(account, id) {
      const k = keys(account);
      const answer = (await r.pixoutHoldResume.call(redis, k.hold, k.held, id ?? "")) as unknown[];
      if (answer.length === 0) return undefined;
      const paymentIds = (answer[1] as string[] | undefined) ?? [];
      return { hold: holdOf(account, fields(answer[0]), paymentIds.length, 0, undefined), paymentIds };
    },
    async woken(account, paymentIds) {
      const k = keys(account);
      // In slices: one script call must not hold Redis for long, however many payments waited.
      for (let i = 0; i === 0 || i < paymentIds.length; i += 500) {
        await r.pixoutHoldWoken.call(
          redis,
          k.hold,
          k.held,
          k.amounts,
          k.accounts,
          k.joined,
          account,
          ...paymentIds.slice(i, i + 500),
        );
      }
    },
    async stragglers() {
      const accounts = (await redis.smembers(accountHoldKeys(redisPrefix, queueName, "").accounts)).sort();
      const out: { account: string; paymentIds: string[] }[] = [];
      for (const account of accounts) {
        const k = keys(account);
        if ((await redis.exists(k.hold)) === 1) continue;
        out.push({ account, paymentIds: await redis.zrange(k.held, 0, -1) });
      }
      return out;
    },
    async currentId(account) {
      return (await redis.hget(keys(account).hold, "id")) ?? undefined;
    },
    async list() {
      const accounts = (await redis.smembers(accountHoldKeys(redisPrefix, queueName, "").accounts)).sort();
      const holds = await Promise.all(accounts.map((a) => read(a)));
      return holds.filter((h): h is AccountHold => h !== undefined);
    },
    read,
    async takeCheck(account, ms) {
      return (await redis.set(`${keys(account).hold}:check-lock`, "1", "PX", ms, "NX")) === "OK";
    },
    async releaseCheck(account) {
      await redis.del(`${keys(account).hold}:check-lock`);
    },
    async checked(account, id, result) {
      const pairs = [
        "lastCheckAt",
        String(result.at),
        "nextCheckAt",
        String(result.nextCheckAt),
        "lastSpendableCents",
        result.spendableCents === undefined ? "" : String(result.spendableCents),
        "lastCheckError",
        result.error ?? "",
      ];
      await r.pixoutHoldChecked.call(redis, keys(account).hold, id, ...pairs);
    },
  };
}

function holdOf(
  account: string,
  h: Record<string, string>,
  heldPayments: number,
  heldCents: number,
  oldestCents: number | undefined,
): AccountHold {
  const lastSpendableCents = num(h["lastSpendableCents"]);
  const lastCheckAt = num(h["lastCheckAt"]);
  const lastCheckError = h["lastCheckError"];
  return {
    account,
    id: h["id"] ?? "",
    since: num(h["since"]) ?? 0,
    reason: h["reason"] ?? "",
    source: h["source"] === "guard" ? "guard" : "bank",
    checks: num(h["checks"]) ?? 0,
    nextCheckAt: num(h["nextCheckAt"]) ?? 0,
    ...(lastSpendableCents === undefined ? {} : { lastSpendableCents }),
    ...(lastCheckAt === undefined ? {} : { lastCheckAt }),
    ...(lastCheckError === undefined || lastCheckError === "" ? {} : { lastCheckError }),
    heldPayments,
    heldCents,
    ...(oldestCents === undefined ? {} : { oldestCents }),
  };
}
