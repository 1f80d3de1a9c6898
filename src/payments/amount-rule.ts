// The amount of a payment as producers write it: reais with exactly two decimals, more than zero, at most
// the per-payment maximum configured for the fleet (PIXOUT_MAX_AMOUNT). Pure.
import { AmountFormatError, formatCents, parseAmount } from "./money.js";

/** PIXOUT_MAX_AMOUNT's default: R$ 1,000,000.00 per payment. */
export const DEFAULT_MAX_AMOUNT_CENTS = 100_000_000;

export const AMOUNT_FORMAT_HINT =
  'must be reais with exactly two decimals, like "10.50" (at most 10 digits before the dot)';

/** Why `text` cannot be a payment's amount, or undefined when it can. */
export function amountProblem(text: string, maxAmountCents: number = DEFAULT_MAX_AMOUNT_CENTS): string | undefined {
  let cents: number;
  try {
    cents = parseAmount(text);
  } catch (err) {
    if (err instanceof AmountFormatError) return AMOUNT_FORMAT_HINT;
    throw err;
  }
  if (cents === 0) return "must be more than 0.00";
  if (cents > maxAmountCents)
    return `must be at most ${formatCents(maxAmountCents)} (the per-payment maximum, PIXOUT_MAX_AMOUNT)`;
  return undefined;
}
