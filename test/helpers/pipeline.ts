// The whole pipeline for a test: the emulator, a real worker (BullMQ, bank client, budgets) and the
// producer SDK, on the shared Redis with a queue and key prefix of the test's own.
import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { adminConnection, type RedisClient } from "../../src/redis/connections.js";
import { cleanupAfter } from "./cleanup.js";
import { loadConfig, type Config, type Environment } from "../../src/config.js";
import type { Emulator, EmulatorOptions } from "../../src/emulator/emulator.js";
import { createPayoutProducer, producerOptionsFor, type PayoutProducer } from "../../src/queue/producer/producer.js";
import { startPayoutWorker, type PayoutWorker } from "../../src/queue/worker/worker.js";
import { clientEnvFor } from "./bank.js";
import { NO_LIMITS, startTestEmulator } from "./emulator.js";
import { captureLogs } from "./log-capture.js";
import { until } from "./until.js";

/** Worker settings that make a test fast: budgets far above the emulator's, quick polls. */
export const FAST_WORKER: Environment = {
  PIXOUT_SEND_PER_MINUTE: "6000",
  PIXOUT_SEND_MIN_INTERVAL_MS: "5",
  PIXOUT_STATUS_PER_MINUTE: "6000",
  PIXOUT_TOKEN_PER_MINUTE: "60",
  PIXOUT_FIRST_POLL_MS: "50",
  PIXOUT_POLL_CAP_MS: "200",
  PIXOUT_SHUTDOWN_TIMEOUT_MS: "2000",
};

export interface TestPipeline {
  emulator: Emulator;
  config: Config;
  env: Environment;
  producer: PayoutProducer;
  worker: PayoutWorker;
  lines: string[];
  /** A Redis connection for the test's own checks (a `Cluster` on a cluster). */
  redis: RedisClient;
}

export async function startPipeline(
  options: { emulator?: Omit<EmulatorOptions, "tls">; env?: Environment; worker?: boolean } = {},
): Promise<TestPipeline> {
  const emulator = await startTestEmulator({
    limits: NO_LIMITS,
    timing: { sentAfterMs: 20, paidAfterMs: 60 },
    ...options.emulator,
  });
  const env: Environment = {
    ...clientEnvFor(emulator),
    ...FAST_WORKER,
    REDIS_URL: inject("redisUrl"),
    PIXOUT_QUEUE: `test-${randomUUID().slice(0, 8)}`,
    PIXOUT_REDIS_PREFIX: `pixout-test-${randomUUID().slice(0, 8)}`,
    ...options.env,
  };
  const { config } = loadConfig(env);
  const { logger, lines, secrets } = captureLogs("debug");
  const worker = startPayoutWorker({ config, logger, secrets });
  if (options.worker === false) await worker.worker.pause();
  const producer = createPayoutProducer(producerOptionsFor(config));
  const redis = adminConnection(config.redis.target);
  cleanupAfter(async () => {
    await producer.close();
    await worker.close();
    redis.disconnect();
    // Remove the test's keys from the shared Redis.
    await removeQueueKeys(config.redis.target, config.redisPrefix);
  });
  return { emulator, config, env, producer, worker, lines, redis };
}

/** The URL of a one-node configuration (the shared Redis's), for tests that reach it by address. */
export function redisUrlOf(config: Pick<Config, "redis">): string {
  const target = config.redis.target;
  if (target.kind !== "single") throw new Error(`this test needs one Redis node, not a ${target.kind}`);
  return target.url;
}

/** The worker's failing readiness check once its detail matches `why` (a worker that takes no job, and says why). */
export function workerUnfit(
  p: Pick<TestPipeline, "worker">,
  why: RegExp,
): Promise<{ name: string; ok: boolean; detail: string }> {
  return until(`the worker's readiness saying ${String(why)}`, async () =>
    (await p.worker.readiness()).checks.find((c) => c.name === "worker" && !c.ok && why.test(c.detail)),
  );
}
