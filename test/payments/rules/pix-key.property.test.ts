// Pix keys in the DICT's formats, through validatePayment: every valid key accepted unchanged, every invalid one
// refused at recipient.key (or recipient.keyType), with the hint that fits — 11 digits without keyType among them
// (docs/design/decisions/0004-keytype-for-cpf-keys.md).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validatePayment } from "../../../src/payments/payment.js";
import {
  AREA_CODES_LIST,
  RUNS,
  acceptedUnchanged,
  alnum,
  basePayment,
  digit,
  mobileNumber,
  oracleCnpjValid,
  oracleCpfValid,
  refusedAt,
  replaceAt,
  validCnpj,
  validCpf,
  validEmail,
  validEvp,
  validPhone,
} from "./support.js";

const withKey = (key: string, keyType?: string) => ({
  ...basePayment,
  recipient: { type: "key", key, ...(keyType === undefined ? {} : { keyType }) },
});
const KEY = "recipient.key";

describe("Pix keys (property tests, 10,000 cases each)", () => {
  it("accepts every valid key of every type, unchanged, with its type given", () => {
    const typed = fc.oneof(
      validCpf.map((k) => [k, "CPF"] as const),
      validCnpj.map((k) => [k, "CNPJ"] as const),
      validPhone.map((k) => [k, "PHONE"] as const),
      validEmail.map((k) => [k, "EMAIL"] as const),
      validEvp.map((k) => [k, "EVP"] as const),
    );
    fc.assert(
      fc.property(typed, ([key, type]) => acceptedUnchanged(withKey(key, type))),
      RUNS,
    );
  });

  it("infers the type of every valid key but a CPF, unchanged", () => {
    fc.assert(
      fc.property(fc.oneof(validCnpj, validPhone, validEmail, validEvp), (key) => acceptedUnchanged(withKey(key))),
      RUNS,
    );
  });

  it("refuses any 11 digits without keyType (a CPF, or a phone without +55) with a hint", () => {
    const elevenDigits = fc.oneof(
      validCpf,
      fc.array(digit, { minLength: 11, maxLength: 11 }).map((d) => d.join("")),
    );
    fc.assert(
      fc.property(elevenDigits, (key) =>
        refusedAt(withKey(key), KEY, /could be a CPF or a phone number without \+55: set recipient.keyType to "CPF"/),
      ),
      RUNS,
    );
  });

  it("CPF: accepts exactly what the check digits allow (a character changed, all digits equal, any 11 digits)", () => {
    const candidates = fc.oneof(
      fc.tuple(validCpf, fc.nat(), digit).map(([cpf, i, d]) => replaceAt(cpf, i, d)),
      digit.map((d) => d.repeat(11)),
      fc.array(digit, { minLength: 11, maxLength: 11 }).map((d) => d.join("")),
    );
    fc.assert(
      fc.property(candidates, (key) =>
        oracleCpfValid(key)
          ? acceptedUnchanged(withKey(key, "CPF"))
          : refusedAt(withKey(key, "CPF"), KEY, /not a valid CPF/),
      ),
      RUNS,
    );
  });

  it("CPF: refuses punctuation (with the digits-only hint) and other lengths", () => {
    const variants = fc.oneof(
      validCpf.map(
        (c) =>
          [
            `${c.slice(0, 3)}.${c.slice(3, 6)}.${c.slice(6, 9)}-${c.slice(9)}`,
            "CPF",
            /11 digits only, without dots/,
          ] as const,
      ),
      validCpf.map(
        (c) =>
          [
            `${c.slice(0, 3)}.${c.slice(3, 6)}.${c.slice(6, 9)}-${c.slice(9)}`,
            undefined,
            /without punctuation: a CPF as its 11 digits/,
          ] as const,
      ),
      validCpf.map((c) => [c.slice(1), "CPF", /must be a CPF: 11 digits/] as const),
      fc.tuple(validCpf, digit).map(([c, d]) => [c + d, "CPF", /must be a CPF: 11 digits/] as const),
    );
    fc.assert(
      fc.property(variants, ([key, keyType, hint]) => refusedAt(withKey(key, keyType), KEY, hint)),
      RUNS,
    );
  });

  it("CNPJ (numeric and alphanumeric): accepts exactly what the check digits allow", () => {
    const candidates = fc.tuple(
      fc.oneof(
        fc.tuple(validCnpj, fc.nat(), alnum).map(([cnpj, i, c]) => replaceAt(cnpj, i % 12, c)),
        fc.tuple(validCnpj, fc.nat({ max: 1 }), digit).map(([cnpj, i, d]) => replaceAt(cnpj, 12 + i, d)),
        alnum.map((c) => c.repeat(12)).chain((base) => digit.map((d) => base + d + d)),
      ),
      fc.constantFrom("CNPJ", undefined),
    );
    fc.assert(
      fc.property(candidates, ([key, keyType]) =>
        oracleCnpjValid(key)
          ? acceptedUnchanged(withKey(key, keyType))
          : refusedAt(withKey(key, keyType), KEY, /not a valid CNPJ/),
      ),
      RUNS,
    );
  });

  it("CNPJ: refuses punctuation and lower-case letters, with a hint", () => {
    const variants = fc.oneof(
      validCnpj.map(
        (c) =>
          [
            `${c.slice(0, 2)}.${c.slice(2, 5)}.${c.slice(5, 8)}/${c.slice(8, 12)}-${c.slice(12)}`,
            /14 characters only, without dots, slashes/,
          ] as const,
      ),
      validCnpj.filter((c) => /[A-Z]/.test(c)).map((c) => [c.toLowerCase(), /upper-case letters/] as const),
    );
    fc.assert(
      fc.property(variants, ([key, hint]) => refusedAt(withKey(key), KEY, hint)),
      RUNS,
    );
  });

  it("phone: refuses it without +55 (with a hint), with an area code not in use, or with another writing or length", () => {
    const unusedArea = fc
      .integer({ min: 0, max: 99 })
      .map((n) => String(n).padStart(2, "0"))
      .filter((d) => !AREA_CODES_LIST.includes(d));
    const variants = fc.oneof(
      validPhone.map((p) => [p.slice(3), "PHONE", /must start with \+55/] as const),
      validPhone.map((p) => [p.slice(1), undefined, /must start with \+55/] as const),
      fc.tuple(unusedArea, mobileNumber).map(([a, n]) => [`+55${a}${n}`, undefined, /area code/] as const),
      fc.tuple(validPhone, digit).map(([p, d]) => [p + d, undefined, /E\.164/] as const),
      validPhone.map((p) => [p.slice(0, -1), "PHONE", /E\.164/] as const),
      validPhone.map((p) => [`${p.slice(0, 5)} ${p.slice(5)}`, undefined, /without spaces/] as const),
    );
    fc.assert(
      fc.property(variants, ([key, keyType, hint]) => refusedAt(withKey(key, keyType), KEY, hint)),
      RUNS,
    );
  });

  it("e-mail: refuses upper case (with the lower-case hint), more than 77 characters, and other shapes", () => {
    const variants = fc.oneof(
      validEmail.filter((e) => /[a-z]/.test(e)).map((e) => [e.toUpperCase(), /lower case/] as const),
      fc
        .tuple(validEmail, fc.integer({ min: 1, max: 40 }))
        .map(
          ([e, extra]) => [`${"a".repeat(Math.max(1, 78 - e.length + extra))}${e}`, /at most 77 characters/] as const,
        ),
      validEmail.map((e) => [`${e}@x`, /e-mail address/] as const),
      validEmail.map((e) => [`${e}.`, /e-mail address/] as const),
    );
    fc.assert(
      fc.property(variants, ([key, hint]) => refusedAt(withKey(key), KEY, hint)),
      RUNS,
    );
  });

  it("EVP: refuses upper case (with a hint), a UUID without hyphens, and a key given the wrong type", () => {
    const variants = fc.oneof(
      validEvp.filter((e) => /[a-f]/.test(e)).map((e) => [e.toUpperCase(), undefined, /lower-case UUIDs/] as const),
      validEvp.map((e) => [e.replace(/-/g, ""), "EVP", /lower-case UUID like/] as const),
      fc.tuple(validEvp, fc.constantFrom("CPF", "CNPJ", "PHONE", "EMAIL")).map(([e, t]) => [e, t, /./] as const),
    );
    fc.assert(
      fc.property(variants, ([key, keyType, hint]) => refusedAt(withKey(key, keyType), KEY, hint)),
      RUNS,
    );
  });

  it("refuses an unknown keyType at recipient.keyType", () => {
    const unknown = fc.string().filter((t) => !["CPF", "CNPJ", "PHONE", "EMAIL", "EVP"].includes(t));
    fc.assert(
      fc.property(unknown, (keyType) =>
        refusedAt(
          withKey("fornecedor@example.com", keyType),
          "recipient.keyType",
          /must be one of CPF, CNPJ, PHONE, EMAIL, EVP/,
        ),
      ),
      RUNS,
    );
  });

  it("examples", () => {
    expect(validatePayment(withKey("52998224725", "CPF")).ok).toBe(true);
    expect(validatePayment(withKey("12ABC34501DE35")).ok).toBe(true);
    expect(validatePayment(withKey("11222333000181")).ok).toBe(true);
    expect(validatePayment(withKey("52998224724", "CPF"))).toEqual({
      ok: false,
      issues: [{ field: KEY, message: "is not a valid CPF (its check digits do not match)" }],
    });
    expect(validatePayment(withKey("11111111111", "CPF"))).toEqual({
      ok: false,
      issues: [{ field: KEY, message: "is not a valid CPF (all digits are equal)" }],
    });
    refusedAt(withKey("Fornecedor@Example.com"), KEY, /^must be in lower case/);
    refusedAt(withKey("not a pix key"), KEY, /^is not a Pix key/);
  });
});
