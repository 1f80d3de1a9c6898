// Bank data, BR Codes, amounts, descriptions and scheduled dates, through validatePayment (docs/design.md §2.6):
// every valid input accepted (and normalised), every invalid one refused at its field.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildBrCode, crc16Ccitt } from "../../../src/payments/brcode.js";
import { formatCents, parseAmount } from "../../../src/payments/money.js";
import { paymentSchemaFor, validatePayment } from "../../../src/payments/payment.js";
import { ACCOUNT_TYPES } from "../../../src/payments/recipient.js";
import {
  RUNS,
  accepted,
  acceptedUnchanged,
  alnum,
  basePayment,
  digit,
  oracleCnpjValid,
  oracleCpfValid,
  refusedAt,
  replaceAt,
  validCnpj,
  validCpf,
  validEmail,
} from "./support.js";

const digits = (min: number, max: number) => fc.array(digit, { minLength: min, maxLength: max }).map((d) => d.join(""));
const bank = fc
  .record({
    type: fc.constant("bank"),
    ispb: digits(8, 8),
    branch: digits(1, 10),
    // Some banks' check digit is X (Banco do Brasil): digits, then an optional upper-case X.
    account: fc.tuple(digits(1, 20), fc.boolean()).map(([d, x]) => (x ? `${d}X` : d)),
    accountType: fc.constantFrom(...ACCOUNT_TYPES),
    document: fc.oneof(validCpf, validCnpj),
    name: fc.string({ minLength: 1, maxLength: 60 }).filter((n) => n.trim() === n && n.length > 0),
  })
  .map((r) => ({ ...r }));
const withRecipient = (recipient: unknown, extra: Record<string, unknown> = {}) => ({
  ...basePayment,
  recipient,
  ...extra,
});

describe("bank data (property tests, 10,000 cases each)", () => {
  it("accepts valid bank data unchanged, and trims the holder's name", () => {
    fc.assert(
      fc.property(bank, fc.constantFrom("", " ", "  "), (r, pad) => {
        acceptedUnchanged(withRecipient(r));
        const value = accepted(withRecipient({ ...r, name: `${pad}${r.name}${pad}` }));
        if (value.recipient.type !== "bank" || value.recipient.name !== r.name) throw new Error("name not trimmed");
      }),
      RUNS,
    );
  });

  it("refuses a holder document that is not a valid CPF or CNPJ at recipient.document", () => {
    const documents = fc.oneof(
      fc.tuple(validCpf, fc.nat(), digit).map(([c, i, d]) => replaceAt(c, i, d)),
      fc.tuple(validCnpj, fc.nat(), alnum).map(([c, i, a]) => replaceAt(c, i % 12, a)),
      validCpf.map((c) => `${c.slice(0, 3)}.${c.slice(3, 6)}.${c.slice(6, 9)}-${c.slice(9)}`),
      digits(0, 16).filter((d) => d.length !== 11 && d.length !== 14),
    );
    fc.assert(
      fc.property(bank, documents, (r, document) =>
        oracleCpfValid(document) || oracleCnpjValid(document)
          ? acceptedUnchanged(withRecipient({ ...r, document }))
          : refusedAt(withRecipient({ ...r, document }), "recipient.document"),
      ),
      RUNS,
    );
  });

  it("refuses a wrong ISPB, branch, account, account type or name at its field", () => {
    const wrong = fc.oneof(
      fc
        .string()
        .filter((v) => !/^\d{8}$/.test(v))
        .map((v) => ["ispb", v] as const),
      fc
        .string()
        .filter((v) => !/^\d{1,10}$/.test(v))
        .map((v) => ["branch", v] as const),
      fc
        .oneof(
          fc.string(),
          digits(1, 20).map((d) => `${d}-X`),
          digits(1, 20).map((d) => `${d}x`),
          fc.constant("X"),
        )
        .filter((v) => !/^\d{1,20}X?$/.test(v))
        .map((v) => ["account", v] as const),
      fc
        .string()
        .filter((v) => !(ACCOUNT_TYPES as readonly string[]).includes(v))
        .map((v) => ["accountType", v] as const),
      fc.constantFrom("", " ", "\t").map((v) => ["name", v] as const),
    );
    fc.assert(
      fc.property(bank, wrong, (r, [field, value]) =>
        refusedAt(withRecipient({ ...r, [field]: value }), `recipient.${field}`),
      ),
      RUNS,
    );
  });
});

const brCode = fc.record({
  key: validEmail.filter((e) => e.length <= 60),
  amountCents: fc.option(fc.integer({ min: 1, max: 99_999_999 }), { nil: undefined }),
  name: fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ ".split("")), minLength: 1, maxLength: 25 }),
  city: fc.constantFrom("SAO PAULO", "RIO DE JANEIRO", "BRASILIA"),
});

describe("BR Codes (property tests, 10,000 cases each)", () => {
  it("accepts a valid code with the amount it fixes (or any amount when open), and refuses another amount at amount", () => {
    fc.assert(
      fc.property(brCode, fc.integer({ min: 1, max: 99_999_999 }), (input, other) => {
        const code = buildBrCode(input);
        const fixed = input.amountCents;
        acceptedUnchanged(withRecipient({ type: "brcode", code }, { amount: formatCents(fixed ?? other) }));
        if (fixed !== undefined && other !== fixed) {
          refusedAt(
            withRecipient({ type: "brcode", code }, { amount: formatCents(other) }),
            "amount",
            new RegExp(`^must be ${formatCents(fixed).replace(".", "\\.")}, the amount the BR Code`),
          );
        }
      }),
      RUNS,
    );
  });

  it("refuses a code with any character changed (CRC16-CCITT), another GUI, or a recomputed CRC over a broken TLV, at recipient.code", () => {
    const printable = fc.constantFrom(..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.@ ".split(""));
    fc.assert(
      fc.property(brCode, fc.nat(), printable, (input, i, c) => {
        const code = buildBrCode({ ...input, amountCents: undefined });
        const changed = replaceAt(code, i, c);
        // The CRC's hex digits are read in either case; any other change must be caught.
        const sameCode =
          changed.slice(0, -4) === code.slice(0, -4) && changed.slice(-4).toUpperCase() === code.slice(-4);
        if (!sameCode)
          refusedAt(
            withRecipient({ type: "brcode", code: changed }),
            "recipient.code",
            /not a valid Pix BR Code|must not start or end with spaces/,
          );
        const otherGui = code.replace("br.gov.bcb.pix", "br.gov.bcb.xyz").slice(0, -4);
        refusedAt(
          withRecipient({ type: "brcode", code: otherGui + crc16Ccitt(otherGui) }),
          "recipient.code",
          /GUI br\.gov\.bcb\.pix/,
        );
      }),
      RUNS,
    );
  });
});

const amountText = fc.integer({ min: 0, max: 999_999_999_999 }).map(formatCents);

describe("amounts (property tests, 10,000 cases each)", () => {
  it("format(parse(amount)) === amount for every well-formed amount", () => {
    fc.assert(
      fc.property(amountText, (text) => formatCents(parseAmount(text)) === text),
      RUNS,
    );
  });

  it("accepts every amount from 0.01 to the configured maximum, and refuses above it at amount", () => {
    // A few maxima (a fleet has one), amounts anywhere and right around each.
    const maxima = fc.constantFrom(1, 5_000, 100_000_000, 123_456_789, 999_999_999_999);
    const around = maxima.chain((max) =>
      fc.tuple(
        fc.oneof(
          fc.integer({ min: 1, max: 999_999_999_999 }),
          fc.integer({ min: Math.max(1, max - 3), max: Math.min(999_999_999_999, max + 3) }),
        ),
        fc.constant(max),
      ),
    );
    fc.assert(
      fc.property(around, ([cents, max]) => {
        const input = {
          ...basePayment,
          amount: formatCents(cents),
          recipient: { type: "key", key: "fornecedor@example.com" },
        };
        if (cents <= max) acceptedUnchanged(input, { maxAmountCents: max });
        else
          refusedAt(input, "amount", /must be at most .* \(the per-payment maximum, PIXOUT_MAX_AMOUNT\)/, {
            maxAmountCents: max,
          });
      }),
      RUNS,
    );
  });

  it("refuses every text that is not reais with two decimals above zero, at amount", () => {
    const texts = fc.oneof(
      fc.string(),
      amountText.map((a) => a.slice(0, -1)),
      amountText.map((a) => `0${a}`),
      amountText.map((a) => a.replace(".", ",")),
      amountText.map((a) => `-${a}`),
      amountText.map((a) => ` ${a}`),
      fc.constant("0.00"),
      digits(11, 13).map((d) => `${d}.00`),
    );
    fc.assert(
      fc.property(texts, (amount) => {
        const input = { ...basePayment, amount, recipient: { type: "key", key: "fornecedor@example.com" } };
        const wellFormed = /^(0|[1-9]\d{0,9})\.\d{2}$/.test(amount) && amount !== "0.00";
        if (wellFormed && parseAmount(amount) <= 100_000_000) acceptedUnchanged(input);
        else refusedAt(input, "amount");
      }),
      RUNS,
    );
  });
});

describe("descriptions and scheduled dates (property tests, 10,000 cases each)", () => {
  it("accepts descriptions up to 140 characters (code points) and refuses longer ones at description", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme-ascii", maxLength: 200 }),
        fc.constantFrom("a", "ç", "😀"),
        (text, unit) => {
          const description = text.length === 0 ? unit : text;
          const input = { ...basePayment, description, recipient: { type: "key", key: "fornecedor@example.com" } };
          if (Array.from(description).length <= 140) acceptedUnchanged(input);
          else refusedAt(input, "description", /at most 140 characters/);
        },
      ),
      RUNS,
    );
  });

  it("refuses a scheduledFor before São Paulo's today at scheduledFor; accepts today and later", () => {
    const day = fc
      .integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 0, 1) })
      .map((ms) => new Date(ms).toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, day, (today, date) => {
        const input = { ...basePayment, scheduledFor: date, recipient: { type: "key", key: "fornecedor@example.com" } };
        if (date >= today) acceptedUnchanged(input, { today });
        else
          refusedAt(input, "scheduledFor", new RegExp(`must not be in the past: today is ${today} in São Paulo`), {
            today,
          });
      }),
      RUNS,
    );
  });

  it("checks the date against São Paulo's calendar at `now`, and the worker's schema checks the format only", () => {
    // Every check here takes its clock as an argument (`now`, or `today`): none reads the wall clock.
    const input = {
      ...basePayment,
      scheduledFor: "2026-11-26",
      recipient: { type: "key", key: "fornecedor@example.com" },
    };
    // 2026-11-27 02:30 UTC is still the 26th in São Paulo (UTC-3).
    expect(validatePayment(input, {}, Date.UTC(2026, 10, 27, 2, 30)).ok).toBe(true);
    expect(validatePayment(input, {}, Date.UTC(2026, 10, 27, 3, 0))).toMatchObject({
      ok: false,
      issues: [{ field: "scheduledFor" }],
    });
    expect(paymentSchemaFor().safeParse(input).success).toBe(true);
    expect(paymentSchemaFor({ today: "2026-11-27" }).safeParse(input).success).toBe(false);
  });
});
