// A certificate's status by the time left: Inter's 90-day renewal window, the 30-day warning, expiry.
import { describe, expect, it } from "vitest";
import { certificateStatus } from "../../src/tls/certificate-status.js";

const DAY = 86_400_000;
const now = new Date("2026-11-27T12:00:00Z");
const left = (ms: number) => ({
  validFrom: new Date(now.getTime() - 365 * DAY),
  validTo: new Date(now.getTime() + ms),
});

describe("certificate status", () => {
  it("is valid beyond 90 days, renewable within them, expiring within 30, expired at the end", () => {
    expect(certificateStatus(left(90 * DAY + 1), now)).toBe("valid");
    expect(certificateStatus(left(90 * DAY), now)).toBe("renewable");
    expect(certificateStatus(left(30 * DAY), now)).toBe("renewable");
    expect(certificateStatus(left(30 * DAY - 1), now)).toBe("expiring");
    expect(certificateStatus(left(1), now)).toBe("expiring");
    expect(certificateStatus(left(0), now)).toBe("expired");
    expect(certificateStatus(left(-DAY), now)).toBe("expired");
  });

  it("is not yet valid before its start", () => {
    expect(
      certificateStatus(
        { validFrom: new Date(now.getTime() + 1000), validTo: new Date(now.getTime() + 400 * DAY) },
        now,
      ),
    ).toBe("not-yet-valid");
  });
});
