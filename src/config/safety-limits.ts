// Fleet-wide safety limits (docs/operating/safety-limits.md): a daily total per paying account, an
// allow-list of recipients, and the largest amount of one payment. Phase 1 reads the amounts and the
// allow-list's path; phase 2 (readAllowlist) reads the file.
import { z } from "zod";
import { DEFAULT_MAX_AMOUNT_CENTS, amountProblem } from "../payments/amount-rule.js";
import { formatCents, parseAmount } from "../payments/money.js";
import {
  parseAccountLimits,
  parseAllowlist,
  parseLimit,
  type Allowlist,
  type SafetyLimitSettings,
} from "../payments/safety-limits.js";
import { readSettingFile } from "../setting-file.js";
import type { CredentialProblem } from "../tls/client-credentials.js";
import { readEnvironment } from "./environment.js";
import { ConfigError, withoutEmpty, zodProblems, type Environment } from "./problems.js";
import { filePath } from "./values.js";

export const safetyLimitFields = z.object({
  PIXOUT_DAILY_LIMIT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const parsed = parseLimit(v);
      if ("problem" in parsed) ctx.addIssue({ code: "custom", message: parsed.problem });
      return "cents" in parsed ? parsed.cents : undefined;
    })
    .meta({ takes: "reais, like 50000.00", unset: "no limit" })
    .describe(
      "Daily total (São Paulo day) per paying account (the payment's `account`, else INTER_ACCOUNT); a payment over it ends `blocked`, nothing sent.",
    ),
  PIXOUT_DAILY_LIMITS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const parsed = parseAccountLimits(v ?? "");
      for (const message of parsed.problems) ctx.addIssue({ code: "custom", message });
      return parsed.limits;
    })
    .meta({ takes: "account=reais, comma-separated, e.g. 12345678=100000.00" })
    .describe("Per-account overrides of PIXOUT_DAILY_LIMIT (alone, needs INTER_ACCOUNT)."),
  PIXOUT_RECIPIENT_ALLOWLIST: filePath()
    .meta({ unset: "any recipient" })
    .describe(
      "A file listing the only recipients that may be paid, one per line: a Pix key, or ISPB/branch/account; `#` comments.",
    ),
  /** The largest amount of one payment, refused above it by producers and the worker. */
  PIXOUT_MAX_AMOUNT: z
    .string()
    .default(formatCents(DEFAULT_MAX_AMOUNT_CENTS))
    .superRefine((v, ctx) => {
      const problem = amountProblem(v, Number.MAX_SAFE_INTEGER);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    })
    .transform((v) => parseAmount(v))
    .meta({ takes: "reais with two decimals" })
    .describe("The largest amount of one payment; larger payments are refused before the queue and the bank."),
});

type SafetyLimitFields = z.infer<typeof safetyLimitFields>;

/**
 * Per-account daily limits alone leave payments without an `account` unlimited when INTER_ACCOUNT is unset
 * (they count in a default bucket no limit names): refused, rather than a limit that silently does not apply.
 */
export function dailyLimitProblems(input: Record<string, string>): CredentialProblem[] {
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

/** Phase 2: the allow-list file read and parsed; every wrong line is a problem of its own. */
export function readAllowlist(path: string): { allowlist?: Allowlist; problems: CredentialProblem[] } {
  const setting = "PIXOUT_RECIPIENT_ALLOWLIST";
  const file = readSettingFile(path);
  if (!file.ok) return { problems: [{ setting, message: `the allow-list: ${file.message}` }] };
  const parsed = parseAllowlist(file.data.toString("utf8"), path);
  const problems = parsed.problems.map((message) => ({ setting, message: `${path} ${message}` }));
  return problems.length > 0 ? { problems } : { allowlist: parsed.allowlist, problems };
}

export function safetyLimitsOf(e: SafetyLimitFields, allowlist: Allowlist | undefined): SafetyLimitSettings {
  return {
    ...(e.PIXOUT_DAILY_LIMIT === undefined ? {} : { dailyLimitCents: e.PIXOUT_DAILY_LIMIT }),
    accountLimitsCents: e.PIXOUT_DAILY_LIMITS,
    ...(allowlist === undefined ? {} : { allowlist }),
  };
}

/** The payment rules that settings change (PIXOUT_MAX_AMOUNT), for producers without bank credentials. */
export function loadPaymentRules(env: Environment = readEnvironment()): { maxAmountCents: number } {
  const parsed = safetyLimitFields.pick({ PIXOUT_MAX_AMOUNT: true }).safeParse(withoutEmpty(env));
  if (!parsed.success) throw new ConfigError(zodProblems(parsed.error));
  return { maxAmountCents: parsed.data.PIXOUT_MAX_AMOUNT };
}
