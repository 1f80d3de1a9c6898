// Independent oracles and generators for the property tests of the payment rules (docs/design.md §2.6). The check
// digits are computed here another way than src/ does, so a test never agrees with the code by copying it.
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { validatePayment, type Payment, type PaymentRules } from "../../../src/payments/payment.js";

export const RUNS = { numRuns: 10_000 } as const;

const DIGITS = "0123456789";
const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

export const digit = fc.constantFrom(...DIGITS.split(""));
export const alnum = fc.constantFrom(...ALNUM.split(""));

/** CPF check digit: 11 − (Σ digit × weight mod 11), 10 and 11 becoming 0; weights count down to 2. */
function cpfDigit(digits: string): string {
  const weights = Array.from({ length: digits.length }, (_, i) => digits.length + 1 - i);
  const sum = weights.reduce((acc, w, i) => acc + w * Number(digits.charAt(i)), 0);
  const dv = 11 - (sum % 11);
  return dv >= 10 ? "0" : String(dv);
}

export function oracleCpfValid(text: string): boolean {
  if (!/^[0-9]{11}$/.test(text) || new Set(text).size === 1) return false;
  const first = cpfDigit(text.slice(0, 9));
  return text.slice(9) === first + cpfDigit(text.slice(0, 9) + first);
}

const CNPJ_WEIGHTS_1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
const CNPJ_WEIGHTS_2 = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];

function cnpjDigit(chars: string, weights: number[]): string {
  const sum = weights.reduce((acc, w, i) => acc + w * (chars.charCodeAt(i) - "0".charCodeAt(0)), 0);
  const dv = 11 - (sum % 11);
  return dv >= 10 ? "0" : String(dv);
}

export function oracleCnpjValid(text: string): boolean {
  if (!/^[0-9A-Z]{12}[0-9]{2}$/.test(text) || new Set(text).size === 1) return false;
  const first = cnpjDigit(text.slice(0, 12), CNPJ_WEIGHTS_1);
  return text.slice(12) === first + cnpjDigit(text.slice(0, 12) + first, CNPJ_WEIGHTS_2);
}

export const validCpf = fc
  .array(digit, { minLength: 9, maxLength: 9 })
  .map((ds) => {
    const base = ds.join("");
    const first = cpfDigit(base);
    return base + first + cpfDigit(base + first);
  })
  .filter((cpf) => new Set(cpf).size > 1);

const cnpjFrom = (chars: fc.Arbitrary<string>) =>
  fc
    .array(chars, { minLength: 12, maxLength: 12 })
    .map((cs) => {
      const base = cs.join("");
      const first = cnpjDigit(base, CNPJ_WEIGHTS_1);
      return base + first + cnpjDigit(base + first, CNPJ_WEIGHTS_2);
    })
    .filter((cnpj) => new Set(cnpj).size > 1);

export const validNumericCnpj = cnpjFrom(digit);
export const validAlphanumericCnpj = cnpjFrom(alnum);
export const validCnpj = fc.oneof(validNumericCnpj, validAlphanumericCnpj);

/** Anatel's area codes (DDD). */
export const AREA_CODES_LIST =
  "11 12 13 14 15 16 17 18 19 21 22 24 27 28 31 32 33 34 35 37 38 41 42 43 44 45 46 47 48 49 51 53 54 55 61 62 63 64 65 66 67 68 69 71 73 74 75 77 79 81 82 83 84 85 86 87 88 89 91 92 93 94 95 96 97 98 99".split(
    " ",
  );

export const areaCode = fc.constantFrom(...AREA_CODES_LIST);
export const mobileNumber = fc.array(digit, { minLength: 8, maxLength: 8 }).map((ds) => `9${ds.join("")}`);
export const validPhone = fc.tuple(areaCode, mobileNumber).map(([ddd, n]) => `+55${ddd}${n}`);

const LOCAL_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789.!#$&'*+/=?^_`{|}~-";
const LABEL_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";
const label = fc
  .tuple(
    fc.constantFrom(...LABEL_CHARS.split("")),
    fc.string({ unit: fc.constantFrom(...`${LABEL_CHARS}-`.split("")), maxLength: 8 }),
    fc.constantFrom(...LABEL_CHARS.split("")),
  )
  .map(([a, mid, z]) => a + mid + z);
export const validEmail = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...LOCAL_CHARS.split("")), minLength: 1, maxLength: 30 }),
    fc.array(label, { minLength: 1, maxLength: 3 }),
  )
  .map(([local, labels]) => `${local}@${labels.join(".")}`)
  .filter((e) => e.length <= 77);

export const validEvp = fc.uuid().map((u) => u.toLowerCase());

export const basePayment = { paymentId: "inv-1", amount: "10.50" };

/**
 * Asserts (cheaply, inside 10,000-case loops) that validatePayment refuses `input` with exactly one
 * problem, at `field`, whose message matches `message` when given.
 */
export function refusedAt(input: unknown, field: string, message?: RegExp, rules?: PaymentRules): true {
  const result = validatePayment(input, rules);
  const only = result.ok || result.issues.length !== 1 ? undefined : result.issues[0];
  if (only?.field !== field || (message !== undefined && !message.test(only.message))) {
    throw new Error(
      `expected one problem at ${field}${message === undefined ? "" : ` matching ${String(message)}`}, got ${JSON.stringify(result)}`,
    );
  }
  return true;
}

/** Asserts that validatePayment accepts `input`, and returns the payment it gives back. */
export function accepted(input: unknown, rules?: PaymentRules): Payment {
  const result = validatePayment(input, rules);
  if (!result.ok)
    throw new Error(`expected ${JSON.stringify(input)} to be accepted, got ${JSON.stringify(result.issues)}`);
  return result.value;
}

/** Asserts that validatePayment accepts `input` and gives it back unchanged. */
export function acceptedUnchanged(input: unknown, rules?: PaymentRules): true {
  const value = accepted(input, rules);
  if (!isDeepStrictEqual(value, input))
    throw new Error(`expected ${JSON.stringify(input)} unchanged, got ${JSON.stringify(value)}`);
  return true;
}

/** Replaces the character at `index` (mod length) with `char`. */
export function replaceAt(text: string, index: number, char: string): string {
  const i = index % text.length;
  return text.slice(0, i) + char + text.slice(i + 1);
}
