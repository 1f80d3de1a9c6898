// Amounts in R$ as a Brazilian reads and types them, and percentiles of bucketed durations.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatBrl, parseTypedAmount } from "../../src/payments/brl.js";
import { bucketOf, LATENCY_BOUNDS_MS, quantileOf } from "../../src/payments/duration-buckets.js";
import { MAX_CENTS } from "../../src/payments/money.js";

describe("R$ amounts", () => {
  it("formats centavos with a dot per thousand and a decimal comma", () => {
    expect(formatBrl(0)).toBe("R$ 0,00");
    expect(formatBrl(5)).toBe("R$ 0,05");
    expect(formatBrl(123_456)).toBe("R$ 1.234,56");
    expect(formatBrl(100_000_000_00)).toBe("R$ 100.000.000,00");
    expect(formatBrl(-50)).toBe("-R$ 0,50");
    expect(() => formatBrl(1.5)).toThrow(/safe integer/);
  });

  it("reads what a person types, and refuses what is not an amount", () => {
    expect(parseTypedAmount("1234.56")).toBe(123_456);
    expect(parseTypedAmount("1234,56")).toBe(123_456);
    expect(parseTypedAmount("1.234,56")).toBe(123_456);
    expect(parseTypedAmount("R$ 1.234,5")).toBe(123_450);
    expect(parseTypedAmount("1.234")).toBe(123_400);
    expect(parseTypedAmount("10")).toBe(1_000);
    expect(parseTypedAmount("10.001")).toBe(1_000_100); // a dot before three digits groups thousands
    for (const bad of ["", "abc", "1,234,56", "1.2345", "-5", "1e3", "0x10", "10.0001"])
      expect(parseTypedAmount(bad)).toBeUndefined();
  });

  it("reads back what it formats, for any amount", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_CENTS }), (cents) => {
        expect(parseTypedAmount(formatBrl(cents))).toBe(cents);
      }),
    );
  });
});

describe("bucketed durations", () => {
  it("puts a duration in the first bucket whose bound holds it, the rest in the open bucket", () => {
    expect(bucketOf(0, LATENCY_BOUNDS_MS)).toBe(0);
    expect(bucketOf(25, LATENCY_BOUNDS_MS)).toBe(0);
    expect(bucketOf(26, LATENCY_BOUNDS_MS)).toBe(1);
    expect(bucketOf(10 * 60_000, LATENCY_BOUNDS_MS)).toBe(LATENCY_BOUNDS_MS.length);
  });

  it("tells the p95 as the bound of its bucket", () => {
    const bounds = [10, 100, 1000];
    expect(quantileOf([0, 0, 0, 0], bounds, 0.95)).toBeUndefined();
    expect(quantileOf([95, 5, 0, 0], bounds, 0.95)).toBe(10);
    expect(quantileOf([94, 6, 0, 0], bounds, 0.95)).toBe(100);
    expect(quantileOf([0, 0, 0, 1], bounds, 0.95)).toBe(Infinity);
  });
});
