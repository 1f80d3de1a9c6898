import { describe, expect, it } from "vitest";
import { buildBrCode } from "../../src/payments/brcode.js";
import { saoPauloToday, shiftIsoDate } from "../../src/payments/calendar.js";
import { validatePayment as validateAt } from "../../src/payments/payment.js";

/** The test's clock: noon in São Paulo on 27 Nov 2026. */
const NOW = Date.parse("2026-11-27T15:00:00Z");
const validatePayment = (input: unknown) => validateAt(input, {}, NOW);

const valid = {
  paymentId: "inv-1001",
  amount: "10.50",
  description: "Reembolso 1001",
  recipient: { type: "key", key: "fornecedor@example.com" },
};

function issues(input: unknown): Record<string, string> {
  const result = validatePayment(input);
  if (result.ok) throw new Error("expected issues");
  return Object.fromEntries(result.issues.map((i) => [i.field, i.message]));
}

describe("payment job data", () => {
  it("accepts the documented examples", () => {
    expect(validatePayment(valid).ok).toBe(true);
    expect(
      validatePayment({
        paymentId: "inv-1002",
        amount: "99.90",
        recipient: {
          type: "bank",
          ispb: "00416968",
          branch: "0001",
          account: "1234567",
          accountType: "CONTA_CORRENTE",
          document: "12345678909",
          name: "Maria Silva",
        },
      }).ok,
    ).toBe(true);
    expect(
      validatePayment({
        paymentId: "inv-1003",
        amount: "5.00",
        recipient: {
          type: "brcode",
          code: buildBrCode({ key: "fornecedor@example.com", name: "Loja", city: "SAO PAULO" }),
        },
      }).ok,
    ).toBe(true);
    expect(
      validatePayment({
        ...valid,
        version: 1,
        scheduledFor: shiftIsoDate(saoPauloToday(NOW), 65),
        account: "12345678",
        metadata: { invoice: "1001" },
      }).ok,
    ).toBe(true);
  });

  it("lists every problem with its field", () => {
    expect(
      issues({
        paymentId: "inv 1001!",
        amount: 10.5,
        description: "x".repeat(141),
        recipient: { type: "key" },
        scheduledFor: "2030-02-30",
        account: "0123",
        extra: true,
      }),
    ).toEqual({
      paymentId: "must be 1-64 characters of letters, digits, '.', '_' or '-'",
      amount: 'must be a string like "10.50"',
      description: "must have at most 140 characters",
      "recipient.key": "is required",
      scheduledFor: "must be a date as YYYY-MM-DD",
      account: "must be the checking account number, digits only with the check digit and no leading zeros",
      "": 'unknown field "extra"',
    });
  });

  it("refuses amounts that are not two-decimal strings above zero", () => {
    for (const amount of ["10.5", "0.00", "-1.00", "1e2", "10,50", "10000000000.00"]) {
      expect(Object.keys(issues({ ...valid, amount }))).toEqual(["amount"]);
    }
  });

  it("refuses an unknown recipient type and a wrong version", () => {
    expect(issues({ ...valid, recipient: { type: "wire", iban: "x" } })).toHaveProperty(["recipient.type"]);
    expect(issues({ ...valid, version: 2 })).toEqual({ version: "must be 1 (or left out)" });
    expect(issues(null)).toHaveProperty([""]);
    expect(issues({})).toMatchObject({ paymentId: "is required", amount: "is required", recipient: "is required" });
  });

  it("checks bank data fields", () => {
    expect(
      Object.keys(
        issues({
          ...valid,
          recipient: {
            type: "bank",
            ispb: "416968",
            branch: "0001",
            account: "12-3",
            accountType: "POUPANCA",
            document: "123",
            name: "",
          },
        }),
      ).sort(),
    ).toEqual(["recipient.account", "recipient.accountType", "recipient.document", "recipient.ispb", "recipient.name"]);
  });

  it("refuses control characters and bidirectional marks in every free text, saying which and where", () => {
    const bank = {
      type: "bank",
      ispb: "00416968",
      branch: "0001",
      account: "1234567",
      accountType: "CONTA_CORRENTE",
      document: "12345678909",
    };
    for (const bad of ["a\u0000b", "pay\u001b[2J", "line\nbreak", "\u0085", "inv\u202Egnp.exe", "x\u2066y", "\ud800"]) {
      const found = issues({
        ...valid,
        description: bad,
        metadata: { [`k${bad}`]: "v", k: bad },
        recipient: { ...bank, name: `Maria ${bad} Silva` },
        callbackUrl: `https://erp.example.com/${bad}`,
      });
      for (const field of ["description", `metadata.k${bad}`, "metadata.k", "recipient.name", "callbackUrl"]) {
        expect(found[field], `${field}: ${JSON.stringify(bad)}`).toMatch(
          /must not contain control characters or bidirectional marks \(U\+[0-9A-F]{4} at character \d+\)|is not valid Unicode/,
        );
      }
    }
    expect(issues({ ...valid, description: "Reembolso\u202E1001" })["description"]).toBe(
      "must not contain control characters or bidirectional marks (U+202E at character 10)",
    );
    // Accents, emoji and other scripts are text.
    expect(
      validatePayment({ ...valid, description: "Ação 🎉 日本 مرحبا", metadata: { "pedido ação": "nº 1 — ok" } }).ok,
    ).toBe(true);
  });

  it("refuses unknown fields and object machinery inside recipient and metadata, as at the top level", () => {
    expect(
      issues({ ...valid, recipient: { type: "key", key: "fornecedor@example.com", amount: "999.00" } }),
    ).toHaveProperty("recipient");
    const proto = JSON.parse(
      '{"type":"key","key":"fornecedor@example.com","__proto__":{"key":"outra@example.com"}}',
    ) as unknown;
    expect(issues({ ...valid, recipient: proto })).toHaveProperty("recipient");
    for (const key of ["__proto__", "constructor", "prototype"]) {
      const metadata = JSON.parse(`{${JSON.stringify(key)}:"x"}`) as unknown;
      expect(issues({ ...valid, metadata })[`metadata.${key}`], key).toBe(`"${key}" is not allowed as a key`);
    }
  });
});
