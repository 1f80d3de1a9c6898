// Money is never a float (docs/design.md §2.4): amounts enter as decimal strings with exactly two places,
// live as integer centavos, and are formatted for the bank at the last moment.

/** Largest amount we accept: 10 integer digits of reais (PIXOUT_MAX_AMOUNT narrows it: amount-rule.ts). */
export const MAX_CENTS = 999_999_999_999;

const DECIMAL_AMOUNT = /^(0|[1-9]\d{0,9})\.(\d{2})$/;

export class AmountFormatError extends Error {
  override readonly name = "AmountFormatError";
}

/** "10.50" → 1050. Throws AmountFormatError for anything but digits, a dot and exactly two decimals. */
export function parseAmount(text: string): number {
  const m = DECIMAL_AMOUNT.exec(text);
  if (!m) {
    throw new AmountFormatError(
      `amount must be a decimal string with exactly two places, like "10.50" (got ${JSON.stringify(text)})`,
    );
  }
  return Number(m[1]) * 100 + Number(m[2]);
}

/** 1050 → "10.50". Integer arithmetic only. */
export function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0) {
    throw new AmountFormatError(`centavos must be a non-negative safe integer (got ${String(cents)})`);
  }
  const reais = Math.trunc(cents / 100);
  const rest = cents % 100;
  return `${String(reais)}.${String(rest).padStart(2, "0")}`;
}

/** A decimal string from the bank (callbacks send `valor` as a string, e.g. "0.01") → centavos. */
export function centsFromBankString(value: string): number | undefined {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(value.trim());
  if (!m) return undefined;
  const cents = Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
  return Number.isSafeInteger(cents) ? cents : undefined;
}

/**
 * A JSON number from the bank (`transacaoPix.valor` is typed number in Inter's spec) → centavos.
 * JSON.parse already made it a double; String() gives its shortest round-trip decimal text, which is
 * the text the bank wrote for any amount with at most two decimals. We parse that text and never
 * multiply the double. Undefined when it cannot be an amount (NaN, negative, exponent, >2 places).
 */
export function centsFromBankNumber(value: number): number | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  return centsFromBankString(String(value));
}
