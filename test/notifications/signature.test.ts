import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createRedeliveryFilter, signatureHeader, verifySignature } from "../../src/sdk.js";

const secret = "whsec-test-0123456789abcdef";
const body = JSON.stringify({ id: "d-1", type: "payment.paid", paymentId: "inv-1", amount: "10.50" });
const t = 1_780_000_000;
const at = (seconds: number) => () => seconds * 1000;

describe("signatureHeader", () => {
  it("is t=<seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>", () => {
    const expected = createHmac("sha256", secret)
      .update(`${String(t)}.${body}`)
      .digest("hex");
    expect(signatureHeader(body, secret, t)).toBe(`t=${String(t)},v1=${expected}`);
  });
});

describe("verifySignature", () => {
  const header = signatureHeader(body, secret, t);

  it("accepts the body as sent, as a string or a Buffer, within the tolerance", () => {
    expect(verifySignature(body, header, secret, { now: at(t) })).toEqual({ ok: true, timestamp: t });
    expect(verifySignature(Buffer.from(body), header, secret, { now: at(t + 299) })).toEqual({
      ok: true,
      timestamp: t,
    });
    expect(verifySignature(body, header, secret, { now: at(t - 299) }).ok).toBe(true);
  });

  it("refuses a tampered body and a wrong secret", () => {
    expect(verifySignature(body.replace("10.50", "99.50"), header, secret, { now: at(t) })).toEqual({
      ok: false,
      reason: "signature does not match",
    });
    expect(verifySignature(`${body} `, header, secret, { now: at(t) }).ok).toBe(false);
    expect(verifySignature(body, header, "another-secret-0123456789", { now: at(t) })).toEqual({
      ok: false,
      reason: "signature does not match",
    });
  });

  it("refuses a timestamp outside the tolerance, in the past or the future", () => {
    const old = verifySignature(body, header, secret, { now: at(t + 301) });
    expect(old).toMatchObject({ ok: false, reason: expect.stringContaining("tolerance") as unknown });
    expect(verifySignature(body, header, secret, { now: at(t - 301) }).ok).toBe(false);
    expect(verifySignature(body, header, secret, { now: at(t + 60), toleranceSeconds: 30 }).ok).toBe(false);
    expect(verifySignature(body, header, secret, { now: at(t + 60), toleranceSeconds: 90 }).ok).toBe(true);
    // A re-signed timestamp without the secret does not verify.
    expect(
      verifySignature(body, header.replace(`t=${String(t)}`, `t=${String(t + 1000)}`), secret, { now: at(t + 1000) })
        .ok,
    ).toBe(false);
  });

  it("accepts any of several v1 entries (a sender rotating its secret) and ignores other schemes", () => {
    const oldSig = signatureHeader(body, "old-secret-0123456789abcdef", t).split(",")[1] ?? "";
    const newSig = signatureHeader(body, secret, t).split(",")[1] ?? "";
    const rotated = `t=${String(t)},${oldSig},${newSig},v0=whatever`;
    expect(verifySignature(body, rotated, secret, { now: at(t) })).toEqual({ ok: true, timestamp: t });
    expect(verifySignature(body, rotated, "old-secret-0123456789abcdef", { now: at(t) }).ok).toBe(true);
    expect(verifySignature(body, rotated, "third-secret-0123456789abc", { now: at(t) }).ok).toBe(false);
  });

  it("refuses a missing or malformed header", () => {
    const v1 = header.split(",")[1] ?? "";
    const reasons = [
      undefined,
      "",
      "garbage",
      v1,
      `t=${String(t)}`,
      `t=${String(t)},v1=abc`,
      `t=soon,${v1}`,
      `t=${String(t)},t=${String(t)},${v1}`,
      `t=${String(t)};${v1}`,
    ].map((h) => verifySignature(body, h, secret, { now: at(t) }));
    for (const r of reasons) expect(r.ok).toBe(false);
    expect(reasons[0]).toEqual({ ok: false, reason: "missing pixout-signature header" });
    expect(verifySignature(body, header, "", { now: at(t) }).ok).toBe(false);
  });

  it("uses the real clock by default", () => {
    const now = Math.floor(Date.now() / 1000);
    expect(verifySignature(body, signatureHeader(body, secret, now), secret).ok).toBe(true);
    expect(verifySignature(body, signatureHeader(body, secret, now - 600), secret).ok).toBe(false);
  });

  it("fails closed on a tolerance that is no number of seconds, or longer than an hour, and on a clock that gives no time", () => {
    const long = signatureHeader(body, secret, t - 10 * 365 * 86_400);
    for (const toleranceSeconds of [Number.NaN, Infinity, -Infinity, 0, -5, 3601, "300" as unknown as number]) {
      const r = verifySignature(body, long, secret, { now: at(t), toleranceSeconds });
      expect(r, String(toleranceSeconds)).toEqual({
        ok: false,
        reason: expect.stringMatching(
          /^toleranceSeconds must be a number of seconds above 0 and at most 3600/,
        ) as unknown,
      });
      // Even a fresh, well-signed request: a wrong tolerance is the receiver's bug, found at its first request.
      expect(verifySignature(body, header, secret, { now: at(t), toleranceSeconds }).ok).toBe(false);
    }
    expect(verifySignature(body, header, secret, { now: at(t + 3600), toleranceSeconds: 3600 }).ok).toBe(true);
    expect(verifySignature(body, header, secret, { now: () => Number.NaN })).toEqual({
      ok: false,
      reason: "the clock (options.now) gave no time",
    });
  });
});

describe("createRedeliveryFilter", () => {
  it("lets each delivery id through once within its window, and again after it", () => {
    let now = 1_000;
    const filter = createRedeliveryFilter({ windowSeconds: 60, now: () => now });
    expect([filter.firstTime("d-1"), filter.firstTime("d-2"), filter.firstTime("d-1")]).toEqual([true, true, false]);
    now += 59_999;
    expect(filter.firstTime("d-2")).toBe(false);
    now += 2;
    expect(filter.firstTime("d-1")).toBe(true);
    // An event whose handling failed is forgotten: its redelivery is handled.
    filter.forget("d-1");
    expect(filter.firstTime("d-1")).toBe(true);
  });

  it("remembers at most maxEntries ids, the oldest forgotten first, and refuses a window or size that is no number", () => {
    const filter = createRedeliveryFilter({ maxEntries: 2, now: () => 0 });
    for (const id of ["a", "b", "c"]) filter.firstTime(id);
    expect(filter.size).toBe(2);
    expect(filter.firstTime("a")).toBe(true);
    expect(filter.firstTime("c")).toBe(false);
    expect(() => createRedeliveryFilter({ windowSeconds: Number.NaN })).toThrow(RangeError);
    expect(() => createRedeliveryFilter({ maxEntries: Infinity })).toThrow(RangeError);
  });
});
