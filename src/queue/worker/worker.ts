// A payout worker process: the BullMQ Worker, the bank client and the fleet's budgets, wired from the
// configuration. Many of these run at once, on many machines, against one Redis (docs/design.md §6).
import { setTimeout as sleep } from "node:timers/promises";
import { Queue, Worker, type Job, type Telemetry } from "bullmq";
import type { RedisClient } from "../../redis/connections.js";
import type { Config } from "../../config.js";
import { createBank, type Bank } from "../../inter/bank.js";
import type { CallObserver } from "../../inter/http.js";
import type { Logger, SecretRegistry } from "../../logger.js";
import { DEFAULT_POLICY, type LifecyclePolicy, type Outcome } from "../../payments/lifecycle.js";
import { spendableCents } from "../../payments/balance-hold.js";
import { combineObservers, createWorkerMetrics, type WorkerMetrics } from "../../ops/metrics/worker-metrics.js";
import { startFleetStats } from "./fleet-stats.js";
import { startWorkerHeartbeat, type WorkerHeartbeat } from "../../ops/worker-heartbeat.js";
import type { Readiness } from "../../ops/readiness-checks.js";
import { createWorkerReadiness } from "../../ops/worker-readiness.js";
import { startNotificationWorker, type NotificationWorker } from "../../notifications/delivery-worker.js";
import { createNotifier, type Notifier } from "../../notifications/notifier.js";
import { createCallbackStore, type CallbackStore, type ReceiverHealth } from "../../inter-callbacks/callback-store.js";
import { accountEvent } from "../../notifications/account-event.js";
import { createAccountHolds } from "../account-holds.js";
import { createApprovals } from "../approvals.js";
import { createBalanceGuard } from "./balance-guard.js";
import { startBalanceWatcher } from "./balance-watcher.js";
import { createBudgets, type Budgets } from "./budgets.js";
import { createSafetyLimits } from "./daily-limits.js";
import { budgetGate } from "./bank-gate.js";
import { bullPrefix } from "../names.js";
import { createPaymentIndex, type PaymentIndex } from "../payment-index.js";
import { createPaymentRecords } from "../payment-record.js";
import { paymentView, type PaymentResult } from "../payment-view.js";
import { readJobData } from "../job-data.js";
import { outcomeFacts } from "../outcome-facts.js";
import { DEFAULT_ACCOUNT_KEY, createPayoutProcessor } from "./processor.js";
import { createFencedStore } from "./fenced-store.js";
import { startReconcileScheduler } from "./reconcile-scheduler.js";
import { describeRedis, ensureReady, fenceConnection, workerConnection } from "../../redis/connections.js";
import { confirmReplicas } from "../../redis/replicas.js";
import { redisSettingName } from "../../redis/target.js";
import { watchRedisHealth, type RedisHealth } from "./redis-health.js";

export interface PayoutWorker {
  worker: Worker<unknown, PaymentResult>;
  bank: Bank;
  budgets: Budgets;
  /** Delivers the signed outcome events to upstream services (src/notifications/); none without PIXOUT_NOTIFY_SECRETS. */
  notifications: NotificationWorker | undefined;
  /** This process's Prometheus metrics (src/ops/metrics/); served by `pixout worker` when PIXOUT_METRICS_PORT is set. */
  metrics: WorkerMetrics;
  /** This process's entry in the fleet's worker list (src/ops/worker-heartbeat.ts). */
  heartbeat: WorkerHeartbeat;
  /** This process's /readyz: Redis answers, the certificate has ≥ 7 days, the worker takes jobs. */
  readiness(): Promise<Readiness>;
  /**
   * Stops taking jobs and waits up to the shutdown timeout for the running steps. Resolves false if some
   * were still running: the caller should then exit; their locks expire and another worker resumes them
   * (a send left in flight is resent with the same bank key).
   */
  close(): Promise<boolean>;
}

export interface PayoutWorkerOptions {
  config: Config;
  logger: Logger;
  secrets: SecretRegistry;
  /** Overrides PIXOUT_CONCURRENCY. */
  concurrency?: number;
  observer?: CallObserver;
  /** BullMQ telemetry (src/ops/tracing.ts): each step a span in the payment's trace. None: no tracing. */
  telemetry?: Telemetry;
  /**
   * prom-client's process metrics (CPU, memory, event loop, GC) in this worker's registry: only when they
   * are served (`pixout worker` with PIXOUT_METRICS_PORT), since their monitors run until the process ends.
   */
  processMetrics?: boolean;
  /**
   * Where the bank's identifiers are recorded for the dashboard's search; default: the payment index on the
   * worker's own connection. Written best effort: a failed write never changes a payment.
   */
  index?: Pick<PaymentIndex, "remember">;
}

export function lifecyclePolicy(config: Config): LifecyclePolicy {
  const w = config.worker;
  return {
    ...DEFAULT_POLICY,
    maxAttempts: w.maxAttempts,
    firstPollMs: w.firstPollMs,
    poll: { baseMs: w.firstPollMs, capMs: w.pollCapMs },
    approvalPollMs: w.approvalPollMs,
    approvalDeadlineMs: w.approvalDeadlineMs,
    pollDeadlineMs: w.pollDeadlineMs,
    resendAmbiguous: w.trustBankIdempotency,
    resendWindowMs: w.resendWindowMs,
    maxBankWaitMs: config.inter.maxBankWaitMs,
  };
}

/**
 * The lock must outlive the slowest step while the worker is alive (BullMQ renews it every half
 * lockDuration, but a blocked event loop or a Redis blip can delay a renewal): a token call and a bank
 * call with one 401 retry, each bounded by connect + answer timeouts, plus room.
 */
export function lockDurationMs(config: Config): number {
  if (config.worker.lockDurationMs !== undefined) return config.worker.lockDurationMs;
  const call = config.inter.connectTimeoutMs + config.inter.requestTimeoutMs;
  return Math.max(60_000, 3 * call + 10_000);
}

/**
 * Whether a webhook receiver runs and callbacks arrive, asked of Redis at most every 5 s per process
 * (every step asks). A receiver that stops is noticed within its heartbeat's lifetime plus this.
 */
function receiverHealthCache(store: CallbackStore, logger: Logger): () => Promise<ReceiverHealth> {
  let known: (ReceiverHealth & { at: number }) | undefined;
  return async () => {
    if (known && Date.now() - known.at < 5_000) return known;
    const health = await store.health().catch(() => ({ running: false, flowing: false }));
    if (known && (known.running !== health.running || known.flowing !== health.flowing)) {
      const say = health.flowing
        ? "Inter's callbacks arrive: they finish payments, polls become the safety net"
        : health.running
          ? "a webhook receiver runs but no callback arrived for 15 min (is the webhook registered, and can Inter reach it?): payments are followed by polling"
          : "no webhook receiver runs: payments are followed by polling";
      logger[health.running && !health.flowing ? "warn" : "info"](health, say);
    }
    known = { ...health, at: Date.now() };
    return health;
  };
}

/**
 * A job BullMQ itself moved to failed ends without a decision of ours: its outcome is what its view says
 * (needs-reconciliation when a send may have executed, else failed), announced like any other. Best
 * effort: this runs in the worker that saw the failure; if it dies first, the failed set still shows it.
 */
export async function announceBullFailure(
  job: Job,
  notifier: Notifier,
  logger: Logger,
  onOutcome?: (outcome: Outcome) => void,
): Promise<void> {
  try {
    const state = await job.getState();
    // A producer's removeOnFail can remove the job as it fails: it is announced from what this worker holds.
    if (state !== "failed" && state !== "unknown") return; // BullMQ will try it again
    if (state === "unknown") {
      logger.error(
        { jobId: job.id },
        "a payout job that failed in the worker was removed at once (its producer set removeOnFail); announced from the worker's copy — its payment record keeps it refused",
      );
    }
    const view = paymentView({
      id: job.id ?? "",
      state: "failed",
      data: job.data,
      returnvalue: undefined,
      failedReason: job.failedReason,
      timestamp: job.timestamp,
      finishedOn: job.finishedOn,
    });
    if (view.outcome !== "failed" && view.outcome !== "needs-reconciliation" && view.outcome !== "rejected") return;
    onOutcome?.(view.outcome);
    const facts = outcomeFacts(view.paymentId, view.amount, {
      outcome: view.outcome,
      generation: view.generation,
      bankStatus: view.bankStatus ?? undefined,
      codigoSolicitacao: view.codigoSolicitacao ?? undefined,
      reason: view.reason ?? view.failedReason ?? "the job failed in the worker",
    });
    await notifier.notifyOutcome(
      { ...facts, retries: view.audit.length, occurredAt: new Date(job.finishedOn ?? Date.now()).toISOString() },
      readJobData(job.data).callbackUrl,
    );
  } catch (err) {
    logger.error(
      { jobId: job.id, err: err instanceof Error ? err.message : String(err) },
      "could not announce a payout job that failed in the worker",
    );
  }
}

/**
 * PIXOUT_RECONCILE=true: the fleet's scheduled reconciliation, with a bank client of its own whose calls take
 * the fleet's budgets.
 */
function startFleetReconciliation(
  config: Config,
  redis: RedisClient,
  budgets: Budgets,
  bank: Bank,
  notifier: Notifier,
  logger: Logger,
): { close(): Promise<void> } {
  // Off here leaves the fleet's schedulers alone (other workers may have it on): `pixout reconcile --unschedule`
  // removes them.
  if (!config.worker.reconcile.enabled) return { close: () => Promise.resolve() };
  // The worker's own connections and tokens; every call through the fleet's budgets (outside a job).
  const client = bank.gated(budgetGate(budgets, { maxWaitMs: 120_000, maxBankWaitMs: config.inter.maxBankWaitMs }));
  const started = startReconcileScheduler({ config, redis, client, notifier, logger }).catch((err: unknown) => {
    logger.error(
      { err: err instanceof Error ? err.message : String(err) },
      "could not schedule the fleet's reconciliation (PIXOUT_RECONCILE); run pixout reconcile yourself",
    );
    return undefined;
  });
  return {
    async close() {
      await (await started)?.close();
    },
  };
}

/** The number of payments waiting (wait, delayed, prioritized), asked of Redis at most every 5 s. */
function backlogCache(queue: Queue): () => Promise<number> {
  let known: { count: number; at: number } | undefined;
  return async () => {
    if (known && Date.now() - known.at < 5_000) return known.count;
    const c = await queue.getJobCounts("wait", "delayed", "prioritized");
    known = { count: (c["wait"] ?? 0) + (c["delayed"] ?? 0) + (c["prioritized"] ?? 0), at: Date.now() };
    return known.count;
  };
}

export function startPayoutWorker(options: PayoutWorkerOptions): PayoutWorker {
  const { config, logger, secrets } = options;
  const redis: RedisClient = workerConnection(config.redis.target);
  redis.on("error", (err: Error) => {
    logger.warn(
      { err: err.message, redis: describeRedis(config.redis.target) },
      "Redis connection problem; the worker waits for it",
    );
  });
  const replicas = { count: config.redis.waitReplicas, timeoutMs: config.redis.waitTimeoutMs };
  // Fenced writes and the budgets fail fast (src/redis/connections.ts fenceConnection).
  const fence = fenceConnection(config.redis.target);
  fence.on("error", () => undefined); // the worker connection's handler says it
  const budgets = createBudgets(fence, config.inter, config.worker.budgets);
  const metrics = createWorkerMetrics({
    certificateValidTo: config.inter.certificate.validTo,
    processMetrics: options.processMetrics === true,
    logger,
  });
  const fleetStats = startFleetStats({
    redis,
    redisPrefix: config.redisPrefix,
    queueName: config.queueName,
    onError(err) {
      logger.debug(
        { err: err.message },
        "could not add this worker's bank call figures to the fleet's; they are dropped",
      );
    },
  });
  const bank = createBank({
    settings: config.inter,
    logger,
    secrets,
    redis,
    redisPrefix: config.redisPrefix,
    tokenBudget: () => budgets.tryTake("token"),
    observer: combineObservers([metrics.observer, fleetStats.observer, options.observer], logger),
    onSent: (operation, gapMs) => {
      metrics.onSent(operation, gapMs);
    },
  });
  const store = createCallbackStore(redis, config.redisPrefix, config.queueName);
  const telemetry = options.telemetry === undefined ? {} : { telemetry: options.telemetry };
  const counts = new Queue(config.queueName, {
    connection: redis,
    prefix: bullPrefix(config.redisPrefix),
    ...telemetry,
  });
  // Already logged by the connection's handler above; without a listener BullMQ prints each one to stderr.
  counts.on("error", () => undefined);
  const notifySettings = {
    connection: redis,
    redisPrefix: config.redisPrefix,
    queueName: config.queueName,
    settings: config.notify,
    logger,
    secrets,
  };
  const notifier = createNotifier(notifySettings);
  const records = createPaymentRecords(redis, config.redisPrefix, config.queueName, config.data.idempotencyDays);
  // Without a secret no event can be queued (the notifier refuses unsigned destinations): no delivery worker.
  const notifications = config.notify.secrets.size > 0 ? startNotificationWorker(notifySettings) : undefined;
  // Insufficient balance (docs/operating/balance.md): holds on the fail-fast connection (they are read before each send).
  const balanceSettings = config.worker.balance;
  const holds = createAccountHolds(fence, config.redisPrefix, config.queueName);
  const guard =
    balanceSettings.guardMaxAgeMs === undefined
      ? undefined
      : createBalanceGuard(fence, config.redisPrefix, config.queueName, balanceSettings.guardMaxAgeMs);
  // Balance reads outside the send/status budgets: through the fleet's `balance` budget (10 a minute).
  const balanceClient = bank.gated(
    budgetGate(budgets, { maxWaitMs: 10_000, maxBankWaitMs: config.inter.maxBankWaitMs }),
  );
  const readBalance = (account: string): ReturnType<typeof balanceClient.getBalance> =>
    balanceClient.getBalance(undefined, account === DEFAULT_ACCOUNT_KEY ? {} : { account });
  const announceAccount = (facts: Parameters<typeof accountEvent>[0]): Promise<unknown> =>
    notifier.notifyAccount(accountEvent(facts));
  // Redis's fitness for payments, watched once the BullMQ worker exists (below); errors of a step are told to it.
  const watch: { health?: RedisHealth; closing?: () => boolean } = {};
  const processor = createPayoutProcessor({
    onRedisError: (err) => {
      watch.health?.report(err);
    },
    closing: () => watch.closing?.() ?? false,
    redisUnfit: () => {
      const state = watch.health?.state();
      return state === undefined || state.healthy ? undefined : state.problem;
    },
    redisSetting: redisSettingName(config.redis.target),
    balance: {
      holds,
      policy: balanceSettings.policy,
      onHeld: announceAccount,
      ...(guard === undefined
        ? {}
        : {
            guard: {
              store: guard,
              read: async (account) => {
                const figures = spendableCents(await readBalance(account), balanceSettings.policy);
                if (figures === undefined) throw new Error("the bank's balance answer has no disponivel");
                return figures;
              },
            },
          }),
    },
    approvals: createApprovals(redis, config.redisPrefix, config.queueName),
    client: bank.client,
    budgets,
    limits: createSafetyLimits(redis, config.redisPrefix, config.worker.limits, config.inter.account),
    ...(config.inter.account === undefined ? {} : { defaultAccount: config.inter.account }),
    maxAmountCents: config.maxAmountCents,
    logger,
    policy: lifecyclePolicy(config),
    lockDurationMs: lockDurationMs(config),
    // A status query due soon is waited for in a slot while few of this worker's slots do (conclude.ts):
    // a quarter of them, none below 4 (one slot of 1–3 waiting would be most of the worker).
    inlineWaits: Math.floor((options.concurrency ?? config.worker.concurrency) / 4),
    callbacks: { store, receiver: receiverHealthCache(store, logger), pollMs: config.worker.webhookPollMs },
    notifier,
    backlog: backlogCache(counts),
    dataProtection: { keyring: config.data.dataKeys, requireEncryption: config.data.requireEncryption },
    store: createFencedStore(
      fence,
      config.redisPrefix,
      config.queueName,
      async (paymentId) => (await records.read([paymentId]))[0],
      config.data.idempotencyDays,
      Date.now,
      replicas,
      Math.max(config.data.keepCompletedDays, config.data.keepFailedDays),
    ),
    metrics,
    // Outlives the job it points at: a job is removed this long after it ends.
    index:
      options.index ??
      createPaymentIndex(
        redis,
        config.redisPrefix,
        config.queueName,
        Math.max(config.data.keepCompletedDays, config.data.keepFailedDays),
      ),
  });
  const worker = new Worker<unknown, PaymentResult>(config.queueName, processor, {
    connection: redis,
    prefix: bullPrefix(config.redisPrefix),
    ...telemetry,
    concurrency: options.concurrency ?? config.worker.concurrency,
    lockDuration: lockDurationMs(config),
    // Stalled jobs (a worker died or lost its lock mid-step) are found within lockDuration plus up to two
    // stalledIntervals, go back to wait and resume their current step from the state saved before it —
    // with the same bank key, and knowing (sendInFlight) when a send may have executed. A job that stalls
    // more than 3 times is failing workers and is failed by BullMQ; its view then says
    // needs-reconciliation if a send may have gone out.
    stalledInterval: config.worker.stalledIntervalMs,
    maxStalledCount: 3,
    // Retention of jobs whose producer set none (the SDK sets the same ages on each job); a finished
    // payment's idempotency record outlives its job (src/queue/payment-record.ts).
    removeOnComplete: { age: Math.round(config.data.keepCompletedDays * 86_400) },
    removeOnFail: { age: Math.round(config.data.keepFailedDays * 86_400) },
    autorun: true,
  });
  // Redis unfit for payments (a replica, a cluster slot moved, credentials, replicas that do not confirm):
  // this worker stops taking jobs until a probe passes, and its readiness says why.
  const probeKey = `${bullPrefix(config.redisPrefix)}:${config.queueName}:health-probe`;
  let pausedForRedis = false;
  let closing = false;
  const health = watchRedisHealth({
    setting: redisSettingName(config.redis.target),
    logger,
    probe: async () => {
      // Connected, and (one node) a master that is neither a cluster node nor a Sentinel.
      await ensureReady(fence, config.redis.target);
      await fence.set(probeKey, String(Date.now()), "PX", 60_000);
      await confirmReplicas(fence, probeKey, replicas);
    },
    onChange: (state) => {
      if (!state.healthy && !worker.isPaused()) {
        pausedForRedis = true;
        void worker.pause(true).catch(() => undefined);
      } else if (state.healthy && pausedForRedis) {
        pausedForRedis = false;
        if (!closing) void worker.resume();
      }
    },
  });
  watch.health = health;
  watch.closing = () => worker.closing !== undefined;
  worker.on("error", (err) => {
    health.report(err);
    logger.error({ err: err.message }, "payout worker error");
  });
  worker.on("stalled", (jobId) => {
    logger.warn(
      { jobId },
      "a payout job stalled (its worker died or lost its lock); it resumes with the same bank key",
    );
  });
  worker.on("failed", (job, err) => {
    // Our own decisions are logged (and announced) where they are made; this catches BullMQ's (stalled too
    // often — failed before our processor even runs —, a Redis failure that used up the job's attempts, a
    // lost lock) and announces them too.
    if (!job) return;
    const bulls = err.message === job.deferredFailure || err.name !== "UnrecoverableError";
    if (!bulls) return;
    logger.error({ jobId: job.id, err: err.message }, "payout job failed in the worker");
    void announceBullFailure(job, notifier, logger, (outcome) => {
      metrics.onOutcome(outcome);
    });
  });
  worker.on("lockRenewalFailed", (jobIds) => {
    logger.error(
      { jobIds },
      "could not renew payout job locks; another worker may pick them up (same bank key, no double payment)",
    );
  });
  /** Whether this process takes jobs: what its heartbeat vouches for and its /readyz reports. */
  const taking = (): { running: boolean; detail: string } => {
    const fit = health.state();
    return closing
      ? { running: false, detail: "closing: takes no new jobs" }
      : !fit.healthy
        ? { running: false, detail: `takes no jobs while Redis is unfit: ${fit.problem.message}` }
        : worker.isPaused()
          ? { running: false, detail: "paused: takes no new jobs" }
          : worker.isRunning()
            ? { running: true, detail: "taking jobs" }
            : { running: false, detail: "the BullMQ worker is not running" };
  };
  let beatWarnedAt = 0;
  const heartbeat = startWorkerHeartbeat({
    redis,
    redisPrefix: config.redisPrefix,
    queueName: config.queueName,
    concurrency: options.concurrency ?? config.worker.concurrency,
    certificateValidTo: config.inter.certificate.validTo,
    limits: {
      sendPerMinute: config.worker.budgets.sendPerMinute,
      statusPerMinute: config.worker.budgets.statusPerMinute,
    },
    // A paused or stopped worker must not count as alive: its entry expires (fleet /readyz, workers_alive).
    running: () => taking().running,
    onError(err) {
      // Every 10 s while Redis is away: once a minute is enough to say so.
      if (Date.now() - beatWarnedAt < 60_000) return;
      beatWarnedAt = Date.now();
      logger.warn(
        { err: err.message },
        "could not write this worker's heartbeat; the dashboard may count it as gone until Redis answers",
      );
    },
  });
  const readiness = createWorkerReadiness({
    redis,
    certificateValidTo: config.inter.certificate.validTo,
    worker: taking,
  });
  const reconciliation = startFleetReconciliation(config, redis, budgets, bank, notifier, logger);
  const watcher = startBalanceWatcher({
    holds,
    queue: counts,
    policy: balanceSettings.policy,
    read: readBalance,
    ...(guard === undefined ? {} : { guard }),
    onResumed: announceAccount,
    logger,
  });
  let stopped: Promise<boolean> | undefined;

  return {
    worker,
    bank,
    budgets,
    notifications,
    metrics,
    heartbeat,
    readiness,
    close() {
      // Once: a second call (a signal during shutdown, a test's cleanup) waits for the same shutdown.
      stopped ??= stop();
      return stopped;
    },
  };

  async function stop(): Promise<boolean> {
    closing = true;
    health.close();
    // A closing worker takes no new jobs: it leaves the fleet's list at once. Its entry would expire by
    // itself, so the removal is not waited for long (Redis may be what is failing).
    const unlisted = heartbeat.stop().catch(() => undefined);
    // BullMQ's close() cannot be hurried once started (a later close(true) returns the same promise):
    // the time limit is ours.
    const graceful = Promise.all([worker.close(), notifications?.close(), reconciliation.close(), watcher.close()]);
    // The time limits are unref'd: they bound a wait, they must not keep a process whose work is done alive.
    const done = await Promise.race([
      graceful.then(() => true),
      sleep(config.worker.shutdownTimeoutMs, false, { ref: false }),
    ]);
    if (!done) {
      logger.warn(
        { timeoutMs: config.worker.shutdownTimeoutMs },
        "steps still running at shutdown; leaving them to be resumed by another worker",
      );
      await Promise.race([unlisted, sleep(1_000, undefined, { ref: false })]);
      redis.disconnect();
      fence.disconnect();
      return false;
    }
    await Promise.race([unlisted, sleep(1_000, undefined, { ref: false })]);
    await Promise.race([fleetStats.stop(), sleep(1_000, undefined, { ref: false })]);
    await notifier.close();
    await counts.close();
    await bank.close();
    await redis.quit().catch(() => undefined);
    await fence.quit().catch(() => undefined);
    return true;
  }
}
