// The balance guard (PIXOUT_BALANCE_GUARD=true, docs/operating/balance.md): an estimate, per paying account, of the
// money left to pay with, so that the fleet holds a payment that would not fit instead of sending it for
// the bank to refuse. In Redis, shared by the fleet:
//
//   estimate = the balance last read − the sends reserved and not yet ended − the sends that ended paid
//              after that read
//
// It only ever errs low: a send reserved before the read may already be in the balance read (counted
// twice until it ends), and a payment that ended paid after the read may have been debited before it. A
// send the bank ended unpaid gives its reservation back at once. A reservation is made (idempotently, per
// payment and generation) before the send's budget slot, so many workers cannot all spend the same money.
// A payment parked for reconciliation may have been paid: it counts as paid from its end on.
import type { RedisClient } from "../../redis/connections.js";
import { bullPrefix } from "../names.js";

export type Reservation =
  /** Reserved (or was already): send it. */
  | { kind: "ok" }
  /** No reading younger than the guard's maximum age: read the balance, `refresh`, and ask again. */
  | { kind: "stale" }
  /** The estimate does not cover it (with a recent reading): hold the account. */
  | { kind: "short"; estimateCents: number };

export interface BalanceGuard {
  reserve(account: string, member: string, cents: number, now: number): Promise<Reservation>;
  /** Whether this send (payment and generation) holds a reservation. */
  has(account: string, member: string): Promise<boolean>;
  /** Ends a reservation: `spent` (paid, or maybe paid) counts until the next reading; `unspent` gives it back. */
  release(account: string, member: string, how: "spent" | "unspent", now: number): Promise<void>;
  /** A balance read that was asked at `askedAt`: the new base of the estimate. */
  refresh(account: string, spendableCents: number, askedAt: number): Promise<void>;
  /** The estimate now (undefined before any reading). */
  estimate(account: string): Promise<{ cents: number; readAt: number } | undefined>;
  /** One worker reads an account's balance at a time: true when this caller may read it now. */
  takeRead(account: string, ms: number): Promise<boolean>;
}

/** A reservation older than this is dropped at the next reading: its payment's job was removed unfinished. */
const RESERVATION_MAX_AGE_MS = 24 * 60 * 60_000;

// The estimate's parts. KEYS: reading hash (cents, at), reserved hash (member → "cents:at"), spent zset
// (member:cents → ended at).
const ESTIMATE = `
local function estimate()
  local base = tonumber(redis.call('HGET', KEYS[1], 'cents'))
  if not base then return nil end
  local open = 0
  for _, v in ipairs(redis.call('HVALS', KEYS[2])) do open = open + tonumber(string.match(v, '^(%d+)')) end
  local spent = 0
  for _, m in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do spent = spent + tonumber(string.match(m, ':(%d+)$')) end
  return base - open - spent
end
`;

// ARGV: member, cents, now, max age ms.
const RESERVE = `${ESTIMATE}
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return {'ok'} end
local at = tonumber(redis.call('HGET', KEYS[1], 'at'))
if not at or tonumber(ARGV[3]) - at > tonumber(ARGV[4]) then return {'stale'} end
local left = estimate()
if left < tonumber(ARGV[2]) then return {'short', tostring(left)} end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. ':' .. ARGV[3])
return {'ok'}`;

// ARGV: member, how, now.
const RELEASE = `
local v = redis.call('HGET', KEYS[2], ARGV[1])
if not v then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
if ARGV[2] == 'spent' then redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1] .. ':' .. string.match(v, '^(%d+)')) end
return 1`;

// ARGV: spendable cents, asked at, oldest reservation kept (epoch ms).
const REFRESH = `
local at = tonumber(redis.call('HGET', KEYS[1], 'at'))
if at and at > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'cents', ARGV[1], 'at', ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[2])
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local t = tonumber(string.match(all[i + 1], ':(%d+)$'))
  if t and t < tonumber(ARGV[3]) then redis.call('HDEL', KEYS[2], all[i]) end
end
return 1`;

const READ = `${ESTIMATE}
local left = estimate()
if not left then return {} end
return {tostring(left), redis.call('HGET', KEYS[1], 'at')}`;

type Script = (...args: string[]) => Promise<unknown>;

export function balanceGuardKeys(
  redisPrefix: string,
  queueName: string,
  account: string,
): { reading: string; reserved: string; spent: string; readLock: string } {
  const base = `${bullPrefix(redisPrefix)}:${queueName}:balance`;
  return {
    reading: `${base}:reading:${account}`,
    reserved: `${base}:reserved:${account}`,
    spent: `${base}:spent:${account}`,
    readLock: `${base}:read-lock:${account}`,
  };
}

export function createBalanceGuard(
  redis: RedisClient,
  redisPrefix: string,
  queueName: string,
  maxAgeMs: number,
): BalanceGuard {
  if (!("pixoutGuardReserve" in redis)) {
    redis.defineCommand("pixoutGuardReserve", { numberOfKeys: 3, lua: RESERVE });
    redis.defineCommand("pixoutGuardRelease", { numberOfKeys: 3, lua: RELEASE });
    redis.defineCommand("pixoutGuardRefresh", { numberOfKeys: 3, lua: REFRESH });
    redis.defineCommand("pixoutGuardRead", { numberOfKeys: 3, lua: READ });
  }
  const r = redis as unknown as Record<
    "pixoutGuardReserve" | "pixoutGuardRelease" | "pixoutGuardRefresh" | "pixoutGuardRead",
    Script
  >;
  const keys = (account: string): string[] => {
    const k = balanceGuardKeys(redisPrefix, queueName, account);
    return [k.reading, k.reserved, k.spent];
  };
  return {
    async reserve(account, member, cents, now) {
      const answer = (await r.pixoutGuardReserve.call(
        redis,
        ...keys(account),
        member,
        String(cents),
        String(now),
        String(maxAgeMs),
      )) as string[];
      if (answer[0] === "ok") return { kind: "ok" };
      if (answer[0] === "stale") return { kind: "stale" };
      return { kind: "short", estimateCents: Number(answer[1]) };
    },
    async has(account, member) {
      return (await redis.hexists(balanceGuardKeys(redisPrefix, queueName, account).reserved, member)) === 1;
    },
    async release(account, member, how, now) {
      await r.pixoutGuardRelease.call(redis, ...keys(account), member, how, String(now));
    },
    async refresh(account, spendableCents, askedAt) {
      await r.pixoutGuardRefresh.call(
        redis,
        ...keys(account),
        String(spendableCents),
        String(askedAt),
        String(askedAt - RESERVATION_MAX_AGE_MS),
      );
    },
    async estimate(account) {
      const answer = (await r.pixoutGuardRead.call(redis, ...keys(account))) as string[];
      if (answer.length === 0) return undefined;
      return { cents: Number(answer[0]), readAt: Number(answer[1]) };
    },
    async takeRead(account, ms) {
      return (
        (await redis.set(balanceGuardKeys(redisPrefix, queueName, account).readLock, "1", "PX", ms, "NX")) === "OK"
      );
    },
  };
}
