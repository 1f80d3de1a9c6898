import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signatureHeader, verifySignature } from "../../src/sdk.js";

const secret = "whsec-test-0123456789abcdef";
const body = JSON.stringify({ id: "d-1", type: "payment.paid", paymentId: "inv-1", amount: "10.50" });
const t = 1_780_000_000;
const at = (seconds: number) => () => seconds * 1000;

describe("signatureHeader", () => {
  it("is t=<seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>", () => {
    const expected = createHmac("sha256", secret).update(`${String(t)}.${body}`).digest("hex");
    expect(signatureHeader(body, secret, t)).toBe(`t=${String(t)},v1=${expected}`);
  });
});

describe("verifySignature", () => {
  const header = signatureHeader(body, secret, t);

  it("accepts the body as sent, as a string or a Buffer, within the tolerance", () => {
    expect(verifySignature(body, header, secret, { now: at(t) })).toEqual({ ok: true, timestamp: t });
    expect(verifySignature(Buffer.from(body), header, secret, { now: at(t + 299) })).toEqual({ ok: true, timestamp: t });
    expect(verifySignature(body, header, secret, { now: at(t - 299) }).ok).toBe(true);
  });

  it("refuses a tampered body and a wrong secret", () => {
    expect(verifySignature(body.replace("10.50", "99.50"), header, secret, { now: at(t) })).toEqual({ ok: false, reason: "signature does not match" });
    expect(verifySignature(`${body} `, header, secret, { now: at(t) }).ok).toBe(false);
    expect(verifySignature(body, header, "another-secret-0123456789", { now: at(t) })).toEqual({ ok: false, reason: "signature does not match" });
  });

  it("refuses a timestamp outside the tolerance, in the past or the future", () => {
    const old = verifySignature(body, header, secret, { now: at(t + 301) });
    expect(old).toMatchObject({ ok: false, reason: expect.stringContaining("tolerance") as unknown });
    expect(verifySignature(body, header, secret, { now: at(t - 301) }).ok).toBe(false);
    expect(verifySignature(body, header, secret, { now: at(t + 60), toleranceSeconds: 30 }).ok).toBe(false);
    expect(verifySignature(body, header, secret, { now: at(t + 60), toleranceSeconds: 90 }).ok).toBe(true);
    // A re-signed timestamp without the secret does not verify.
    expect(verifySignature(body, header.replace(`t=${String(t)}`, `t=${String(t + 1000)}`), secret, { now: at(t + 1000) }).ok).toBe(false);
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
});
