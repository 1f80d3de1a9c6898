// The fleet's budgets of calls to the bank, per minute and shared by every worker, and the longest wait
// the bank can impose. Each budget defaults to the limit INTER_ENV's environment publishes
// (src/inter/environments.ts); a setting wins, and one above the bank's limit is warned of.
import { z } from "zod";
import {
  INTER_ENVIRONMENTS,
  INTER_ENVIRONMENT_NAMES,
  environmentOfUrl,
  type InterEnvironment,
  type PublishedLimits,
} from "../inter/environments.js";
import { decimalNumber, positiveInt, wholeNumber } from "./values.js";

/** The default of a budget in the settings reference: each environment's published limit. */
const published = (field: keyof PublishedLimits) => ({
  unset: `INTER_ENV's: ${INTER_ENVIRONMENT_NAMES.map((n) => `${n} ${String(INTER_ENVIRONMENTS[n].limits[field])}`).join(", ")}`,
});
const perMinute = (field: keyof PublishedLimits) =>
  wholeNumber()
    .pipe(z.number().positive())
    .optional()
    .meta({ takes: "whole number ≥ 1", ...published(field) });
/** 0: the endpoint is not called (the sandbox has no callback re-send). */
const perMinuteOrNone = (field: keyof PublishedLimits) =>
  wholeNumber()
    .optional()
    .meta({ takes: "whole number (0: never called)", ...published(field) });

export const budgetFields = z.object({
  PIXOUT_SEND_PER_MINUTE: perMinute("sendPerMinute").describe("Sends (POST /banking/v2/pix) per minute."),
  PIXOUT_SEND_MIN_INTERVAL_MS: wholeNumber()
    .optional()
    .meta(published("sendMinIntervalMs"))
    .describe("The least time between two sends, in milliseconds."),
  PIXOUT_STATUS_PER_MINUTE: perMinute("statusPerMinute").describe(
    "Status queries (GET /banking/v2/pix/{id}) per minute.",
  ),
  PIXOUT_TOKEN_PER_MINUTE: perMinute("tokenPerMinute").describe("Token calls per minute."),
  PIXOUT_WEBHOOK_PER_MINUTE: perMinute("webhookPerMinute").describe(
    "Webhook registration calls per minute, each of PUT, GET and DELETE (pixout webhook register|show|delete).",
  ),
  PIXOUT_CALLBACKS_PER_MINUTE: perMinute("callbacksPerMinute").describe(
    "Callback listings per minute (pixout webhook callbacks|replay).",
  ),
  PIXOUT_CALLBACK_RETRY_PER_MINUTE: perMinuteOrNone("callbackRetryPerMinute").describe(
    "Callback re-sends per minute (pixout webhook replay).",
  ),
  PIXOUT_STATEMENT_PER_MINUTE: perMinuteOrNone("statementPerMinute").describe(
    "Statement calls per minute (pixout reconcile).",
  ),
  PIXOUT_BALANCE_PER_MINUTE: perMinuteOrNone("balancePerMinute").describe("Balance calls per minute."),
  PIXOUT_LIMIT_MARGIN_PERCENT: decimalNumber()
    .pipe(z.number().max(100))
    .default(2)
    .meta({ takes: "number, 0 to 100" })
    .describe("Widen the spacing of every budget by this percentage (room for timer and network jitter)."),
  /** A Retry-After (from Inter, a proxy or a WAF) longer than this is cut to it: the payment asks again then. */
  PIXOUT_MAX_BANK_WAIT_SECONDS: positiveInt(300).describe(
    "The longest wait a Retry-After (a 429 or a 503 from Inter, a proxy or a WAF) can impose, in seconds: asked for longer, a payment waits this long and asks again (the fleet's budget and the token's cooldown too).",
  ),
});

/** Fleet-wide budgets, per minute, of the bank's endpoints (0: the endpoint is not called). */
export interface BudgetSettings extends PublishedLimits {
  /** Spacing is widened by this much, so that jitter never makes two calls closer than the bank allows. */
  marginPercent: number;
}

const budgetSettings = [
  ["PIXOUT_SEND_PER_MINUTE", "sendPerMinute"],
  ["PIXOUT_SEND_MIN_INTERVAL_MS", "sendMinIntervalMs"],
  ["PIXOUT_STATUS_PER_MINUTE", "statusPerMinute"],
  ["PIXOUT_TOKEN_PER_MINUTE", "tokenPerMinute"],
  ["PIXOUT_WEBHOOK_PER_MINUTE", "webhookPerMinute"],
  ["PIXOUT_CALLBACKS_PER_MINUTE", "callbacksPerMinute"],
  ["PIXOUT_CALLBACK_RETRY_PER_MINUTE", "callbackRetryPerMinute"],
  ["PIXOUT_STATEMENT_PER_MINUTE", "statementPerMinute"],
  ["PIXOUT_BALANCE_PER_MINUTE", "balancePerMinute"],
] as const satisfies readonly (readonly [keyof z.infer<typeof budgetFields>, keyof PublishedLimits])[];

/** The budgets in force: each setting given, else the published limit of the environment. */
export function budgetSettingsOf(e: z.infer<typeof budgetFields>, environment: InterEnvironment): BudgetSettings {
  const limits = INTER_ENVIRONMENTS[environment].limits;
  const budgets: BudgetSettings = { ...limits, marginPercent: e.PIXOUT_LIMIT_MARGIN_PERCENT };
  for (const [setting, field] of budgetSettings) budgets[field] = e[setting] ?? limits[field];
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
  const limits = of === undefined ? undefined : INTER_ENVIRONMENTS[of].limits;
  if (budgets !== undefined && limits !== undefined) {
    for (const [setting, field] of budgetSettings) {
      if (field === "sendMinIntervalMs") continue;
      if (budgets[field] > limits[field]) {
        warnings.push(
          `${setting}=${String(budgets[field])} is above Inter's ${of ?? ""} limit (${String(limits[field])} a minute): expect 429s; leave it unset to use the environment's`,
        );
      }
    }
  }
  return warnings;
}
