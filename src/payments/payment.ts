// A payout as producers write it into the queue: plain, versioned JSON that any BullMQ client in any
// language can produce (README "Job data"). Field names are a public interface; change them only with
// a new `version`. Basic checks here; the DICT-exact key rules, BR Code checks and limits are issue #8.
import { z } from "zod";
import { isIsoDate } from "./calendar.js";
import { AmountFormatError, parseAmount } from "./money.js";
import { recipientSchema } from "./recipient.js";
import { characterCount } from "./text.js";
import { issuesOf, type Validated } from "./field-issues.js";
import { destinationProblem } from "../notify/destination.js";

export const PAYMENT_DATA_VERSION = 1;
export const PAYMENT_ID = /^[A-Za-z0-9._-]{1,64}$/;

const amount = z
  .string({ error: (iss) => (iss.input === undefined ? undefined : 'must be a string like "10.50"') })
  .superRefine((text, ctx) => {
  try {
    if (parseAmount(text) === 0) ctx.addIssue({ code: "custom", message: "must be more than 0.00" });
  } catch (err) {
    ctx.addIssue({
      code: "custom",
      message: err instanceof AmountFormatError ? 'must be reais with exactly two decimals, like "10.50" (at most 10 digits before the dot)' : "is not an amount",
    });
  }
});

export const paymentSchema = z.strictObject({
  version: z.literal(PAYMENT_DATA_VERSION, { error: `must be ${String(PAYMENT_DATA_VERSION)} (or left out)` }).optional(),
  paymentId: z.string().regex(PAYMENT_ID, "must be 1-64 characters of letters, digits, '.', '_' or '-'"),
  amount,
  description: z
    .string()
    .refine((d) => characterCount(d) <= 140, "must have at most 140 characters")
    .optional(),
  recipient: recipientSchema,
  scheduledFor: z
    .string()
    .refine(isIsoDate, "must be a date as YYYY-MM-DD")
    .optional(),
  /** `x-conta-corrente` for this payment (the integration's account to pay from). */
  account: z
    .string()
    .regex(/^[1-9][0-9]*$/, "must be the checking account number, digits only with the check digit and no leading zeros")
    .optional(),
  metadata: z
    .record(z.string().min(1).max(64), z.string().max(512))
    .refine((m) => Object.keys(m).length <= 20, "must have at most 20 entries")
    .optional(),
  /**
   * Where the signed outcome event goes (README "Notifications to your services"); its origin must have a
   * secret in PIXOUT_NOTIFY_SECRETS, or it is never called.
   */
  callbackUrl: z
    .string()
    .superRefine((url, ctx) => {
      const problem = destinationProblem(url);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
});

export type Payment = z.infer<typeof paymentSchema>;

/** Checks a payment as a producer wrote it; every problem is listed with its field. */
export function validatePayment(input: unknown): Validated<Payment> {
  const parsed = paymentSchema.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, issues: issuesOf(parsed.error) };
}

