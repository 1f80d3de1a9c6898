import { describe, expect, it } from "vitest";
import { IDEMPOTENCY_KEY } from "../../src/payments/pix-request.js";
import { bankIdempotencyKey } from "../../src/payments/idempotency.js";

describe("bank idempotency key", () => {
  it("is a stable lower-case UUIDv5 of paymentId and generation", () => {
    const key = bankIdempotencyKey("inv-1001");
    expect(key).toMatch(IDEMPOTENCY_KEY);
    expect(key[14]).toBe("5"); // version nibble
    expect(bankIdempotencyKey("inv-1001")).toBe(key);
    expect(bankIdempotencyKey("inv-1001", 0)).toBe(key);
    // Pinned: a change here would re-key every payment in flight and could pay twice.
    expect(key).toBe("d2a7c8aa-354a-5ab7-b6db-ed64311bd48a");
  });

  it("differs per payment and per generation", () => {
    const keys = new Set([
      bankIdempotencyKey("inv-1001"),
      bankIdempotencyKey("inv-1002"),
      bankIdempotencyKey("inv-1001", 1),
      bankIdempotencyKey("inv-10011"),
    ]);
    expect(keys.size).toBe(4);
  });

  it("refuses a bad generation", () => {
    expect(() => bankIdempotencyKey("a", -1)).toThrow(RangeError);
    expect(() => bankIdempotencyKey("a", 1.5)).toThrow(RangeError);
  });
});
