// What the payout processor is given (src/queue/worker/worker.ts wires it from the configuration), and the
// constants other modules share with it.
import type { Job } from "bullmq";
import type { RedisProblem } from "../../redis/errors.js";
import type { InterClient } from "../../inter/client.js";
import type { Logger } from "../../logger.js";
import type { BalanceHoldPolicy } from "../../payments/balance-hold.js";
import type { LifecyclePolicy, Outcome } from "../../payments/lifecycle.js";
import type { Notifier } from "../../notifications/notifier.js";
import type { AccountEventFacts } from "../../notifications/account-event.js";
import type { CallbackStore, ReceiverHealth } from "../../inter-callbacks/callback-store.js";
import type { AccountHolds } from "../account-holds.js";
import type { Approvals } from "../approvals.js";
import type { DataProtection } from "../job-data.js";
import type { PaymentIndex } from "../payment-index.js";
import type { PaymentResult } from "../payment-view.js";
import type { BalanceGuard } from "./balance-guard.js";
import type { Budgets } from "./budgets.js";
import type { SafetyLimits } from "./daily-limits.js";
import type { FencedStore } from "./fenced-store.js";

/** A held payment looks again at least this often (a resume that could not wake it, a maximum hold). */
export const HELD_RECHECK_MS = 10 * 60_000;
/** The account key of a payment that names no account, with no INTER_ACCOUNT: the integration's only one. */
export const DEFAULT_ACCOUNT_KEY = "default";

export type PayoutJob = Job<unknown, PaymentResult>;

/** Inter's callbacks, as the webhook receiver stores them. */
export interface CallbackOptions {
  store: CallbackStore;
  /** Whether a receiver runs now, and whether callbacks arrive (cached by the caller: asked on every step). */
  receiver: () => Promise<ReceiverHealth>;
  /** While a receiver runs, polls of a payment the bank is processing are at least this far apart. */
  pollMs: number;
}

/**
 * What the processor tells the worker's metrics (src/ops/metrics/worker-metrics.ts). An interface of its
 * own, so that the processor needs no metrics library and tests can pass a recorder.
 */
export interface PayoutMetrics {
  /**
   * A step found the fleet's budget taken and waits `ms` for a later slot: a reservation of a later slot,
   * a schedule full beyond the horizon, or the gate right before the call (a 429's penalty included).
   */
  onRateLimitWait(endpoint: "send" | "status", ms: number): void;
  /**
   * A run ended the payment with this final outcome, told right before the outcome is saved: counted once
   * per final outcome of a generation, at-least-once across crashes (see countOutcome).
   */
  onOutcome(outcome: Outcome): void;
}

export interface BalanceOptions {
  holds: AccountHolds;
  policy?: BalanceHoldPolicy;
  /** PIXOUT_BALANCE_GUARD: the estimate, and how to read an account's balance (centavos to pay with). */
  guard?: { store: BalanceGuard; read: (account: string) => Promise<number> };
  /** Tells upstream that an account was held (best effort, after the hold is written). */
  onHeld?: (facts: AccountEventFacts) => Promise<unknown>;
}

export interface ProcessorOptions {
  client: InterClient;
  /** Told of every Redis error met under a step (the worker's health watch: it stops taking jobs until Redis is fit). */
  onRedisError?: (err: unknown) => void;
  /** Whether the worker is shutting down: no run then waits in its slot (conclude.ts). */
  closing?: () => boolean;
  /** The problem that makes this worker's Redis unfit now (the health watch's), if any: a job is then put back untouched. */
  redisUnfit?: () => RedisProblem | undefined;
  /** The setting that points at Redis (REDIS_URL, REDIS_SENTINELS…), for the fixes Redis errors are logged with. */
  redisSetting?: string;
  /** The job's and the record's fenced writes (src/queue/worker/fenced-store.ts). */
  store: FencedStore;
  callbacks?: CallbackOptions;
  /**
   * How many payments wait in the queue (cached by the caller). A payment beyond the reservation horizon
   * sleeps a random share of the whole backlog's time instead of a share of the horizon, so that a large
   * backlog is not walked through every few minutes.
   */
  backlog?: () => Promise<number>;
  /** Queues the signed event of each final outcome (src/notifications/) before the job completes. */
  notifier?: Pick<Notifier, "notifyOutcome">;
  /** The per-payment maximum in centavos (PIXOUT_MAX_AMOUNT). */
  maxAmountCents?: number;
  /** Data keys: a recipient stored encrypted is decrypted in memory only, never written back plain. */
  dataProtection?: DataProtection;
  budgets: Budgets;
  metrics?: PayoutMetrics;
  /**
   * The dashboard's search by the bank's identifiers (src/queue/payment-index.ts). Written best effort and
   * not awaited: a failed write only makes search miss, it never fails or delays a payment's decision.
   */
  index?: Pick<PaymentIndex, "remember">;
  /** The fleet's safety limits (daily total per paying account, allow-list), checked right before each send. */
  limits?: SafetyLimits;
  /** INTER_ACCOUNT: the paying account of payments without their own `account` (callbacks must agree with it). */
  defaultAccount?: string;
  logger: Logger;
  /** The worker's lockDuration: the lock is extended for this long in the step that marks a send in flight. */
  lockDurationMs?: number;
  /** Insufficient balance held fleet-wide instead of failing each payment (docs/operating/balance.md); none: they fail. */
  balance?: BalanceOptions;
  /** Payments awaiting approval in the internet banking, listed for people (best effort). */
  approvals?: Pick<Approvals, "awaiting" | "done">;
  /**
   * How many runs of this worker may wait at once, in their slot, for a status query due soon (conclude.ts
   * INLINE_WAIT_MAX_MS) instead of in Redis' delayed set; 0 or none: every wait goes to Redis.
   */
  inlineWaits?: number;
  policy?: LifecyclePolicy;
  now?: () => number;
  random?: () => number;
}
