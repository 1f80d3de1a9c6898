import { describe, expect, it } from "vitest";
import {
  AmountFormatError,
  MAX_CENTS,
  centsFromBankNumber,
  centsFromBankString,
  formatCents,
  parseAmount,
} from "../../src/payments/money.js";

describe("money", () => {
  it("parses decimal strings with exactly two places into centavos", () => {
    expect(parseAmount("10.50")).toBe(1050);
    expect(parseAmount("0.01")).toBe(1);
    expect(parseAmount("0.00")).toBe(0);
    expect(parseAmount("9999999999.99")).toBe(MAX_CENTS);
    // 0.1 + 0.2 style traps: exact integer arithmetic
    expect(parseAmount("1234567.89")).toBe(123456789);
  });

  it.each([
    "10",
    "10.5",
    "10.500",
    "1,50",
    "-1.00",
    "+1.00",
    "01.00",
    " 1.00",
    "1.00 ",
    "1e3.00",
    "",
    "10000000000.00",
  ])("refuses %j", (text) => {
    expect(() => parseAmount(text)).toThrow(AmountFormatError);
  });

  it("formats centavos back, and round-trips", () => {
    expect(formatCents(1050)).toBe("10.50");
    expect(formatCents(1)).toBe("0.01");
    expect(formatCents(0)).toBe("0.00");
    for (const text of ["0.01", "0.10", "1.00", "10.50", "123456789.99", "9999999999.99"]) {
      expect(formatCents(parseAmount(text))).toBe(text);
    }
  });

  it("refuses non-integer or negative centavos", () => {
    expect(() => formatCents(10.5)).toThrow(AmountFormatError);
    expect(() => formatCents(-1)).toThrow(AmountFormatError);
    expect(() => formatCents(Number.MAX_SAFE_INTEGER + 2)).toThrow(AmountFormatError);
  });

  it("reads the bank's JSON numbers and strings without float arithmetic", () => {
    expect(centsFromBankNumber(JSON.parse("10.50") as number)).toBe(1050);
    expect(centsFromBankNumber(JSON.parse("0.07") as number)).toBe(7);
    expect(centsFromBankNumber(JSON.parse("1234567.89") as number)).toBe(123456789);
    expect(centsFromBankNumber(100)).toBe(10000);
    expect(centsFromBankNumber(0.001)).toBeUndefined();
    expect(centsFromBankNumber(-1)).toBeUndefined();
    expect(centsFromBankNumber(Number.NaN)).toBeUndefined();
    expect(centsFromBankNumber(1e21)).toBeUndefined();
    expect(centsFromBankString("0.01")).toBe(1);
    expect(centsFromBankString("12.3")).toBe(1230);
    expect(centsFromBankString("12.345")).toBeUndefined();
    expect(centsFromBankString("abc")).toBeUndefined();
  });
});
