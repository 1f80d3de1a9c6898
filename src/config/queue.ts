// Where the payout queue lives — all a producer (the SDK, `pixout enqueue`, `pixout status`) needs: Redis
// (redis.ts), the queue's name, the prefix of pixout's keys, and the log level every role has.
import { z } from "zod";
import { LOG_LEVELS, type LogLevel } from "../logger.js";
import { redisSettingsOf, type RedisSettings } from "../redis/settings.js";
import { readEnvironment } from "./environment.js";
import { ConfigError, withoutEmpty, zodProblems, type Environment } from "./problems.js";
import { redisFields } from "./redis.js";

export const queueFields = z.object({
  LOG_LEVEL: z
    .enum(LOG_LEVELS as [LogLevel, ...LogLevel[]], { error: `must be one of ${LOG_LEVELS.join(", ")}` })
    .default("info")
    .describe("Log level."),
  PIXOUT_QUEUE: z
    .string()
    .default("pix-payouts")
    .refine((v) => /^[A-Za-z0-9_-]{1,64}$/.test(v), "must be 1-64 characters of letters, digits, _ or -")
    .meta({ takes: "1-64 letters, digits, `_` or `-`" })
    .describe("Name of the BullMQ payout queue."),
  PIXOUT_REDIS_PREFIX: z
    .string()
    .default("pixout")
    .refine((v) => /^[A-Za-z0-9_:-]{1,64}$/.test(v), "must be 1-64 characters of letters, digits, _ : or -")
    .meta({ takes: "1-64 letters, digits, `_`, `:` or `-`" })
    .describe(
      "Prefix of pixout's Redis keys: every key of this deployment is under the hash tag {prefix} (one cluster slot; give each queue or integration its own prefix to spread them over a cluster's masters).",
    ),
});

/** Where the payout queue lives: all a producer (SDK, `pixout enqueue`, `pixout status`) needs. */
export interface QueueSettings {
  /** Where Redis is (REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES) and the replicas a write waits for. */
  redis: RedisSettings;
  redisPrefix: string;
  queueName: string;
  logLevel: LogLevel;
}

export function queueSettingsOf(e: z.infer<typeof queueFields>, redis: RedisSettings): QueueSettings {
  return { redis, redisPrefix: e.PIXOUT_REDIS_PREFIX, queueName: e.PIXOUT_QUEUE, logLevel: e.LOG_LEVEL };
}

/** The queue's and Redis's fields, for the loaders of roles that need nothing else of the bank. */
export const queueAndRedisFields = z.object({ ...redisFields.shape, ...queueFields.shape });

/** Settings for commands that never talk to the bank (enqueue, status, emulator): the queue's only. */
export function loadQueueSettings(env: Environment = readEnvironment()): QueueSettings {
  const parsed = queueAndRedisFields.safeParse(withoutEmpty(env));
  if (!parsed.success) throw new ConfigError(zodProblems(parsed.error));
  const { settings: redis, problems } = redisSettingsOf(parsed.data);
  if (!redis) throw new ConfigError(problems);
  return queueSettingsOf(parsed.data, redis);
}
