// Fleet-wide budgets of the bank's endpoints (docs/design.md §2.7), shared through Redis by every worker.
//
// Each budget is a GCRA schedule ("generic cell rate algorithm"): a Redis key holds the next free moment
// (the theoretical arrival time), calls are spaced by a fixed interval (the bank's limit widened by a
// margin), and Lua takes slots atomically with Redis' own clock — one clock for the whole fleet:
// - reserveAndGate(): each payment of a backlog gets its own future slot and sleeps in BullMQ's delayed set until
//   then, so a backlog drains at exactly the budget with no thundering herd. Reservations go at most
//   `horizon` ahead: beyond it nothing is reserved (a backlog later removed cannot leave hours of empty
//   slots behind) and the payment asks again later.
// - gate(): right before the call, checks the fleet's previous call of the budget and any 429 penalty. A
//   job that woke late for its slot could land too close to the next one; the gate makes the later of the
//   two wait, so the bank sees the spacing at any window alignment.
// - tryTake(): a slot only if one is free now (the token call: rare, and already single-flight).
// - penalize(): the bank said 429 — nobody calls before the wait is over, held slots included.
//
// Why not BullMQ's limiter or rate-limiter-flexible: BullMQ's limiter is one per queue and counts job
// starts, while one payment job makes sends and status queries under two different budgets;
// rate-limiter-flexible answers "yes, or retry in N ms", so a waiting backlog would retry all at once
// each time a window frees. A reservation needs the schedule itself, which is these lines of Lua.
import type { RedisClient } from "../../redis/connections.js";
import type { BudgetSettings } from "../../config.js";
import { integrationKeyPrefix, type Integration } from "../../inter/integration-keys.js";

/** The worker's budgets (send, status, token) and the operator commands' (the webhook's and its callbacks'). */
export type BudgetName =
  | "send"
  | "status"
  | "token"
  | "webhookPut"
  | "webhookGet"
  | "webhookDelete"
  | "callbacks"
  | "callbackRetry"
  | "statement"
  | "balance";

export type Reservation = { reserved: true; waitMs: number } | { reserved: false; waitMs: number };

export interface Budgets {
  /**
   * The next slot within the horizon (wait 0 = now; beyond it, nothing reserved and the wait until it),
   * and when the slot is now, the gate in the same step (one Redis round trip instead of two for a call
   * that need not wait). `gateMs`: 0 = passed, the call may go; > 0 = the gate's wait; undefined = not
   * checked (the slot is later).
   */
  reserveAndGate(name: BudgetName, horizonMs?: number): Promise<Reservation & { gateMs?: number }>;
  /**
   * The next slot within `horizonMs` (default the budget's horizon), without the gate: the caller does its
   * own work first, then passes the gate right before the call. Beyond the horizon nothing is reserved.
   */
  reserve(name: BudgetName, horizonMs?: number): Promise<Reservation>;
  /** Takes a slot only if one is free now; resolves with 0 if taken, else how long until one is. */
  tryTake(name: BudgetName): Promise<number>;
  /** Records a call now if the fleet's previous one is a full interval ago and no penalty runs; else how long to wait. */
  gate(name: BudgetName): Promise<number>;
  /** The bank said 429: nobody in the fleet may use this budget for `ms`. */
  penalize(name: BudgetName, ms: number): Promise<void>;
  /** Spacing between two calls of the budget (Infinity: the environment has no such endpoint). */
  intervalMs(name: BudgetName): number;
  /** How far ahead reservations go. */
  readonly horizonMs: number;
}

// KEYS: schedule, last call, penalty. ARGV: mode, interval ms, horizon ms (take) / penalty ms (penalize).
// The gate records the actual moment of each call: recording a slightly late call at its ideal moment
// instead gained 0.7 % of the send rate in `npm run bench` but halved the margin that absorbs the jitter
// between the gate and the call's arrival at the bank — and the demo, under test load, then got a 429.
const SCHEDULE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local mode = ARGV[1]
local interval = tonumber(ARGV[2])
local blocked = tonumber(redis.call('GET', KEYS[3]) or '0')
if mode == 'gate' then
  local last = tonumber(redis.call('GET', KEYS[2]) or '0')
  local free = math.max(last + interval, blocked)
  if now < free then return free - now end
  redis.call('SET', KEYS[2], now, 'PX', interval + 1000)
  return 0
end
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now, blocked)
if mode == 'penalize' then
  local until_ = now + tonumber(ARGV[3])
  if until_ > blocked then redis.call('SET', KEYS[3], until_, 'PX', until_ - now) end
  if until_ > tat then redis.call('SET', KEYS[1], until_, 'PX', until_ - now + interval) end
  return 0
end
local wait = tat - now
if mode == 'try' and wait > 0 then return wait end
if (mode == 'take' or mode == 'reserve') and wait > tonumber(ARGV[3]) then return {-wait, -1} end
redis.call('SET', KEYS[1], tat + interval, 'PX', tat + interval - now + interval)
if mode == 'try' then return wait end
if wait > 0 or mode == 'reserve' then return {wait, -1} end
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local free = math.max(last + interval, blocked)
if now < free then return {0, free - now} end
redis.call('SET', KEYS[2], now, 'PX', interval + 1000)
return {0, 0}`;

/**
 * Spacing of each budget: the per-minute limit (and the send's minimum interval), widened by the margin.
 * A limit of 0 (an endpoint the environment does not have) gives Infinity: nothing is ever called.
 */
export function budgetIntervals(settings: BudgetSettings): Record<BudgetName, number> {
  const widen = (ms: number): number => Math.ceil(ms * (1 + settings.marginPercent / 100));
  const every = (perMinute: number): number => (perMinute > 0 ? widen(60_000 / perMinute) : Infinity);
  return {
    send: widen(Math.max(60_000 / settings.sendPerMinute, settings.sendMinIntervalMs)),
    status: every(settings.statusPerMinute),
    token: every(settings.tokenPerMinute),
    webhookPut: every(settings.webhookPerMinute),
    webhookGet: every(settings.webhookPerMinute),
    webhookDelete: every(settings.webhookPerMinute),
    callbacks: every(settings.callbacksPerMinute),
    callbackRetry: every(settings.callbackRetryPerMinute),
    statement: every(settings.statementPerMinute),
    balance: every(settings.balancePerMinute),
  };
}

/** How far ahead reservations go (a quarter of an hour of sends at Inter's limits is 900 payments). */
export const RESERVATION_HORIZON_MS = 15 * 60_000;

type ScheduleCommand = (
  schedule: string,
  last: string,
  penalty: string,
  mode: string,
  interval: string,
  extra: string,
) => Promise<number | [number, number]>;

/**
 * The budgets of one Inter integration (base URL and client id): keyed by it alone, so that every process
 * and deployment on the integration shares Inter's limits, and two integrations sharing a Redis do not.
 */
export function createBudgets(
  redis: RedisClient,
  integration: Integration,
  settings: BudgetSettings,
  horizonMs = RESERVATION_HORIZON_MS,
): Budgets {
  const intervals = budgetIntervals(settings);
  const keyPrefix = `${integrationKeyPrefix(integration)}:budget`;
  if (!("pixoutBudget" in redis)) redis.defineCommand("pixoutBudget", { numberOfKeys: 3, lua: SCHEDULE });
  const command = (redis as unknown as { pixoutBudget: ScheduleCommand }).pixoutBudget.bind(redis);
  const call = (
    name: BudgetName,
    mode: "try" | "penalize" | "gate" | "take" | "reserve",
    extra = 0,
  ): Promise<number | [number, number]> => {
    if (!Number.isFinite(intervals[name]))
      return Promise.reject(
        new RangeError(`the ${name} budget is 0 a minute: that endpoint is not called in this environment`),
      );
    const key = `${keyPrefix}:${name}`;
    return command(key, `${key}:last`, `${key}:penalty`, mode, String(intervals[name]), String(Math.ceil(extra)));
  };
  const run = async (name: BudgetName, mode: "try" | "penalize" | "gate", extra = 0): Promise<number> =>
    Number(await call(name, mode, extra));
  return {
    async reserveAndGate(name, horizon = horizonMs) {
      const answer = await call(name, "take", horizon);
      const [wait, gate] = Array.isArray(answer) ? answer : [answer, -1];
      if (wait < 0) return { reserved: false, waitMs: -wait };
      return gate < 0 ? { reserved: true, waitMs: wait } : { reserved: true, waitMs: wait, gateMs: gate };
    },
    async reserve(name, horizon = horizonMs) {
      const answer = await call(name, "reserve", horizon);
      const wait = Array.isArray(answer) ? answer[0] : answer;
      return wait < 0 ? { reserved: false, waitMs: -wait } : { reserved: true, waitMs: wait };
    },
    tryTake: (name) => run(name, "try"),
    gate: (name) => run(name, "gate"),
    async penalize(name, ms) {
      await run(name, "penalize", ms);
    },
    intervalMs: (name) => intervals[name],
    horizonMs,
  };
}
