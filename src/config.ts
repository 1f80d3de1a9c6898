// The only reader of process.env (and of ./.env when present). One zod schema, checked once at start;
// every bad or missing setting is reported together, each with what to do.
import type { BalanceHoldPolicy } from "./payments/balance-hold.js";
import { existsSync } from "node:fs";
import { parseEnv } from "node:util";
import { z } from "zod";
import {
  INTER_ENVIRONMENTS,
  INTER_ENVIRONMENT_NAMES,
  environmentOfUrl,
  type InterEnvironment,
  type PublishedLimits,
} from "./inter/environments.js";
import { LOG_LEVELS, type LogLevel } from "./logger.js";
import { destinationProblem, originOf } from "./payments/destination.js";
import { DEFAULT_NOTIFY, parseNotifySecrets, type NotifySettings } from "./notifications/settings.js";
import { DEFAULT_MAX_AMOUNT_CENTS, amountProblem } from "./payments/amount-rule.js";
import { isMissing } from "./payments/field-issues.js";
import { formatCents, parseAmount } from "./payments/money.js";
import { parseDataKeys, type DataKeyring } from "./payments/recipient-crypto.js";
import {
  parseAccountLimits,
  parseAllowlist,
  parseLimit,
  type Allowlist,
  type SafetyLimitSettings,
} from "./payments/safety-limits.js";
import {
  loadClientCredentials,
  type CertificateSummary,
  type ClientTlsMaterial,
  type CredentialProblem,
} from "./tls/client-credentials.js";
import { redisFields, redisSettingsOf, type RedisSettings } from "./redis/settings.js";
import { readSettingFile } from "./setting-file.js";
import { loadServerCredentials, type ServerTlsMaterial } from "./tls/server-credentials.js";

export const INTER_PRODUCTION_URL = INTER_ENVIRONMENTS.production.baseUrl;
export const INTER_SANDBOX_URL = INTER_ENVIRONMENTS.sandbox.baseUrl;
/** The scopes a payout worker needs (inter-api.md §2.3). */
export const DEFAULT_SCOPES = "pagamento-pix.write pagamento-pix.read";

export type Environment = Record<string, string | undefined>;

/** process.env over ./.env (a variable set in the environment wins, as with dotenv). */
export function readEnvironment(cwd: string = process.cwd()): Environment {
  const file = `${cwd}/.env`;
  if (!existsSync(file)) return { ...process.env };
  const read = readSettingFile(file);
  if (!read.ok) throw new ConfigError([{ setting: "./.env", message: read.message }]);
  const fromFile = parseEnv(read.data.toString("utf8"));
  return { ...fromFile, ...process.env };
}

const optionalText = z.string().min(1).optional();
/**
 * A number as a setting is written: digits, and a decimal point where a fraction makes sense. `1e3`, `0x10`,
 * `Infinity` or `1_000` are refused rather than read as something the operator may not have meant.
 */
export function digits(decimal = false) {
  return z
    .string()
    .trim()
    .regex(
      decimal ? /^\d{1,15}(\.\d{1,6})?$/ : /^\d{1,15}$/,
      decimal
        ? "must be a number written in digits, like 2 or 0.5"
        : "must be a whole number written in digits, like 4",
    )
    .transform(Number);
}
const wholeNumber = () => digits().pipe(z.number().int());
const decimalNumber = () => digits(true).pipe(z.number());
const positiveInt = (fallback: number) => wholeNumber().pipe(z.number().positive()).default(fallback);
const nonNegativeInt = (fallback: number) => wholeNumber().default(fallback);
/** A "true" / "false" setting, as a boolean. */
const flag = (fallback: boolean) =>
  z
    .enum(["true", "false"], { error: "must be true or false" })
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true");
/** A per-minute budget whose default comes from INTER_ENV (resolved in budgetSettingsOf). */
const perMinute = wholeNumber().pipe(z.number().positive()).optional();
const perMinuteOrNone = wholeNumber().optional();

const logLevel = z
  .enum(LOG_LEVELS as [LogLevel, ...LogLevel[]], { error: `must be one of ${LOG_LEVELS.join(", ")}` })
  .default("info");

export const envSchema = z.object({
  ...redisFields.shape,
  LOG_LEVEL: logLevel,
  PIXOUT_QUEUE: z
    .string()
    .default("pix-payouts")
    .refine((v) => /^[A-Za-z0-9_-]{1,64}$/.test(v), "must be 1-64 characters of letters, digits, _ or -"),
  PIXOUT_REDIS_PREFIX: z
    .string()
    .default("pixout")
    .refine((v) => /^[A-Za-z0-9_:-]{1,64}$/.test(v), "must be 1-64 characters of letters, digits, _ : or -"),
  INTER_ENV: z
    .enum(INTER_ENVIRONMENT_NAMES, { error: `must be ${INTER_ENVIRONMENT_NAMES.join(" or ")}` })
    .default("production"),
  /** Default: INTER_ENV's URL. */
  INTER_BASE_URL: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || /^https:\/\/[^\s/]+(\/[^\s]*)?$/.test(v),
      "must be an https:// URL (Inter requires mTLS)",
    )
    .transform((v) => v?.replace(/\/+$/, "")),
  INTER_CLIENT_ID: z
    .string({ error: "is required (the Client Id of the integration in Inter's Internet Banking)" })
    .min(1),
  INTER_CLIENT_SECRET: z.string({ error: "is required (the Client Secret of the integration)" }).min(1),
  INTER_CERT_FILE: optionalText,
  INTER_KEY_FILE: optionalText,
  INTER_PFX_FILE: optionalText,
  INTER_PFX_PASSPHRASE: z.string().optional(),
  INTER_CA_FILE: optionalText,
  INTER_ACCOUNT: z
    .string()
    .regex(
      /^[1-9][0-9]*$/,
      "must be the checking account number, digits only with the check digit and no leading zeros",
    )
    .optional(),
  /**
   * The account header of the statement and balance calls: Inter's spec names `x-conta-corrente`, its
   * examples send `x-inter-conta-corrente` (UNVERIFIED which it reads).
   */
  INTER_STATEMENT_ACCOUNT_HEADER: z.enum(["x-conta-corrente", "x-inter-conta-corrente"]).default("x-conta-corrente"),
  INTER_SCOPES: z
    .string()
    .default(DEFAULT_SCOPES)
    .transform((v) => v.split(/\s+/).filter(Boolean))
    .refine((v) => v.length > 0, "must name at least one scope"),
  INTER_TOKEN_MARGIN_SECONDS: nonNegativeInt(60),
  INTER_CONNECT_TIMEOUT_MS: positiveInt(10_000),
  INTER_REQUEST_TIMEOUT_MS: positiveInt(30_000),
  INTER_MAX_CONNECTIONS: positiveInt(8),

  // The worker. Budgets default to the limits INTER_ENV's environment publishes (src/inter/environments.ts).
  PIXOUT_CONCURRENCY: positiveInt(8),
  PIXOUT_SEND_PER_MINUTE: perMinute,
  PIXOUT_SEND_MIN_INTERVAL_MS: wholeNumber().optional(),
  PIXOUT_STATUS_PER_MINUTE: perMinute,
  PIXOUT_TOKEN_PER_MINUTE: perMinute,
  PIXOUT_WEBHOOK_PER_MINUTE: perMinute,
  PIXOUT_CALLBACKS_PER_MINUTE: perMinute,
  /** 0: the environment has no callback re-send (Inter's sandbox). */
  PIXOUT_CALLBACK_RETRY_PER_MINUTE: perMinuteOrNone,
  PIXOUT_STATEMENT_PER_MINUTE: perMinuteOrNone,
  PIXOUT_BALANCE_PER_MINUTE: perMinuteOrNone,
  PIXOUT_LIMIT_MARGIN_PERCENT: decimalNumber().pipe(z.number().max(100)).default(2),
  /** A Retry-After (from Inter, a proxy or a WAF) longer than this is cut to it: the payment asks again then. */
  PIXOUT_MAX_BANK_WAIT_SECONDS: positiveInt(300),
  PIXOUT_MAX_ATTEMPTS: positiveInt(8),
  PIXOUT_FIRST_POLL_MS: positiveInt(2000),
  PIXOUT_POLL_CAP_MS: positiveInt(60_000),
  PIXOUT_APPROVAL_POLL_MS: positiveInt(300_000),
  PIXOUT_APPROVAL_DEADLINE_MINUTES: decimalNumber().pipe(z.number().positive()).default(1440),
  PIXOUT_POLL_DEADLINE_MINUTES: decimalNumber().pipe(z.number().positive()).default(1440),
  PIXOUT_SHUTDOWN_TIMEOUT_MS: positiveInt(25_000),
  PIXOUT_LOCK_DURATION_MS: wholeNumber().pipe(z.number().positive()).optional(),
  PIXOUT_STALLED_INTERVAL_MS: positiveInt(30_000),
  PIXOUT_RESEND_WINDOW_MINUTES: decimalNumber().pipe(z.number().positive()).default(60),
  PIXOUT_TRUST_BANK_IDEMPOTENCY: flag(true),
  /** The fleet reconciles with Inter's statement on its own (docs/reconciliation.md): daily and every N minutes. */
  PIXOUT_RECONCILE: flag(false),
  PIXOUT_RECONCILE_EVERY_MINUTES: positiveInt(60),
  PIXOUT_RECONCILE_DAYS: wholeNumber()
    .pipe(z.number().positive().max(90, "must be at most 90 (Inter's longest statement period)"))
    .default(14),
  /** An account short of money: hold its payments until the balance allows (docs/balance.md), or fail each one. */
  PIXOUT_ON_INSUFFICIENT_BALANCE: z.enum(["hold", "fail"], { error: "must be hold or fail" }).default("hold"),
  PIXOUT_MAX_HOLD_MINUTES: decimalNumber().pipe(z.number().positive()).optional(),
  PIXOUT_BALANCE_CHECK_SECONDS: decimalNumber().pipe(z.number().positive()).default(30),
  PIXOUT_BALANCE_CHECK_MAX_SECONDS: decimalNumber().pipe(z.number().positive()).default(300),
  PIXOUT_BALANCE_COUNT_LIMIT: flag(false),
  PIXOUT_BALANCE_GUARD: flag(false),
  PIXOUT_BALANCE_GUARD_SECONDS: decimalNumber().pipe(z.number().positive()).default(60),
  /** The largest amount of one payment, refused above it by producers and the worker. */
  PIXOUT_MAX_AMOUNT: z
    .string()
    .default(formatCents(DEFAULT_MAX_AMOUNT_CENTS))
    .superRefine((v, ctx) => {
      const problem = amountProblem(v, Number.MAX_SAFE_INTEGER);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    })
    .transform((v) => parseAmount(v)),
  // Fleet-wide safety limits (README "Safety limits"): unset = none.
  PIXOUT_DAILY_LIMIT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const parsed = parseLimit(v);
      if ("problem" in parsed) ctx.addIssue({ code: "custom", message: parsed.problem });
      return "cents" in parsed ? parsed.cents : undefined;
    }),
  PIXOUT_DAILY_LIMITS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const parsed = parseAccountLimits(v ?? "");
      for (const message of parsed.problems) ctx.addIssue({ code: "custom", message });
      return parsed.limits;
    }),
  PIXOUT_RECIPIENT_ALLOWLIST: z
    .string()
    .optional()
    .transform((v, ctx): Allowlist | undefined => {
      if (v === undefined) return undefined;
      const file = readSettingFile(v);
      if (!file.ok) {
        ctx.addIssue({ code: "custom", message: `the allow-list: ${file.message}` });
        return undefined;
      }
      const parsed = parseAllowlist(file.data.toString("utf8"), v);
      for (const message of parsed.problems) ctx.addIssue({ code: "custom", message: `${v} ${message}` });
      return parsed.allowlist;
    }),

  // Inter's pix-pagamento callbacks (src/inter-callbacks/, README "Webhooks from Inter").
  PIXOUT_WEBHOOK_POLL_MS: positiveInt(300_000),
  PIXOUT_WEBHOOK_HOST: z.string().min(1).default("0.0.0.0"),
  PIXOUT_WEBHOOK_PORT: wholeNumber().pipe(z.number().max(65_535)).default(8443),
  /** Open connections one address may hold on the receiver's port (which faces the internet). */
  PIXOUT_WEBHOOK_MAX_CONNECTIONS_PER_ADDRESS: positiveInt(32),
  PIXOUT_WEBHOOK_PATH: z
    .string()
    .default("/inter/pix-pagamento")
    .refine(
      (v) => /^\/[^\s?#]*$/.test(v),
      "must be a path starting with / (the path of the URL registered with Inter)",
    ),
  PIXOUT_WEBHOOK_CERT_FILE: optionalText,
  PIXOUT_WEBHOOK_KEY_FILE: optionalText,
  PIXOUT_WEBHOOK_CLIENT_CA_FILE: optionalText,
  PIXOUT_WEBHOOK_CLIENT_FINGERPRINTS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const list = (v ?? "")
        .split(",")
        .map((f) => f.trim().replace(/:/g, "").toUpperCase())
        .filter(Boolean);
      for (const f of list)
        if (!/^[0-9A-F]{64}$/.test(f))
          ctx.addIssue({
            code: "custom",
            message: `"${f}" is not a SHA-256 fingerprint (64 hex digits, colons allowed)`,
          });
      return list;
    }),
  /** Caller subjects pinned instead of fingerprints (`CN=…, O=…` as the receiver logs them), `;`-separated. */
  PIXOUT_WEBHOOK_CLIENT_SUBJECTS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const list = (v ?? "")
        .split(";")
        .map((x) => x.trim())
        .filter(Boolean);
      for (const x of list)
        if (!/^[A-Za-z.0-9]+=/.test(x))
          ctx.addIssue({
            code: "custom",
            message: `"${x}" is not a certificate subject such as "CN=Inter Webhook, O=Banco Inter"`,
          });
      return list;
    }),

  // Signed notifications to upstream services (src/notifications/, README "Notifications to your services").
  PIXOUT_NOTIFY_URL: z
    .string()
    .superRefine((v, ctx) => {
      const problem = destinationProblem(v);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
  PIXOUT_NOTIFY_SECRETS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const parsed = parseNotifySecrets(v ?? "");
      for (const message of parsed.problems) ctx.addIssue({ code: "custom", message });
      return parsed.secrets;
    }),
  PIXOUT_NOTIFY_MAX_ATTEMPTS: positiveInt(DEFAULT_NOTIFY.maxAttempts),
  PIXOUT_NOTIFY_BACKOFF_MS: positiveInt(DEFAULT_NOTIFY.backoffMs),
  PIXOUT_NOTIFY_TIMEOUT_MS: positiveInt(DEFAULT_NOTIFY.timeoutMs),
  PIXOUT_NOTIFY_CONCURRENCY: positiveInt(DEFAULT_NOTIFY.concurrency),

  // Data protection and retention (README "Data protection and retention").
  PIXOUT_DATA_KEYS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const parsed = parseDataKeys(v ?? "");
      for (const message of parsed.problems) ctx.addIssue({ code: "custom", message });
      return parsed.keys;
    }),
  PIXOUT_DATA_KEY_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, "must be the id of a key in PIXOUT_DATA_KEYS")
    .optional(),
  PIXOUT_REQUIRE_ENCRYPTION: flag(false),
  // At least a day: a producer checks a payment's record, then adds its job; a job removed in between
  // (finished and removed within moments) would let the same payment in again.
  PIXOUT_KEEP_COMPLETED_DAYS: decimalNumber().pipe(z.number().min(1, "must be at least 1 (day)")).default(30),
  PIXOUT_KEEP_FAILED_DAYS: decimalNumber().pipe(z.number().min(1, "must be at least 1 (day)")).default(90),
  PIXOUT_IDEMPOTENCY_DAYS: decimalNumber().pipe(z.number().positive()).default(400),
});
/** Every Redis setting, for the loaders that pick theirs. */
const REDIS_PICK = Object.fromEntries(Object.keys(redisFields.shape).map((k) => [k, true])) as {
  [K in keyof typeof redisFields.shape]: true;
};

export interface InterSettings {
  /** INTER_ENV: whose published limits the budgets default to. */
  environment: InterEnvironment;
  /** INTER_STATEMENT_ACCOUNT_HEADER. */
  statementAccountHeader: "x-conta-corrente" | "x-inter-conta-corrente";
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
  /** PIXOUT_MAX_BANK_WAIT_SECONDS: the longest wait a Retry-After (a 429, a 503) can impose. */
  maxBankWaitMs: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxConnections: number;
}

/** Where the payout queue lives: all a producer (SDK, `pixout enqueue`, `pixout status`) needs. */
export interface QueueSettings {
  /** Where Redis is (REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES) and the replicas a write waits for. */
  redis: RedisSettings;
  redisPrefix: string;
  queueName: string;
  logLevel: LogLevel;
}

/** Fleet-wide budgets, per minute, of the bank's endpoints (0: the endpoint is not called). */
export interface BudgetSettings extends PublishedLimits {
  /** Spacing is widened by this much, so that jitter never makes two calls closer than the bank allows. */
  marginPercent: number;
}

const budgetFields = [
  ["PIXOUT_SEND_PER_MINUTE", "sendPerMinute"],
  ["PIXOUT_SEND_MIN_INTERVAL_MS", "sendMinIntervalMs"],
  ["PIXOUT_STATUS_PER_MINUTE", "statusPerMinute"],
  ["PIXOUT_TOKEN_PER_MINUTE", "tokenPerMinute"],
  ["PIXOUT_WEBHOOK_PER_MINUTE", "webhookPerMinute"],
  ["PIXOUT_CALLBACKS_PER_MINUTE", "callbacksPerMinute"],
  ["PIXOUT_CALLBACK_RETRY_PER_MINUTE", "callbackRetryPerMinute"],
  ["PIXOUT_STATEMENT_PER_MINUTE", "statementPerMinute"],
  ["PIXOUT_BALANCE_PER_MINUTE", "balancePerMinute"],
] as const satisfies readonly (readonly [keyof z.infer<typeof envSchema>, keyof PublishedLimits])[];

/** The budgets in force: each setting given, else the published limit of the environment. */
function budgetSettingsOf(e: z.infer<typeof envSchema>, environment: InterEnvironment): BudgetSettings {
  const published = INTER_ENVIRONMENTS[environment].limits;
  const budgets: BudgetSettings = { ...published, marginPercent: e.PIXOUT_LIMIT_MARGIN_PERCENT };
  for (const [setting, field] of budgetFields) budgets[field] = e[setting] ?? published[field];
  return budgets;
}

/**
 * A base URL of one of Inter's environments under the other's INTER_ENV would spend the wrong limits (the
 * sandbox allows a sixth of production's sends): said at start and by `pixout doctor`.
 */
export function environmentWarnings(
  environment: InterEnvironment,
  baseUrl: string,
  budgets?: BudgetSettings,
): string[] {
  const warnings: string[] = [];
  const of = environmentOfUrl(baseUrl);
  if (of !== undefined && of !== environment) {
    warnings.push(
      `INTER_BASE_URL is Inter's ${of} (${baseUrl}) but INTER_ENV is ${environment}: the budgets default to ${environment}'s limits; set INTER_ENV=${of}`,
    );
  }
  // A budget set above what Inter publishes for the bank being called earns 429s (an old .env with
  // production's 60 sends a minute, pointed at the sandbox's 10).
  const published = of === undefined ? undefined : INTER_ENVIRONMENTS[of].limits;
  if (budgets !== undefined && published !== undefined) {
    for (const [setting, field] of budgetFields) {
      if (field === "sendMinIntervalMs") continue;
      if (budgets[field] > published[field]) {
        warnings.push(
          `${setting}=${String(budgets[field])} is above Inter's ${of ?? ""} limit (${String(published[field])} a minute): expect 429s; leave it unset to use the environment's`,
        );
      }
    }
  }
  return warnings;
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
  /** Overrides the job lock derived from the bank timeouts (see lockDurationMs in src/queue/worker/worker.ts). */
  lockDurationMs?: number;
  stalledIntervalMs: number;
  /** Resend a send that may have executed under the same key (see LifecyclePolicy.resendAmbiguous). */
  trustBankIdempotency: boolean;
  resendWindowMs: number;
  /** While a webhook receiver runs, polls of a payment in progress are at least this far apart. */
  webhookPollMs: number;
  /** Daily totals per paying account and the recipients' allow-list, checked right before each send. */
  limits: SafetyLimitSettings;
  /** The fleet's own reconciliation runs (src/queue/worker/reconcile-scheduler.ts). */
  reconcile: { enabled: boolean; everyMs: number; days: number };
  /** Insufficient balance (docs/balance.md): the hold's rules, and the balance guard (off: `guardMaxAgeMs` unset). */
  balance: { policy: BalanceHoldPolicy; guardMaxAgeMs?: number };
}

export type { NotifySettings } from "./notifications/settings.js";

/** Encryption of recipients at rest and retention (src/queue/job-data.ts, src/queue/payment-record.ts). */
export interface DataSettings {
  /** Every key decrypts; `writeKid` (PIXOUT_DATA_KEY_ID) encrypts new writes (none: written plain). */
  dataKeys: DataKeyring;
  requireEncryption: boolean;
  keepCompletedDays: number;
  keepFailedDays: number;
  idempotencyDays: number;
}

export interface Config extends QueueSettings {
  /** PIXOUT_MAX_AMOUNT in centavos: the per-payment maximum (paymentSchemaFor / validatePayment rules). */
  maxAmountCents: number;
  inter: InterSettings;
  worker: WorkerSettings;
  notify: NotifySettings;
  data: DataSettings;
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
export function withoutEmpty(env: Environment): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""),
  );
}

/** One problem per zod issue, named by its setting ("is required" for a missing one). */
export function zodProblems(error: z.ZodError): CredentialProblem[] {
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
    return [
      {
        setting: "INTER_PFX_FILE",
        message: "set either INTER_CERT_FILE + INTER_KEY_FILE or INTER_PFX_FILE + INTER_PFX_PASSPHRASE, not both",
      },
    ];
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
    problems.push({
      setting: "INTER_CERT_FILE",
      message: "is required (the integration's .crt), or use INTER_PFX_FILE + INTER_PFX_PASSPHRASE",
    });
  }
  if (env.INTER_KEY_FILE === undefined)
    problems.push({ setting: "INTER_KEY_FILE", message: "is required (the integration's .key)" });
  return problems;
}

const notifyDestinationFields = envSchema.pick({ PIXOUT_NOTIFY_URL: true, PIXOUT_NOTIFY_SECRETS: true });

/**
 * Per-account daily limits alone leave payments without an `account` unlimited when INTER_ACCOUNT is unset
 * (they count in a default bucket no limit names): refused, rather than a limit that silently does not apply.
 */
function dailyLimitProblems(input: Record<string, string>): CredentialProblem[] {
  if (
    input["PIXOUT_DAILY_LIMITS"] === undefined ||
    input["PIXOUT_DAILY_LIMIT"] !== undefined ||
    input["INTER_ACCOUNT"] !== undefined
  )
    return [];
  return [
    {
      setting: "PIXOUT_DAILY_LIMITS",
      message:
        "limits named accounts only: payments without an account (and no INTER_ACCOUNT) would have no daily limit; set PIXOUT_DAILY_LIMIT too, or INTER_ACCOUNT",
    },
  ];
}

/** The default destination must have a secret: without one it would never be called (src/notifications/notifier.ts). */
function notifyDestinationProblems(input: Record<string, string>): CredentialProblem[] {
  const parsed = notifyDestinationFields.safeParse(input);
  // A malformed URL or secrets list is already reported by the schema.
  if (!parsed.success || parsed.data.PIXOUT_NOTIFY_URL === undefined) return [];
  const origin = originOf(parsed.data.PIXOUT_NOTIFY_URL);
  if (parsed.data.PIXOUT_NOTIFY_SECRETS.has(origin)) return [];
  return [
    {
      setting: "PIXOUT_NOTIFY_URL",
      message: `has no secret for its origin ${origin}: add "${origin}=<secret>" to PIXOUT_NOTIFY_SECRETS`,
    },
  ];
}

const dataFields = envSchema.pick({
  PIXOUT_DATA_KEYS: true,
  PIXOUT_DATA_KEY_ID: true,
  PIXOUT_REQUIRE_ENCRYPTION: true,
  PIXOUT_KEEP_COMPLETED_DAYS: true,
  PIXOUT_KEEP_FAILED_DAYS: true,
  PIXOUT_IDEMPOTENCY_DAYS: true,
});

/** The write key must be one of the keys; the idempotency record must outlive the jobs it stands for. */
function dataProblems(input: Record<string, string>): CredentialProblem[] {
  const parsed = dataFields.safeParse(input);
  if (!parsed.success) return []; // reported by the schema
  const e = parsed.data;
  const problems: CredentialProblem[] = [];
  if (e.PIXOUT_DATA_KEY_ID !== undefined && !e.PIXOUT_DATA_KEYS.has(e.PIXOUT_DATA_KEY_ID)) {
    problems.push({
      setting: "PIXOUT_DATA_KEY_ID",
      message: `names "${e.PIXOUT_DATA_KEY_ID}", which is not a key id of PIXOUT_DATA_KEYS`,
    });
  }
  if (e.PIXOUT_DATA_KEY_ID === undefined && e.PIXOUT_DATA_KEYS.size > 0) {
    problems.push({
      setting: "PIXOUT_DATA_KEY_ID",
      message: "is required with PIXOUT_DATA_KEYS: the id of the key that encrypts new payments",
    });
  }
  const longest = Math.max(e.PIXOUT_KEEP_COMPLETED_DAYS, e.PIXOUT_KEEP_FAILED_DAYS);
  if (e.PIXOUT_IDEMPOTENCY_DAYS < longest) {
    problems.push({
      setting: "PIXOUT_IDEMPOTENCY_DAYS",
      message: `must be at least PIXOUT_KEEP_COMPLETED_DAYS and PIXOUT_KEEP_FAILED_DAYS (${String(longest)}): a payment's record must outlive its job`,
    });
  }
  return problems;
}

function dataSettingsOf(e: z.infer<typeof dataFields>): DataSettings {
  return {
    dataKeys: {
      keys: e.PIXOUT_DATA_KEYS,
      ...(e.PIXOUT_DATA_KEY_ID === undefined ? {} : { writeKid: e.PIXOUT_DATA_KEY_ID }),
    },
    requireEncryption: e.PIXOUT_REQUIRE_ENCRYPTION,
    keepCompletedDays: e.PIXOUT_KEEP_COMPLETED_DAYS,
    keepFailedDays: e.PIXOUT_KEEP_FAILED_DAYS,
    idempotencyDays: e.PIXOUT_IDEMPOTENCY_DAYS,
  };
}

/** Data keys and retention, for the producer-side commands (pay, enqueue), which encrypt as the SDK does. */
export function loadDataSettings(env: Environment = readEnvironment()): DataSettings {
  const input = withoutEmpty(env);
  const parsed = dataFields.safeParse(input);
  const problems = [...(parsed.success ? [] : zodProblems(parsed.error)), ...dataProblems(input)];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return dataSettingsOf(parsed.data);
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
  problems.push(...notifyDestinationProblems(input));
  problems.push(...dataProblems(input));
  problems.push(...dailyLimitProblems(input));
  const redisParsed = redisFields.safeParse(input);
  const redisChecked = redisParsed.success ? redisSettingsOf(redisParsed.data) : { problems: [] };
  problems.push(...redisChecked.problems);
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
  const redis = redisChecked.settings;
  if (!parsed.success || problems.length > 0 || !credentials?.material || !credentials.certificate || !redis) {
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  // INTER_ENV left out with INTER_BASE_URL at one of Inter's environments: that environment.
  const environment: InterEnvironment =
    input["INTER_ENV"] === undefined && e.INTER_BASE_URL !== undefined
      ? (environmentOfUrl(e.INTER_BASE_URL) ?? e.INTER_ENV)
      : e.INTER_ENV;
  const baseUrl = e.INTER_BASE_URL ?? INTER_ENVIRONMENTS[environment].baseUrl;
  const budgets = budgetSettingsOf(e, environment);
  return {
    config: {
      redis,
      redisPrefix: e.PIXOUT_REDIS_PREFIX,
      queueName: e.PIXOUT_QUEUE,
      logLevel: e.LOG_LEVEL,
      maxAmountCents: e.PIXOUT_MAX_AMOUNT,
      worker: {
        concurrency: e.PIXOUT_CONCURRENCY,
        budgets,
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
        webhookPollMs: e.PIXOUT_WEBHOOK_POLL_MS,
        reconcile: {
          enabled: e.PIXOUT_RECONCILE,
          everyMs: e.PIXOUT_RECONCILE_EVERY_MINUTES * 60_000,
          days: e.PIXOUT_RECONCILE_DAYS,
        },
        balance: {
          policy: {
            onInsufficientBalance: e.PIXOUT_ON_INSUFFICIENT_BALANCE,
            ...(e.PIXOUT_MAX_HOLD_MINUTES === undefined
              ? {}
              : { maxHoldMs: Math.round(e.PIXOUT_MAX_HOLD_MINUTES * 60_000) }),
            check: {
              baseMs: Math.round(e.PIXOUT_BALANCE_CHECK_SECONDS * 1000),
              capMs: Math.round(Math.max(e.PIXOUT_BALANCE_CHECK_SECONDS, e.PIXOUT_BALANCE_CHECK_MAX_SECONDS) * 1000),
            },
            countLimit: e.PIXOUT_BALANCE_COUNT_LIMIT,
          },
          ...(e.PIXOUT_BALANCE_GUARD ? { guardMaxAgeMs: Math.round(e.PIXOUT_BALANCE_GUARD_SECONDS * 1000) } : {}),
        },
        limits: {
          ...(e.PIXOUT_DAILY_LIMIT === undefined ? {} : { dailyLimitCents: e.PIXOUT_DAILY_LIMIT }),
          accountLimitsCents: e.PIXOUT_DAILY_LIMITS,
          ...(e.PIXOUT_RECIPIENT_ALLOWLIST === undefined ? {} : { allowlist: e.PIXOUT_RECIPIENT_ALLOWLIST }),
        },
      },
      data: dataSettingsOf(e),
      notify: notifySettingsOf(e),
      inter: {
        environment,
        baseUrl,
        clientId: e.INTER_CLIENT_ID,
        clientSecret: e.INTER_CLIENT_SECRET,
        scopes: e.INTER_SCOPES,
        ...(e.INTER_ACCOUNT === undefined ? {} : { account: e.INTER_ACCOUNT }),
        statementAccountHeader: e.INTER_STATEMENT_ACCOUNT_HEADER,
        tls: credentials.material,
        certificate: credentials.certificate,
        ...(e.INTER_PFX_PASSPHRASE === undefined ? {} : { pfxPassphrase: e.INTER_PFX_PASSPHRASE }),
        tokenMarginMs: e.INTER_TOKEN_MARGIN_SECONDS * 1000,
        maxBankWaitMs: e.PIXOUT_MAX_BANK_WAIT_SECONDS * 1000,
        connectTimeoutMs: e.INTER_CONNECT_TIMEOUT_MS,
        requestTimeoutMs: e.INTER_REQUEST_TIMEOUT_MS,
        maxConnections: e.INTER_MAX_CONNECTIONS,
      },
    },
    warnings: [...environmentWarnings(environment, baseUrl, budgets), ...credentials.warnings],
  };
}

/** Settings for commands that never talk to the bank (enqueue, status, emulator): the queue's only. */
export function loadQueueSettings(env: Environment = readEnvironment()): QueueSettings {
  const parsed = envSchema
    .pick({ LOG_LEVEL: true, PIXOUT_QUEUE: true, PIXOUT_REDIS_PREFIX: true, ...REDIS_PICK })
    .safeParse(withoutEmpty(env));
  if (!parsed.success) throw new ConfigError(zodProblems(parsed.error));
  const e = parsed.data;
  const { settings: redis, problems } = redisSettingsOf(e);
  if (!redis) throw new ConfigError(problems);
  return { redis, redisPrefix: e.PIXOUT_REDIS_PREFIX, queueName: e.PIXOUT_QUEUE, logLevel: e.LOG_LEVEL };
}

/** Where upstream events go (PIXOUT_NOTIFY_*), for commands without bank credentials (`pixout resume`). */
export function loadNotifySettings(env: Environment = readEnvironment()): NotifySettings {
  const parsed = envSchema
    .pick({
      PIXOUT_NOTIFY_URL: true,
      PIXOUT_NOTIFY_SECRETS: true,
      PIXOUT_NOTIFY_MAX_ATTEMPTS: true,
      PIXOUT_NOTIFY_BACKOFF_MS: true,
      PIXOUT_NOTIFY_TIMEOUT_MS: true,
      PIXOUT_NOTIFY_CONCURRENCY: true,
    })
    .safeParse(withoutEmpty(env));
  if (!parsed.success) throw new ConfigError(zodProblems(parsed.error));
  return notifySettingsOf(parsed.data);
}

type NotifyFields = Pick<
  z.infer<typeof envSchema>,
  | "PIXOUT_NOTIFY_URL"
  | "PIXOUT_NOTIFY_SECRETS"
  | "PIXOUT_NOTIFY_MAX_ATTEMPTS"
  | "PIXOUT_NOTIFY_BACKOFF_MS"
  | "PIXOUT_NOTIFY_TIMEOUT_MS"
  | "PIXOUT_NOTIFY_CONCURRENCY"
>;

function notifySettingsOf(e: NotifyFields): NotifySettings {
  return {
    ...(e.PIXOUT_NOTIFY_URL === undefined ? {} : { url: e.PIXOUT_NOTIFY_URL }),
    secrets: e.PIXOUT_NOTIFY_SECRETS,
    maxAttempts: e.PIXOUT_NOTIFY_MAX_ATTEMPTS,
    backoffMs: e.PIXOUT_NOTIFY_BACKOFF_MS,
    timeoutMs: e.PIXOUT_NOTIFY_TIMEOUT_MS,
    concurrency: e.PIXOUT_NOTIFY_CONCURRENCY,
  };
}

/** The payment rules that settings change (PIXOUT_MAX_AMOUNT), for producers without bank credentials. */
export function loadPaymentRules(env: Environment = readEnvironment()): { maxAmountCents: number } {
  const parsed = envSchema.pick({ PIXOUT_MAX_AMOUNT: true }).safeParse(withoutEmpty(env));
  if (!parsed.success) throw new ConfigError(zodProblems(parsed.error));
  return { maxAmountCents: parsed.data.PIXOUT_MAX_AMOUNT };
}

/** `pixout webhook serve`: the queue, and where and how to listen for Inter's callbacks. */
export interface WebhookReceiverSettings extends QueueSettings {
  host: string;
  port: number;
  path: string;
  tls: ServerTlsMaterial;
  /** SHA-256 fingerprints (upper-case hex, no colons) of the only client certificates accepted; empty = any from the CA. */
  clientFingerprints: string[];
  /** Pinned caller subjects (`CN=…, O=…`). With neither, callbacks only wake status queries. */
  clientSubjects: string[];
  maxConnectionsPerAddress: number;
}

export function loadWebhookReceiverSettings(
  env: Environment = readEnvironment(),
  now: Date = new Date(),
): WebhookReceiverSettings {
  const parsed = envSchema
    .pick({
      LOG_LEVEL: true,
      ...REDIS_PICK,
      PIXOUT_QUEUE: true,
      PIXOUT_REDIS_PREFIX: true,
      PIXOUT_WEBHOOK_HOST: true,
      PIXOUT_WEBHOOK_PORT: true,
      PIXOUT_WEBHOOK_PATH: true,
      PIXOUT_WEBHOOK_CERT_FILE: true,
      PIXOUT_WEBHOOK_KEY_FILE: true,
      PIXOUT_WEBHOOK_CLIENT_CA_FILE: true,
      PIXOUT_WEBHOOK_CLIENT_FINGERPRINTS: true,
      PIXOUT_WEBHOOK_CLIENT_SUBJECTS: true,
      PIXOUT_WEBHOOK_MAX_CONNECTIONS_PER_ADDRESS: true,
    })
    .safeParse(withoutEmpty(env));
  const problems = parsed.success ? [] : zodProblems(parsed.error);
  const files = parsed.success ? parsed.data : undefined;
  const required = {
    PIXOUT_WEBHOOK_CERT_FILE:
      "is required: the receiver's HTTPS certificate (Inter calls only a certificate from a public CA)",
    PIXOUT_WEBHOOK_KEY_FILE: "is required: the private key of PIXOUT_WEBHOOK_CERT_FILE",
    PIXOUT_WEBHOOK_CLIENT_CA_FILE:
      "is required: Inter's CA (ca.crt from the webhook certificate download), which callers must chain to",
  } as const;
  if (files)
    for (const [name, message] of Object.entries(required))
      if (files[name as keyof typeof required] === undefined) problems.push({ setting: name, message });
  const checked = files ? redisSettingsOf(files) : { problems: [] };
  problems.push(...checked.problems);
  const redis = checked.settings;
  let tls: ServerTlsMaterial | undefined;
  if (
    files?.PIXOUT_WEBHOOK_CERT_FILE !== undefined &&
    files.PIXOUT_WEBHOOK_KEY_FILE !== undefined &&
    files.PIXOUT_WEBHOOK_CLIENT_CA_FILE !== undefined
  ) {
    const loaded = loadServerCredentials(
      {
        certFile: files.PIXOUT_WEBHOOK_CERT_FILE,
        keyFile: files.PIXOUT_WEBHOOK_KEY_FILE,
        clientCaFile: files.PIXOUT_WEBHOOK_CLIENT_CA_FILE,
      },
      now,
    );
    problems.push(...loaded.problems);
    tls = loaded.material;
  }
  if (!files || !tls || !redis || problems.length > 0) throw new ConfigError(problems);
  return {
    redis,
    redisPrefix: files.PIXOUT_REDIS_PREFIX,
    queueName: files.PIXOUT_QUEUE,
    logLevel: files.LOG_LEVEL,
    host: files.PIXOUT_WEBHOOK_HOST,
    port: files.PIXOUT_WEBHOOK_PORT,
    path: files.PIXOUT_WEBHOOK_PATH,
    tls,
    clientFingerprints: files.PIXOUT_WEBHOOK_CLIENT_FINGERPRINTS,
    clientSubjects: files.PIXOUT_WEBHOOK_CLIENT_SUBJECTS,
    maxConnectionsPerAddress: files.PIXOUT_WEBHOOK_MAX_CONNECTIONS_PER_ADDRESS,
  };
}
