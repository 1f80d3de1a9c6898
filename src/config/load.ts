// The whole configuration of a worker, in two phases. Phase 1 (parseSettings) turns the environment's text
// into typed values and checks how they combine, touching no file: a file setting is still its path.
// Phase 2 (readSettingFiles) reads the files those paths name — the bank's client certificate, the
// recipients' allow-list, Redis's CA — each as soon as its own settings are right, so that one start
// reports every problem of both phases together.
import { z } from "zod";
import type { Allowlist } from "../payments/safety-limits.js";
import { redisSettingsOf, type RedisFields, type RedisSettings } from "../redis/settings.js";
import type {
  CertificateSummary,
  ClientTlsMaterial,
  CredentialFiles,
  CredentialProblem,
} from "../tls/client-credentials.js";
import { balanceFields, balanceSettingsOf } from "./balance.js";
import { budgetFields, budgetSettingsOf, environmentWarnings } from "./budgets.js";
import { dataProblems, dataProtectionFields, dataSettingsOf, type DataSettings } from "./data-protection.js";
import { readEnvironment } from "./environment.js";
import { certificateChoice, interCertificateFields, readInterCertificate } from "./inter-certificate.js";
import { interWebhookFields } from "./inter-webhooks.js";
import { baseUrlOf, environmentOf, interFields, interSettingsOf, type InterSettings } from "./inter.js";
import {
  notificationFields,
  notifyDestinationProblems,
  notifySettingsOf,
  type NotifySettings,
} from "./notifications.js";
import { ConfigError, withoutEmpty, zodProblems, type Environment } from "./problems.js";
import { queueFields, queueSettingsOf, type QueueSettings } from "./queue.js";
import { reconcileSettingsOf, reconciliationFields } from "./reconciliation.js";
import { redisFields } from "./redis.js";
import { dailyLimitProblems, readAllowlist, safetyLimitFields, safetyLimitsOf } from "./safety-limits.js";
import { workerFields, workerSettingsOf, type WorkerSettings } from "./worker.js";

/** Every setting a worker reads (besides the metrics server's and tracing's, src/ops). */
export const envSchema = z.object({
  ...redisFields.shape,
  ...queueFields.shape,
  ...interFields.shape,
  ...interCertificateFields.shape,
  ...budgetFields.shape,
  ...workerFields.shape,
  ...reconciliationFields.shape,
  ...balanceFields.shape,
  ...safetyLimitFields.shape,
  ...interWebhookFields.shape,
  ...notificationFields.shape,
  ...dataProtectionFields.shape,
});

export type SettingValues = z.infer<typeof envSchema>;

export interface Config extends QueueSettings {
  /** PIXOUT_MAX_AMOUNT in centavos: the per-payment maximum (paymentSchemaFor / validatePayment rules). */
  maxAmountCents: number;
  inter: InterSettings;
  worker: WorkerSettings;
  notify: NotifySettings;
  data: DataSettings;
}

export interface LoadedConfig {
  config: Config;
  /** Things worth a warning at start, such as a certificate expiring within 30 days. */
  warnings: string[];
}

/** What phase 1 found: the values, the files phase 2 is to read, and the problems so far. */
export interface ParsedSettings {
  /** The settings as given, empty ones dropped. */
  input: Record<string, string>;
  /** Every setting as a typed value; absent when any is wrong. */
  values?: SettingValues;
  /** The files to read, each present as soon as its own settings are right (whatever the others). */
  files: {
    /** The bank's client certificate and key, or .pfx, and extra CA: absent when their combination is wrong. */
    certificate?: CredentialFiles;
    /** PIXOUT_RECIPIENT_ALLOWLIST. */
    allowlist?: string;
    /** The Redis settings, whose CA file phase 2 reads (and whose combination src/redis/settings.ts checks then). */
    redis?: RedisFields;
  };
  problems: CredentialProblem[];
}

/** Phase 1: text to typed values and how they combine. Reads no file. */
export function parseSettings(env: Environment): ParsedSettings {
  const input = withoutEmpty(env);
  const parsed = envSchema.safeParse(input);
  const problems = parsed.success ? [] : zodProblems(parsed.error);
  problems.push(...notifyDestinationProblems(input), ...dataProblems(input), ...dailyLimitProblems(input));
  const certificate = certificateChoice(interCertificateFields.parse(input));
  problems.push(...certificate.problems);
  const redis = redisFields.safeParse(input);
  return {
    input,
    ...(parsed.success ? { values: parsed.data } : {}),
    files: {
      ...(certificate.files === undefined ? {} : { certificate: certificate.files }),
      ...(input["PIXOUT_RECIPIENT_ALLOWLIST"] === undefined ? {} : { allowlist: input["PIXOUT_RECIPIENT_ALLOWLIST"] }),
      ...(redis.success ? { redis: redis.data } : {}),
    },
    problems,
  };
}

/** What phase 2 read: each part present when its files are right. */
export interface SettingFiles {
  redis?: RedisSettings;
  certificate?: { tls: ClientTlsMaterial; certificate: CertificateSummary };
  allowlist?: Allowlist;
  problems: CredentialProblem[];
  /** A certificate expiring within 30 days. */
  warnings: string[];
}

/** Phase 2: the files phase 1 named, read and checked. */
export function readSettingFiles(files: ParsedSettings["files"], now: Date): SettingFiles {
  const read: SettingFiles = { problems: [], warnings: [] };
  if (files.redis !== undefined) {
    const redis = redisSettingsOf(files.redis);
    read.problems.push(...redis.problems);
    if (redis.settings) read.redis = redis.settings;
  }
  if (files.certificate !== undefined) {
    const loaded = readInterCertificate(files.certificate, now);
    read.problems.push(...loaded.problems);
    read.warnings.push(...loaded.warnings);
    if (loaded.material && loaded.certificate)
      read.certificate = { tls: loaded.material, certificate: loaded.certificate };
  }
  if (files.allowlist !== undefined) {
    const allowlist = readAllowlist(files.allowlist);
    read.problems.push(...allowlist.problems);
    if (allowlist.allowlist) read.allowlist = allowlist.allowlist;
  }
  return read;
}

/** Parses and checks every setting, including the certificate files. Throws ConfigError listing all problems. */
export function loadConfig(env: Environment = readEnvironment(), now: Date = new Date()): LoadedConfig {
  const parsed = parseSettings(env);
  const files = readSettingFiles(parsed.files, now);
  const problems = [...parsed.problems, ...files.problems];
  const { values } = parsed;
  const { redis, certificate } = files;
  if (!values || problems.length > 0 || !redis || !certificate) throw new ConfigError(problems);
  const environment = environmentOf(values, parsed.input);
  const baseUrl = baseUrlOf(values, environment);
  const budgets = budgetSettingsOf(values, environment);
  return {
    config: {
      ...queueSettingsOf(values, redis),
      maxAmountCents: values.PIXOUT_MAX_AMOUNT,
      worker: workerSettingsOf(values, {
        budgets,
        webhookPollMs: values.PIXOUT_WEBHOOK_POLL_MS,
        reconcile: reconcileSettingsOf(values),
        balance: balanceSettingsOf(values),
        limits: safetyLimitsOf(values, files.allowlist),
      }),
      data: dataSettingsOf(values),
      notify: notifySettingsOf(values),
      inter: interSettingsOf(
        values,
        { environment, baseUrl, maxBankWaitMs: values.PIXOUT_MAX_BANK_WAIT_SECONDS * 1000 },
        { ...certificate, pfxPassphrase: values.INTER_PFX_PASSPHRASE },
      ),
    },
    warnings: [...environmentWarnings(environment, baseUrl, budgets), ...files.warnings],
  };
}
