// Parsers for command-line option values: a bad value is a usage error naming the option.
import { InvalidArgumentError } from "commander";
import { AmountFormatError, parseAmount } from "../../payments/money.js";

export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) <= 0) throw new InvalidArgumentError("must be a positive whole number");
  return Number(value);
}

export function nonNegativeInteger(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("must be a whole number");
  return Number(value);
}

export function positiveNumber(value: string): number {
  // Digits and a decimal point only: `1e3`, `0x10` or `Infinity` are not what a person means by a number here.
  if (!/^\d{1,15}(\.\d{1,6})?$/.test(value.trim()) || Number(value) <= 0)
    throw new InvalidArgumentError("must be a positive number written in digits, like 30 or 0.5");
  return Number(value);
}

/** A decimal amount with two places ("1000.00") → centavos. */
export function amountInCents(value: string): number {
  try {
    return parseAmount(value);
  } catch (err) {
    if (err instanceof AmountFormatError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
