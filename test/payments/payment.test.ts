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
        recipient: { type: "bank", ispb: "00416968", branch: "0001", account: "1234567", accountType: "CONTA_CORRENTE", document: "12345678909", name: "Maria Silva" },
      }).ok,
    ).toBe(true);
    expect(validatePayment({ paymentId: "inv-1003", amount: "5.00", recipient: { type: "brcode", code: buildBrCode({ key: "fornecedor@example.com", name: "Loja", city: "SAO PAULO" }) } }).ok).toBe(true);
    expect(
      validatePayment({ ...valid, version: 1, scheduledFor: shiftIsoDate(saoPauloToday(NOW), 65), account: "12345678", metadata: { invoice: "1001" } }).ok,
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
        issues({ ...valid, recipient: { type: "bank", ispb: "416968", branch: "0001", account: "12-3", accountType: "POUPANCA", document: "123", name: "" } }),
      ).sort(),
    ).toEqual(["recipient.account", "recipient.accountType", "recipient.document", "recipient.ispb", "recipient.name"]);
  });
});
