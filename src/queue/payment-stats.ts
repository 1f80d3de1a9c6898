// The counters and indexes the dashboard's overview and payment list read, kept by the worker in the same
// fenced Lua step that writes a payment's outcome (src/queue/worker/fenced-store.ts) — so they are exact,
// counted once per outcome a payment reaches, and cost no extra round trip. Nothing here scans jobs.
//
//   {p}:stats:<queue>:day:<YYYY-MM-DD>   hash, São Paulo's day of the outcome (kept 35 days):
//                                        `<outcome>|n|<account>` payments, `<outcome>|c|<account>` centavos
//   {p}:stats:<queue>:hour:<epoch hour>  hash (kept 2 days): `o|<outcome>|<minute>` outcomes per minute,
//                                        `e2p|<minute>|<bucket>` enqueue-to-paid times, and what workers
//                                        add every few seconds (src/queue/worker/fleet-stats.ts):
//                                        `call|<operation>|<minute>` and `err|<operation>|<minute>` bank
//                                        calls, `lat|<minute>|<bucket>` send and status latencies,
//                                        `429|<minute>` 429s
//   {p}:list:<queue>:done                sorted set: paymentId by when its latest outcome was written
//                                        (ms), trimmed to the jobs' retention — the payment list's index
//   {p}:list:<queue>:parked / :failed    sorted sets: payments whose latest outcome written by a worker was
//                                        needs-reconciliation / failed (a reader checks the record: a
//                                        resolve or a retry since then moves it off the list)
//   {p}:list:<queue>:open                sorted set: payments sent and not yet concluded, by first send
//   {p}:stats:<queue>:open               hash: `n|<account>` and `c|<account>` of the open set
//
// Accounts are the paying account's number (digits), or "" for the integration's default account. Only
// pixout's own identifiers, accounts and amounts: no personal data.
import { createOffsetLookup, saoPauloToday } from "../payments/calendar.js";
import { ENQUEUE_TO_PAID_BOUNDS_MS } from "../payments/duration-buckets.js";
import { bullPrefix } from "./names.js";

export const DAY_STATS_TTL_SECONDS = 35 * 86_400;
export const HOUR_STATS_TTL_SECONDS = 2 * 86_400;

export function dayStatsKey(redisPrefix: string, queueName: string, isoDate: string): string {
  return `${bullPrefix(redisPrefix)}:stats:${queueName}:day:${isoDate}`;
}

export function hourOf(epochMs: number): number {
  return Math.floor(epochMs / 3_600_000);
}

export function hourStatsKey(redisPrefix: string, queueName: string, epochHour: number): string {
  return `${bullPrefix(redisPrefix)}:stats:${queueName}:hour:${String(epochHour)}`;
}

export type ListName = "done" | "parked" | "failed" | "open";

export function listKey(redisPrefix: string, queueName: string, list: ListName): string {
  return `${bullPrefix(redisPrefix)}:list:${queueName}:${list}`;
}

export function openTotalsKey(redisPrefix: string, queueName: string): string {
  return `${bullPrefix(redisPrefix)}:stats:${queueName}:open`;
}

/** São Paulo's offset, asked of the time-zone database once an hour (every fenced write names its day's key). */
const offsetOf = createOffsetLookup();

/** The stats keys of a write at `nowMs`, in the order STATS_LUA reads them (its KEYS[5..11]). */
export function statsKeys(redisPrefix: string, queueName: string, nowMs: number): string[] {
  return [
    dayStatsKey(redisPrefix, queueName, saoPauloToday(nowMs, offsetOf)),
    hourStatsKey(redisPrefix, queueName, hourOf(nowMs)),
    listKey(redisPrefix, queueName, "done"),
    listKey(redisPrefix, queueName, "parked"),
    listKey(redisPrefix, queueName, "failed"),
    listKey(redisPrefix, queueName, "open"),
    openTotalsKey(redisPrefix, queueName),
  ];
}

export interface StatsWrite {
  paymentId: string;
  account: string;
  amountCents: number;
  outcome: string;
  generation: number;
  nowMs: number;
  /** Entries of the done and failed lists older than this many ms are trimmed. */
  keepMs: number;
}

/** STATS_LUA's arguments (its ARGV[8..17]), in order. */
export function statsArgs(w: StatsWrite | undefined): string[] {
  if (w === undefined) return ["", "", "", "0", "0", "0", "", "", "", ""];
  return [
    w.paymentId,
    String(w.nowMs),
    String(Math.floor(w.nowMs / 60_000) % 60),
    w.account,
    String(w.amountCents),
    String(w.nowMs - w.keepMs),
    w.outcome,
    String(w.generation),
    String(DAY_STATS_TTL_SECONDS),
    String(HOUR_STATS_TTL_SECONDS),
  ];
}

export const STATS_ARG_COUNT = 10;
export const STATS_KEY_COUNT = 7;

/**
 * Run by the fenced write last, after the job's data and the record are written, inside Lua's pcall and
 * with every command through redis.pcall: a counter that cannot be written is skipped, never failing the
 * write (a script's writes before an error are not undone). `prev`: the record before this write (outcome,
 * generation, account, amountCents). The lists always follow the outcome written; the counters count an
 * outcome once — a final write that repeats the record's outcome and generation (a run that wrote it, then
 * lost the reply) counts nothing again. A write without an account or amount (a job refused as unreadable)
 * takes the ones its send recorded. KEYS[2] is the job (its `timestamp`: when it was enqueued).
 */
export const STATS_LUA = `
local safe = redis.pcall
local function pixoutStats(mode, prev)
  local pid, now, minute, acc = ARGV[8], tonumber(ARGV[9]), ARGV[10], ARGV[11]
  local cents, keepFrom, outcome, generation = tonumber(ARGV[12]), ARGV[13], ARGV[14], ARGV[15]
  if acc == '' and prev.account then
    acc, cents = prev.account, tonumber(prev.amountCents) or 0
    safe('HSET', KEYS[4], 'account', acc, 'amountCents', cents)
  end
  -- Taken up again (a retry): off the lists of what needs a human.
  if prev.outcome == 'needs-reconciliation' and outcome ~= 'needs-reconciliation' then safe('ZREM', KEYS[8], pid) end
  if prev.outcome == 'failed' and outcome ~= 'failed' then safe('ZREM', KEYS[9], pid) end
  if mode == 'send' then
    if safe('ZADD', KEYS[10], 'NX', now, pid) == 1 then
      safe('HINCRBY', KEYS[11], 'n|' .. acc, 1)
      safe('HINCRBY', KEYS[11], 'c|' .. acc, cents)
    end
    return
  end
  if mode ~= 'final' then return end
  if safe('ZREM', KEYS[10], pid) == 1 then
    local left = safe('HINCRBY', KEYS[11], 'n|' .. acc, -1)
    if type(left) == 'number' and left <= 0 then
      safe('HDEL', KEYS[11], 'n|' .. acc, 'c|' .. acc)
    else
      safe('HINCRBY', KEYS[11], 'c|' .. acc, -cents)
    end
  end
  safe('ZADD', KEYS[7], now, pid)
  if outcome == 'needs-reconciliation' then safe('ZADD', KEYS[8], now, pid) end
  if outcome == 'failed' then safe('ZADD', KEYS[9], now, pid) end
  if prev.outcome == outcome and prev.generation == generation then return end
  -- Counters are given their TTL when a field is first made (about once a minute): not at every payment.
  if safe('HINCRBY', KEYS[5], outcome .. '|n|' .. acc, 1) == 1 then
    safe('EXPIRE', KEYS[5], tonumber(ARGV[16]))
  end
  safe('HINCRBY', KEYS[5], outcome .. '|c|' .. acc, cents)
  local firstOfMinute = safe('HINCRBY', KEYS[6], 'o|' .. outcome .. '|' .. minute, 1) == 1
  if firstOfMinute then
    safe('EXPIRE', KEYS[6], tonumber(ARGV[17]))
    -- The lists trimmed to the jobs' retention about once a minute, too.
    safe('ZREMRANGEBYSCORE', KEYS[7], '-inf', '(' .. keepFrom)
    safe('ZREMRANGEBYSCORE', KEYS[9], '-inf', '(' .. keepFrom)
  end
  if outcome == 'paid' then
    local enqueued = tonumber(safe('HGET', KEYS[2], 'timestamp'))
    if enqueued then
      local waited, bucket = now - enqueued, ${String(ENQUEUE_TO_PAID_BOUNDS_MS.length)}
      local bounds = {${ENQUEUE_TO_PAID_BOUNDS_MS.join(",")}}
      for i = 1, #bounds do
        if waited <= bounds[i] then bucket = i - 1 break end
      end
      safe('HINCRBY', KEYS[6], 'e2p|' .. minute .. '|' .. bucket, 1)
    end
  end
end
`;
