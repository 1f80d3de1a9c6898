// A bank client for an operator's command (`pixout webhook …`, `pixout reconcile`, `pixout resolve`):
// every call takes its token and its slot from the fleet's budgets in Redis, shared with the workers, so
// an operator's command never pushes the integration over Inter's limits.
import { setTimeout as sleep } from "node:timers/promises";
import type { RedisClient } from "../../redis/connections.js";
import { loadConfig, type Config } from "../../config.js";
import { createBank } from "../../inter/bank.js";
import type { InterClient } from "../../inter/client.js";
import { createLogger, SecretRegistry, type Logger } from "../../logger.js";
import { budgetGate } from "../../queue/worker/bank-gate.js";
import { createBudgets, type Budgets } from "../../queue/worker/budgets.js";
import { ensureReady, producerConnection, RedisUnavailableError } from "../../redis/connections.js";
import { UserError } from "./exit-codes.js";

/** How long one call waits for the fleet's budget before the command gives up. */
const MAX_BUDGET_WAIT_MS = 120_000;
/**
 * How long a command waits for the fleet's token budget: less than the token lock it holds meanwhile
 * (connect + answer timeouts + 5 s, 45 s by default), so that the workers never find it expired.
 */
const MAX_TOKEN_WAIT_MS = 30_000;

/**
 * The fleet's token budget (5 a minute at Inter), waited for rather than refused: an operator's command
 * that needs a token of its own scope may find a worker's token call or another command's just made.
 * Resolves 0 once a token call may go, or the remaining wait after MAX_TOKEN_WAIT_MS (the call then fails).
 */
async function waitForToken(budgets: Budgets): Promise<number> {
  let waited = 0;
  for (;;) {
    const wait = await budgets.tryTake("token");
    if (wait <= 0 || waited + wait > MAX_TOKEN_WAIT_MS) return wait;
    if (wait >= 1_000)
      process.stderr.write(
        `waiting ${String(Math.ceil(wait / 1000))} s for the fleet's token budget (PIXOUT_TOKEN_PER_MINUTE)…\n`,
      );
    await sleep(wait + 1);
    waited += wait + 1;
  }
}

export interface BankSession {
  client: InterClient;
  config: Config;
  redis: RedisClient;
  logger: Logger;
}

/** Runs `fn` with a budget-gated bank client and the command's Redis connection, closing both after. */
export async function withBankSession<T>(name: string, fn: (session: BankSession) => Promise<T>): Promise<T> {
  const { config, warnings } = loadConfig();
  const secrets = new SecretRegistry();
  const logger = createLogger({ level: config.logLevel === "info" ? "warn" : config.logLevel, name, secrets });
  for (const warning of warnings) logger.warn(warning);
  const redis = producerConnection(config.redis.target);
  try {
    await ensureReady(redis, config.redis.target);
  } catch (err) {
    redis.disconnect();
    if (err instanceof RedisUnavailableError)
      throw new UserError(`${err.message} (bank calls take their slots from the fleet's budgets there)`);
    throw err;
  }
  const budgets = createBudgets(redis, config.inter, config.worker.budgets);
  const bank = createBank({
    settings: config.inter,
    logger,
    secrets,
    redis,
    redisPrefix: config.redisPrefix,
    tokenBudget: () => waitForToken(budgets),
    gate: budgetGate(budgets, {
      maxWaitMs: MAX_BUDGET_WAIT_MS,
      maxBankWaitMs: config.inter.maxBankWaitMs,
      onWait(operation, ms) {
        if (ms >= 1_000)
          process.stderr.write(
            `waiting ${String(Math.ceil(ms / 1000))} s for the fleet's budget of ${operation} (Inter's limit)…\n`,
          );
      },
    }),
  });
  try {
    return await fn({ client: bank.client, config, redis, logger });
  } finally {
    await bank.close();
    await redis.quit().catch(() => undefined);
  }
}
