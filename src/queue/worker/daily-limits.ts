// Fleet-wide safety limits enforced by every worker right before a send: the allow-list of
// recipients (pure, src/payments/safety-limits.ts) and the daily total per paying account, counted in
// Redis so that the whole fleet shares it.
//
// The daily counter is one Lua script, atomic in Redis, per bucket (paying account) and São Paulo day:
// - reserve: a payment+generation already held is admitted again without counting (a resend under the
//   same key: the bank pays it once); otherwise, when total + amount ≤ limit, INCRBY the total and
//   record the reservation in a hash field — else refuse, counting nothing. Both keys expire after 2 days.
// - release: a send refused in a way that proves nothing was executed gives its reservation back
//   (HDEL + DECRBY, once). An ambiguous send keeps it: it may have executed.
// The day is the one of the generation's first send (state.firstSendAt), so a resend after midnight finds
// its reservation on the day it was made.
import type { RedisClient } from "../../redis/connections.js";
import { saoPauloToday } from "../../payments/calendar.js";
import { formatCents, parseAmount } from "../../payments/money.js";
import type { Payment } from "../../payments/payment.js";
import {
  DEFAULT_BUCKET,
  allowlistBlock,
  dailyLimitFor,
  hasDailyLimits,
  limitBucket,
  type SafetyLimitSettings,
} from "../../payments/safety-limits.js";

// KEYS: total (centavos), held (hash: payment:generation → centavos). ARGV: mode, member, cents, limit
// (-1 = none), ttl seconds. Answers {admitted (1/0, release: 1/0 released), total}.
const DAILY = `
local mode = ARGV[1]
if mode == 'release' then
  local held = redis.call('HGET', KEYS[2], ARGV[2])
  if not held then return {0, tonumber(redis.call('GET', KEYS[1]) or '0')} end
  redis.call('HDEL', KEYS[2], ARGV[2])
  return {1, redis.call('DECRBY', KEYS[1], held)}
end
local total = tonumber(redis.call('GET', KEYS[1]) or '0')
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return {1, total} end
local cents = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
if limit >= 0 and total + cents > limit then return {0, total} end
total = redis.call('INCRBY', KEYS[1], cents)
redis.call('HSET', KEYS[2], ARGV[2], cents)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[5]))
return {1, total}`;

const TTL_SECONDS = 2 * 24 * 60 * 60;

type DailyCommand = (
  total: string,
  held: string,
  mode: string,
  member: string,
  cents: string,
  limit: string,
  ttl: string,
) => Promise<[number, number]>;

export interface SendFacts {
  payment: Payment;
  generation: number;
  /** When this generation was first sent (epoch ms): its São Paulo day is the day it counts in. */
  firstSendAt: number;
  /** A send of it may already have executed: it is counted (once) but never blocked. */
  maybeExecuted: boolean;
}

export type Admission = { ok: true } | { ok: false; reason: string };

export interface SafetyLimits {
  /** Checks the allow-list and reserves the amount in the day's total; a refusal says why. */
  admit(facts: SendFacts): Promise<Admission>;
  /** Gives the reservation back: the send was refused and nothing was executed. */
  release(facts: SendFacts): Promise<void>;
}

export interface DailyLimitKeys {
  total: string;
  held: string;
}

/** The Redis keys of a bucket's day (one hash slot per bucket). */
export function dailyLimitKeys(prefix: string, bucket: string, day: string): DailyLimitKeys {
  const total = `${prefix}:daily-limit:{${bucket}}:${day}`;
  return { total, held: `${total}:held` };
}

/** Reads a bucket's total of a day, in centavos (for operators and tests). */
export async function dailyTotal(redis: RedisClient, prefix: string, bucket: string, day: string): Promise<number> {
  return Number((await redis.get(dailyLimitKeys(prefix, bucket, day).total)) ?? "0");
}

/** `defaultAccount`: INTER_ACCOUNT, the bucket of payments without `account`. */
export function createSafetyLimits(
  redis: RedisClient,
  prefix: string,
  settings: SafetyLimitSettings,
  defaultAccount?: string,
): SafetyLimits {
  if (!("pixoutDailyLimit" in redis)) redis.defineCommand("pixoutDailyLimit", { numberOfKeys: 2, lua: DAILY });
  const command = (redis as unknown as { pixoutDailyLimit: DailyCommand }).pixoutDailyLimit.bind(redis);
  const counting = hasDailyLimits(settings);
  const where = (f: SendFacts): { keys: DailyLimitKeys; member: string; bucket: string; day: string } => {
    const bucket = limitBucket(f.payment.account, defaultAccount);
    const day = saoPauloToday(f.firstSendAt);
    return {
      keys: dailyLimitKeys(prefix, bucket, day),
      member: `${f.payment.paymentId}:${String(f.generation)}`,
      bucket,
      day,
    };
  };
  return {
    async admit(f) {
      if (!f.maybeExecuted) {
        const blocked = allowlistBlock(settings.allowlist, f.payment.recipient);
        if (blocked !== undefined) return { ok: false, reason: blocked };
      }
      if (!counting) return { ok: true };
      const { keys, member, bucket, day } = where(f);
      const limit = dailyLimitFor(settings, bucket);
      const cents = parseAmount(f.payment.amount);
      const [admitted, total] = await command(
        keys.total,
        keys.held,
        "reserve",
        member,
        String(cents),
        String(f.maybeExecuted || limit === undefined ? -1 : limit),
        String(TTL_SECONDS),
      );
      if (admitted === 1) return { ok: true };
      const account = bucket === DEFAULT_BUCKET ? "the paying account" : `account ${bucket}`;
      return {
        ok: false,
        reason: `blocked before the bank: the daily limit of ${account} (R$ ${formatCents(limit ?? 0)} on ${day}) would be exceeded — R$ ${formatCents(total)} already sent, this payment is R$ ${f.payment.amount}`,
      };
    },
    async release(f) {
      if (!counting) return;
      const { keys, member } = where(f);
      await command(keys.total, keys.held, "release", member, "0", "-1", String(TTL_SECONDS));
    },
  };
}
