// A payout as producers write it into the queue: plain, versioned JSON that any BullMQ client in any
// language can produce (docs/integrating/job-contract.md). Field names are a public interface; change them only with
// a new `version`. Every rule names its field: amounts (amount-rule.ts), recipients
// (recipient.ts), `scheduledFor` (schedule-rule.ts), and a BR Code's own amount against the payment's.
import { z } from "zod";
import { DEFAULT_MAX_AMOUNT_CENTS, amountProblem } from "./amount-rule.js";
import { brCodeAmountConflict, parseBrCode } from "./brcode.js";
import { isIsoDate, saoPauloToday } from "./calendar.js";
import { parseAmount } from "./money.js";
import { recipientSchema } from "./recipient.js";
import { scheduledForProblem } from "./schedule-rule.js";
import { characterCount, freeTextProblem } from "./text.js";
import { issuesOf, type Validated } from "./field-issues.js";
import { destinationProblem } from "./destination.js";

export const PAYMENT_DATA_VERSION = 1;
export const PAYMENT_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface PaymentRules {
  /** The per-payment maximum in centavos (PIXOUT_MAX_AMOUNT); DEFAULT_MAX_AMOUNT_CENTS when left out. */
  maxAmountCents?: number;
  /**
   * São Paulo's date (`YYYY-MM-DD`) when the payment is written: a `scheduledFor` before it is refused.
   * Left out (the worker, reading a job written days ago), only the date's format is checked.
   */
  today?: string;
}

/** A metadata key: free text, and never one that names an object's machinery. */
function metadataKeyProblem(key: string): string | undefined {
  if (key === "__proto__" || key === "constructor" || key === "prototype") return `"${key}" is not allowed as a key`;
  return freeTextProblem(key);
}

/**
 * `metadata`: up to 20 text values under text keys. Read from the object as given (its own keys, `__proto__`
 * included, which a record schema would drop silently), each problem at its key.
 */
const metadataSchema = z.unknown().transform((raw, ctx): Record<string, string> => {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    ctx.addIssue({ code: "custom", message: "must be an object of text values" });
    return z.NEVER;
  }
  const keys = Object.keys(raw);
  if (keys.length > 20) ctx.addIssue({ code: "custom", message: "must have at most 20 entries" });
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value: unknown = (raw as Record<string, unknown>)[key];
    const keyProblem = key.length === 0 || key.length > 64 ? "keys must have 1-64 characters" : metadataKeyProblem(key);
    const valueProblem =
      typeof value !== "string"
        ? "must be text"
        : value.length > 512
          ? "must have at most 512 characters"
          : freeTextProblem(value);
    if (keyProblem !== undefined || valueProblem !== undefined)
      ctx.addIssue({ code: "custom", path: [key], message: keyProblem ?? valueProblem ?? "" });
    else out[key] = value as string;
  }
  return out;
});

function checked(problem: (text: string) => string | undefined) {
  return (text: string, ctx: z.RefinementCtx): void => {
    const message = problem(text);
    if (message !== undefined) ctx.addIssue({ code: "custom", message });
  };
}

/** The payment schema under the given rules (producers without settings use `paymentSchema`). */
export function paymentSchemaFor(rules: PaymentRules = {}) {
  const maxAmountCents = rules.maxAmountCents ?? DEFAULT_MAX_AMOUNT_CENTS;
  return z
    .strictObject({
      version: z
        .literal(PAYMENT_DATA_VERSION, { error: `must be ${String(PAYMENT_DATA_VERSION)} (or left out)` })
        .optional(),
      paymentId: z.string().regex(PAYMENT_ID, "must be 1-64 characters of letters, digits, '.', '_' or '-'"),
      amount: z
        .string({ error: (iss) => (iss.input === undefined ? undefined : 'must be a string like "10.50"') })
        .superRefine(checked((text) => amountProblem(text, maxAmountCents))),
      description: z
        .string()
        .refine((d) => characterCount(d) <= 140, "must have at most 140 characters")
        .superRefine(checked(freeTextProblem))
        .optional(),
      recipient: recipientSchema,
      scheduledFor: z
        .string()
        .superRefine(checked((date) => scheduledForProblem(date, rules.today)))
        .optional(),
      /** `x-conta-corrente` for this payment (the integration's account to pay from). */
      account: z
        .string()
        .regex(
          /^[1-9][0-9]*$/,
          "must be the checking account number, digits only with the check digit and no leading zeros",
        )
        .optional(),
      metadata: metadataSchema.optional(),
      /**
       * Where the signed outcome event goes (docs/operating/notifications.md); its origin must have a
       * secret in PIXOUT_NOTIFY_SECRETS, or it is never called.
       */
      callbackUrl: z
        .string()
        // A URL parser drops tabs and line breaks silently: refused before it sees them.
        .superRefine(checked((url) => freeTextProblem(url) ?? destinationProblem(url)))
        .optional(),
    })
    .superRefine((payment, ctx) => {
      // Runs once every field is valid: a BR Code that fixes its amount must be paid exactly that.
      if (payment.recipient.type !== "brcode") return;
      const code = parseBrCode(payment.recipient.code);
      const message = code.ok ? brCodeAmountConflict(code.value, parseAmount(payment.amount)) : undefined;
      if (message !== undefined) ctx.addIssue({ code: "custom", path: ["amount"], message });
    });
}

/** The default rules: the default maximum, and the date's format only (what the worker checks). */
export const paymentSchema = paymentSchemaFor();

export type Payment = z.infer<typeof paymentSchema>;

// Building a schema costs a hundred times more than checking a payment, and producers check many under
// the same maximum: one schema per maximum, immutable once built (`today` is checked apart, below).
const schemasByMax = new Map<number, typeof paymentSchema>([[DEFAULT_MAX_AMOUNT_CENTS, paymentSchema]]);

/** The schema of a payment under a per-payment maximum (what the worker reads jobs with). */
export function paymentSchemaWithMax(maxAmountCents: number): typeof paymentSchema {
  let schema = schemasByMax.get(maxAmountCents);
  if (schema === undefined) {
    if (schemasByMax.size >= 8) schemasByMax.clear();
    schema = paymentSchemaFor({ maxAmountCents });
    schemasByMax.set(maxAmountCents, schema);
  }
  return schema;
}

/**
 * Checks a payment as a producer writes it; every problem is listed with its field. A `scheduledFor`
 * before São Paulo's date at `now` (or `rules.today`) is refused.
 */
export function validatePayment(
  given: unknown,
  rules: PaymentRules = {},
  now: number = Date.now(),
): Validated<Payment> {
  // Only what the object itself holds: a field inherited through its prototype is not the producer's data
  // (and is not what JSON.stringify would write).
  const input = ownData(given);
  const parsed = paymentSchemaWithMax(rules.maxAmountCents ?? DEFAULT_MAX_AMOUNT_CENTS).safeParse(input);
  const issues = parsed.success ? [] : issuesOf(parsed.error);
  const date =
    typeof input === "object" && input !== null ? (input as Record<string, unknown>)["scheduledFor"] : undefined;
  if (typeof date === "string" && isIsoDate(date)) {
    const message = scheduledForProblem(date, rules.today ?? saoPauloToday(now));
    if (message !== undefined) issues.push({ field: "scheduledFor", message });
  }
  return parsed.success && issues.length === 0 ? { ok: true, value: parsed.data } : { ok: false, issues };
}

/** A copy of `value` made of its own enumerable properties only, all the way down (`__proto__` kept as a plain key). */
export function ownData(value: unknown, depth = 0): unknown {
  if (typeof value !== "object" || value === null || depth > 16) return value;
  if (Array.isArray(value)) return value.map((v) => ownData(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, key, {
      value: ownData((value as Record<string, unknown>)[key], depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
