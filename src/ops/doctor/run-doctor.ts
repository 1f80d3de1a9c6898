// `pixout doctor`: every check, in the order an operator fixes things — settings, certificate, Redis and the
// queue, the bank over mTLS, a token and its scopes. A check that cannot run because an earlier one failed
// is `skipped`; nothing stops at the first problem. No secret is ever part of the report.
import type { RedisClient } from "../../redis/connections.js";
import { ConfigError, loadQueueSettings, readEnvironment, type Environment, type QueueSettings } from "../../config.js";
import { createInterHttp } from "../../inter/http.js";
import { createInterAgent } from "../../inter/tls-agent.js";
import { createLogger, SecretRegistry } from "../../logger.js";
import { maskText } from "../../payments/mask.js";
import { checkBankConnection } from "./bank.js";
import { checkCertificate } from "./certificate.js";
import { skipped, type Check } from "./check.js";
import { checkQueue } from "./queue.js";
import { checkRedis } from "./redis.js";
import { checkSettings } from "./settings.js";
import { checkToken } from "./token.js";
import { checkWebhookReceiver } from "./webhook.js";

export interface DoctorReport {
  /** No check is an error. */
  ok: boolean;
  errors: number;
  warnings: number;
  checks: Check[];
}

export interface DoctorOptions {
  /** Default: the environment over ./.env, as every command reads it. */
  env?: Environment;
  now?: Date;
  /** How long to wait for Redis to answer. */
  redisTimeoutMs?: number;
  /** Make a token call even when the fleet holds a token (checks the client secret). */
  newToken?: boolean;
}

function queueSettingsOf(env: Environment): QueueSettings | undefined {
  try {
    return loadQueueSettings(env);
  } catch (err) {
    if (err instanceof ConfigError) return undefined;
    throw err;
  }
}

/** Replaces secrets wherever they might appear, and the client id with its mask (defence in depth). */
function scrubbed(checks: Check[], env: Environment): Check[] {
  const replacements: [string, string][] = [];
  for (const name of ["INTER_CLIENT_SECRET", "INTER_PFX_PASSPHRASE"]) {
    const value = env[name];
    if (value !== undefined && value.length >= 6) replacements.push([value, "***"]);
  }
  const clientId = env["INTER_CLIENT_ID"];
  if (clientId !== undefined && clientId.length >= 8) replacements.push([clientId, maskText(clientId)]);
  const scrub = (text: string): string =>
    replacements.reduce((out, [value, mask]) => out.split(value).join(mask), text);
  return checks.map((c) => ({ ...c, detail: scrub(c.detail), ...(c.fix === undefined ? {} : { fix: scrub(c.fix) }) }));
}

export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const env = options.env ?? readEnvironment();
  const now = options.now ?? new Date();
  const checks: Check[] = [];

  const settings = checkSettings(env, now);
  checks.push(...settings.checks);
  checks.push(...checkCertificate(env, now, settings.certificateProblems));
  checks.push(...checkWebhookReceiver(env, now));

  const queueSettings = settings.config ?? queueSettingsOf(env);
  let redis: RedisClient | undefined;
  try {
    if (queueSettings) {
      const found = await checkRedis(queueSettings.redis, options.redisTimeoutMs);
      redis = found.redis;
      checks.push(...found.checks);
      checks.push(
        redis
          ? await checkQueue(redis, queueSettings)
          : skipped("queue", `queue ${queueSettings.queueName}`, "needs Redis (see above)"),
      );
    } else {
      const why = "fix the Redis settings above first";
      checks.push(skipped("redis.connection", "redis", why), skipped("queue", "queue", why));
    }

    const config = settings.config;
    if (!config) {
      const why = "fix the settings and certificate errors above first";
      checks.push(
        skipped("bank.connection", "bank over mTLS", why),
        skipped("bank.token", "access token", why),
        skipped("bank.scopes", "granted scopes", why),
      );
    } else {
      const secrets = new SecretRegistry();
      // Doctor's report is its output; the bank client's own log lines would only repeat it.
      const logger = createLogger({ level: "silent", secrets });
      const agent = createInterAgent(config.inter);
      try {
        const connection = await checkBankConnection(config.inter, agent);
        checks.push(connection);
        if (connection.status === "error") {
          const why = "needs the bank (see above)";
          checks.push(skipped("bank.token", "access token", why), skipped("bank.scopes", "granted scopes", why));
        } else if (!redis && options.newToken !== true) {
          // The fleet's token budget and cooldowns live in Redis: a token call outside them could push the
          // workers over Inter's 5 a minute.
          const why =
            "needs Redis, where the fleet's token budget is shared (see above); --new-token asks the bank anyway";
          checks.push(
            skipped("bank.token", "access token", why),
            skipped("bank.scopes", "granted scopes", "needs a token"),
          );
        } else {
          const http = createInterHttp({
            baseUrl: config.inter.baseUrl,
            dispatcher: agent.dispatcher,
            tlsFailureOf: agent.tlsFailureOf,
            logger,
          });
          checks.push(
            ...(await checkToken({
              config,
              http,
              logger,
              secrets,
              newToken: options.newToken === true,
              ...(redis ? { redis } : {}),
            })),
          );
        }
      } finally {
        await agent.close();
      }
    }
  } finally {
    redis?.disconnect();
  }

  const report = scrubbed(checks, env);
  const errors = report.filter((c) => c.status === "error").length;
  const warnings = report.filter((c) => c.status === "warning").length;
  return { ok: errors === 0, errors, warnings, checks: report };
}
