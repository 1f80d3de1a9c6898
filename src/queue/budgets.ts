// Fleet-wide budgets of the bank's endpoints (DESIGN.md §2.7), shared through Redis by every worker.
//
// Each budget is a GCRA schedule ("generic cell rate algorithm"): one Redis key holds the next free
// moment (the theoretical arrival time), calls are spaced by a fixed interval, and a Lua script takes a
// slot atomically with Redis' own clock:
// - reserve(): always succeeds and says how long to wait. Each payment in a backlog gets its own future
//   slot and sleeps in BullMQ's delayed set until then — a backlog drains at exactly the budget with no
//   thundering herd, and a slot is never taken twice.
// - gate(): right before the call, checks the time since the fleet's previous call of this budget. A job
//   that woke late for its slot could otherwise land too close to the next one; the gate makes the later
//   of the two wait the few milliseconds missing, so the bank sees its spacing at any window alignment.
// - tryTake(): takes a slot only if one is free now (for the token call, which is rare and single-flight).
//
// Why not BullMQ's limiter or rate-limiter-flexible: BullMQ's limiter is one per queue and counts job
// starts, while one payment job makes sends and status queries under two different budgets;
// rate-limiter-flexible answers "yes, or retry in N ms", so a waiting backlog would retry all at once
// each time a window frees. A reservation needs the schedule itself, which is these few lines of Lua.
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { BudgetSettings } from "../config.js";

export type BudgetName = "send" | "status" | "token";

export interface Budgets {
  /** Takes the next slot; resolves with how long to wait for it (0 = now). */
  reserve(name: BudgetName): Promise<number>;
  /** Takes a slot only if one is free now; resolves with 0 if taken, else how long until one is. */
  tryTake(name: BudgetName): Promise<number>;
  /** Records a call now if the previous one of the fleet is at least the bank's interval ago; else how long to wait. */
  gate(name: BudgetName): Promise<number>;
  /** The bank said 429: nobody in the fleet may use this budget for `ms`. */
  penalize(name: BudgetName, ms: number): Promise<void>;
  /** Spacing between two calls of the budget. */
  intervalMs(name: BudgetName): number;
}

// KEYS[1] schedule key; KEYS[2] last-call key; ARGV[1] interval ms; ARGV[2] "reserve" | "try" | "penalize"
// | "gate"; ARGV[3] penalty ms (penalize) or the bank's own interval (gate). Returns the wait in ms (0 = now).
// Redis TIME: one clock for the whole fleet.
const SCHEDULE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
if ARGV[2] == 'gate' then
  local gap = tonumber(ARGV[3])
  local last = tonumber(redis.call('GET', KEYS[2]) or '0')
  if now < last + gap then return last + gap - now end
  redis.call('SET', KEYS[2], now, 'PX', gap + 1000)
  return 0
end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local mode = ARGV[2]
if mode == 'penalize' then
  local until_ = now + tonumber(ARGV[3])
  if until_ > tat then tat = until_ end
  redis.call('SET', KEYS[1], tat, 'PX', tat - now + interval)
  return 0
end
local wait = tat - now
if mode == 'try' and wait > 0 then return wait end
local nextTat = tat + interval
redis.call('SET', KEYS[1], nextTat, 'PX', nextTat - now + interval)
return wait`;

function baseIntervals(settings: BudgetSettings): Record<BudgetName, number> {
  return {
    send: Math.max(60_000 / settings.sendPerMinute, settings.sendMinIntervalMs),
    status: 60_000 / settings.statusPerMinute,
    token: 60_000 / settings.tokenPerMinute,
  };
}

/** Spacing of each budget: the per-minute limit (and the send's minimum interval), widened by the margin. */
export function budgetIntervals(settings: BudgetSettings): Record<BudgetName, number> {
  const base = baseIntervals(settings);
  const widen = (ms: number): number => Math.ceil(ms * (1 + settings.marginPercent / 100));
  return { send: widen(base.send), status: widen(base.status), token: widen(base.token) };
}

/**
 * `scope` names whose limits these are (one Inter integration: base URL and client id), so that two
 * integrations sharing a Redis keep separate budgets.
 */
export function createBudgets(redis: Redis, prefix: string, scope: string, settings: BudgetSettings): Budgets {
  const intervals = budgetIntervals(settings);
  const base = baseIntervals(settings);
  const tag = createHash("sha256").update(scope).digest("hex").slice(0, 16);
  const key = (name: BudgetName): string => `${prefix}:budget:{${tag}}:${name}`;
  const run = async (name: BudgetName, mode: "reserve" | "try" | "penalize" | "gate", extra = 0): Promise<number> =>
    Number(await redis.eval(SCHEDULE, 2, key(name), `${key(name)}:last`, String(intervals[name]), mode, String(Math.ceil(extra))));
  return {
    reserve: (name) => run(name, "reserve"),
    tryTake: (name) => run(name, "try"),
    gate: (name) => run(name, "gate", base[name]),
    async penalize(name, ms) {
      await run(name, "penalize", ms);
    },
    intervalMs: (name) => intervals[name],
  };
}
