// The only reader of process.env (and of ./.env when present). One zod schema, checked once at start;
// every bad or missing setting is reported together, each with what to do (issue #2 §2).
import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { z } from "zod";
import { LOG_LEVELS, type LogLevel } from "./logger.js";
import { isMissing } from "./payments/field-issues.js";
import {
  loadClientCredentials,
  type CertificateSummary,
  type ClientTlsMaterial,
  type CredentialProblem,
} from "./tls/client-credentials.js";

export const INTER_PRODUCTION_URL = "https://cdpj.partners.bancointer.com.br";
export const INTER_SANDBOX_URL = "https://cdpj-sandbox.partners.uatinter.co";
/** The scopes a payout worker needs (inter-api.md §2.3). */
export const DEFAULT_SCOPES = "pagamento-pix.write pagamento-pix.read";

export type Environment = Record<string, string | undefined>;

/** process.env over ./.env (a variable set in the environment wins, as with dotenv). */
export function readEnvironment(cwd: string = process.cwd()): Environment {
  const file = `${cwd}/.env`;
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, "utf8")) : {};
  return { ...fromFile, ...process.env };
}

const optionalText = z.string().min(1).optional();
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

const redisUrl = z
  .string()
  .default("redis://127.0.0.1:6379")
  .refine((v) => /^rediss?:\/\/[^\s]+$/.test(v), "must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379");

const logLevel = z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]], { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info");

export const envSchema = z.object({
  REDIS_URL: redisUrl,
  LOG_LEVEL: logLevel,
  PIXOUT_QUEUE: z
    .string()
    .default("pix-payouts")
    .refine((v) => /^[A-Za-z0-9_-]{1,64}$/.test(v), "must be 1-64 characters of letters, digits, _ or -"),
  PIXOUT_REDIS_PREFIX: z
    .string()
    .default("pixout")
    .refine((v) => /^[A-Za-z0-9_:-]{1,64}$/.test(v), "must be 1-64 characters of letters, digits, _ : or -"),
  INTER_BASE_URL: z
    .string()
    .default(INTER_PRODUCTION_URL)
    .refine((v) => /^https:\/\/[^\s/]+(\/[^\s]*)?$/.test(v), "must be an https:// URL (Inter requires mTLS)")
    .transform((v) => v.replace(/\/+$/, "")),
  INTER_CLIENT_ID: z.string({ error: "is required (the Client Id of the integration in Inter's Internet Banking)" }).min(1),
  INTER_CLIENT_SECRET: z.string({ error: "is required (the Client Secret of the integration)" }).min(1),
  INTER_CERT_FILE: optionalText,
  INTER_KEY_FILE: optionalText,
  INTER_PFX_FILE: optionalText,
  INTER_PFX_PASSPHRASE: z.string().optional(),
  INTER_CA_FILE: optionalText,
  INTER_ACCOUNT: z
    .string()
    .regex(/^[1-9][0-9]*$/, "must be the checking account number, digits only with the check digit and no leading zeros")
    .optional(),
  INTER_SCOPES: z
    .string()
    .default(DEFAULT_SCOPES)
    .transform((v) => v.split(/\s+/).filter(Boolean))
    .refine((v) => v.length > 0, "must name at least one scope"),
  INTER_TOKEN_MARGIN_SECONDS: nonNegativeInt(60),
  INTER_CONNECT_TIMEOUT_MS: positiveInt(10_000),
  INTER_REQUEST_TIMEOUT_MS: positiveInt(30_000),
  INTER_MAX_CONNECTIONS: positiveInt(8),

  // The worker. Budgets default to Inter's production limits (inter-api.md §6.2).
  PIXOUT_CONCURRENCY: positiveInt(8),
  PIXOUT_SEND_PER_MINUTE: positiveInt(60),
  PIXOUT_SEND_MIN_INTERVAL_MS: nonNegativeInt(1000),
  PIXOUT_STATUS_PER_MINUTE: positiveInt(20),
  PIXOUT_TOKEN_PER_MINUTE: positiveInt(5),
  PIXOUT_LIMIT_MARGIN_PERCENT: z.coerce.number().min(0).max(100).default(2),
  PIXOUT_MAX_ATTEMPTS: positiveInt(8),
  PIXOUT_FIRST_POLL_MS: positiveInt(2000),
  PIXOUT_POLL_CAP_MS: positiveInt(60_000),
  PIXOUT_APPROVAL_POLL_MS: positiveInt(300_000),
  PIXOUT_APPROVAL_DEADLINE_MINUTES: z.coerce.number().positive().default(1440),
  PIXOUT_POLL_DEADLINE_MINUTES: z.coerce.number().positive().default(1440),
  PIXOUT_SHUTDOWN_TIMEOUT_MS: positiveInt(25_000),
  PIXOUT_LOCK_DURATION_MS: z.coerce.number().int().positive().optional(),
  PIXOUT_STALLED_INTERVAL_MS: positiveInt(30_000),
  PIXOUT_RESEND_WINDOW_MINUTES: z.coerce.number().positive().default(60),
  PIXOUT_TRUST_BANK_IDEMPOTENCY: z
    .enum(["true", "false"], { error: "must be true or false" })
    .default("true")
    .transform((v) => v === "true"),
});


export interface InterSettings {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  account?: string;
  tls: ClientTlsMaterial;
  certificate: CertificateSummary;
  /** Kept only so that logs can scrub it; the .pfx is already converted to PEM in `tls`. */
  pfxPassphrase?: string;
  tokenMarginMs: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxConnections: number;
}

/** Where the payout queue lives: all a producer (SDK, `pixout enqueue`, `pixout status`) needs. */
export interface QueueSettings {
  redisUrl: string;
  redisPrefix: string;
  queueName: string;
  logLevel: LogLevel;
}

/** Fleet-wide budgets, per minute, of the bank's endpoints. */
export interface BudgetSettings {
  sendPerMinute: number;
  sendMinIntervalMs: number;
  statusPerMinute: number;
  tokenPerMinute: number;
  /** Spacing is widened by this much, so that jitter never makes two calls closer than the bank allows. */
  marginPercent: number;
}

export interface WorkerSettings {
  concurrency: number;
  budgets: BudgetSettings;
  maxAttempts: number;
  firstPollMs: number;
  pollCapMs: number;
  approvalPollMs: number;
  approvalDeadlineMs: number;
  pollDeadlineMs: number;
  shutdownTimeoutMs: number;
  /** Overrides the job lock derived from the bank timeouts (see lockDurationMs in src/queue/worker.ts). */
  lockDurationMs?: number;
  stalledIntervalMs: number;
  /** Resend a send that may have executed under the same key (see LifecyclePolicy.resendAmbiguous). */
  trustBankIdempotency: boolean;
  resendWindowMs: number;
}

export interface Config extends QueueSettings {
  inter: InterSettings;
  worker: WorkerSettings;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: CredentialProblem[]) {
    super(
      `pixout cannot start: ${String(problems.length)} setting${problems.length === 1 ? " is" : "s are"} wrong\n` +
        problems.map((p) => `  ${p.setting}: ${p.message}`).join("\n") +
        "\nSee .env.example for every setting.",
    );
  }
}

/** Drops empty values: `INTER_ACCOUNT=` in a .env file means "not set". */
function withoutEmpty(env: Environment): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""));
}

function zodProblems(error: z.ZodError): CredentialProblem[] {
  return error.issues.map((issue) => ({
    setting: issue.path.map(String).join(".") || "environment",
    message: isMissing(issue) ? "is required" : issue.message,
  }));
}

const certificateFields = envSchema.pick({
  INTER_CERT_FILE: true,
  INTER_KEY_FILE: true,
  INTER_PFX_FILE: true,
  INTER_PFX_PASSPHRASE: true,
  INTER_CA_FILE: true,
});

function certificateChoiceProblems(env: z.infer<typeof certificateFields>): CredentialProblem[] {
  const pem = env.INTER_CERT_FILE !== undefined || env.INTER_KEY_FILE !== undefined;
  const pfx = env.INTER_PFX_FILE !== undefined || env.INTER_PFX_PASSPHRASE !== undefined;
  if (pem && pfx) {
    return [{ setting: "INTER_PFX_FILE", message: "set either INTER_CERT_FILE + INTER_KEY_FILE or INTER_PFX_FILE + INTER_PFX_PASSPHRASE, not both" }];
  }
  if (pfx) {
    return env.INTER_PFX_FILE === undefined
      ? [{ setting: "INTER_PFX_FILE", message: "is required with INTER_PFX_PASSPHRASE (path of the .pfx file)" }]
      : env.INTER_PFX_PASSPHRASE === undefined
        ? [{ setting: "INTER_PFX_PASSPHRASE", message: "is required with INTER_PFX_FILE" }]
        : [];
  }
  const problems: CredentialProblem[] = [];
  if (env.INTER_CERT_FILE === undefined) {
    problems.push({ setting: "INTER_CERT_FILE", message: "is required (the integration's .crt), or use INTER_PFX_FILE + INTER_PFX_PASSPHRASE" });
  }
  if (env.INTER_KEY_FILE === undefined) problems.push({ setting: "INTER_KEY_FILE", message: "is required (the integration's .key)" });
  return problems;
}

export interface LoadedConfig {
  config: Config;
  /** Things worth a warning at start, such as a certificate expiring within 30 days. */
  warnings: string[];
}

/** Parses and checks every setting, including the certificate files. Throws ConfigError listing all problems. */
export function loadConfig(env: Environment = readEnvironment(), now: Date = new Date()): LoadedConfig {
  const input = withoutEmpty(env);
  const parsed = envSchema.safeParse(input);
  const problems: CredentialProblem[] = parsed.success ? [] : zodProblems(parsed.error);
  // The certificate files are checked even when other settings are wrong, so one run shows every problem.
  const files = certificateFields.parse(input);
  let credentials: ReturnType<typeof loadClientCredentials> | undefined;
  const choice = certificateChoiceProblems(files);
  problems.push(...choice);
  if (choice.length === 0) {
    credentials = loadClientCredentials(
      {
        ...(files.INTER_CERT_FILE === undefined ? {} : { certFile: files.INTER_CERT_FILE }),
        ...(files.INTER_KEY_FILE === undefined ? {} : { keyFile: files.INTER_KEY_FILE }),
        ...(files.INTER_PFX_FILE === undefined ? {} : { pfxFile: files.INTER_PFX_FILE }),
        ...(files.INTER_PFX_PASSPHRASE === undefined ? {} : { pfxPassphrase: files.INTER_PFX_PASSPHRASE }),
        ...(files.INTER_CA_FILE === undefined ? {} : { caFile: files.INTER_CA_FILE }),
      },
      now,
    );
    problems.push(...credentials.problems);
  }
  if (!parsed.success || problems.length > 0 || !credentials?.material || !credentials.certificate) {
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  return {
    config: {
      redisUrl: e.REDIS_URL,
      redisPrefix: e.PIXOUT_REDIS_PREFIX,
      queueName: e.PIXOUT_QUEUE,
      logLevel: e.LOG_LEVEL,
      worker: {
        concurrency: e.PIXOUT_CONCURRENCY,
        budgets: {
          sendPerMinute: e.PIXOUT_SEND_PER_MINUTE,
          sendMinIntervalMs: e.PIXOUT_SEND_MIN_INTERVAL_MS,
          statusPerMinute: e.PIXOUT_STATUS_PER_MINUTE,
          tokenPerMinute: e.PIXOUT_TOKEN_PER_MINUTE,
          marginPercent: e.PIXOUT_LIMIT_MARGIN_PERCENT,
        },
        maxAttempts: e.PIXOUT_MAX_ATTEMPTS,
        firstPollMs: e.PIXOUT_FIRST_POLL_MS,
        pollCapMs: e.PIXOUT_POLL_CAP_MS,
        approvalPollMs: e.PIXOUT_APPROVAL_POLL_MS,
        approvalDeadlineMs: Math.round(e.PIXOUT_APPROVAL_DEADLINE_MINUTES * 60_000),
        pollDeadlineMs: Math.round(e.PIXOUT_POLL_DEADLINE_MINUTES * 60_000),
        shutdownTimeoutMs: e.PIXOUT_SHUTDOWN_TIMEOUT_MS,
        ...(e.PIXOUT_LOCK_DURATION_MS === undefined ? {} : { lockDurationMs: e.PIXOUT_LOCK_DURATION_MS }),
        stalledIntervalMs: e.PIXOUT_STALLED_INTERVAL_MS,
        trustBankIdempotency: e.PIXOUT_TRUST_BANK_IDEMPOTENCY,
        resendWindowMs: Math.round(e.PIXOUT_RESEND_WINDOW_MINUTES * 60_000),
      },
      inter: {
        baseUrl: e.INTER_BASE_URL,
        clientId: e.INTER_CLIENT_ID,
        clientSecret: e.INTER_CLIENT_SECRET,
        scopes: e.INTER_SCOPES,
        ...(e.INTER_ACCOUNT === undefined ? {} : { account: e.INTER_ACCOUNT }),
        tls: credentials.material,
        certificate: credentials.certificate,
        ...(e.INTER_PFX_PASSPHRASE === undefined ? {} : { pfxPassphrase: e.INTER_PFX_PASSPHRASE }),
        tokenMarginMs: e.INTER_TOKEN_MARGIN_SECONDS * 1000,
        connectTimeoutMs: e.INTER_CONNECT_TIMEOUT_MS,
        requestTimeoutMs: e.INTER_REQUEST_TIMEOUT_MS,
        maxConnections: e.INTER_MAX_CONNECTIONS,
      },
    },
    warnings: credentials.warnings,
  };
}

/** Settings for commands that never talk to the bank (enqueue, status, emulator): the queue's only. */
export function loadQueueSettings(env: Environment = readEnvironment()): QueueSettings {
  const parsed = envSchema
    .pick({ LOG_LEVEL: true, REDIS_URL: true, PIXOUT_QUEUE: true, PIXOUT_REDIS_PREFIX: true })
    .safeParse(withoutEmpty(env));
  if (!parsed.success) throw new ConfigError(zodProblems(parsed.error));
  const e = parsed.data;
  return { redisUrl: e.REDIS_URL, redisPrefix: e.PIXOUT_REDIS_PREFIX, queueName: e.PIXOUT_QUEUE, logLevel: e.LOG_LEVEL };
}
