// The instants `pixout webhook callbacks|replay` accept, at a clock the test gives.
import { describe, expect, it } from "vitest";
import { parseMoment } from "../src/cli/commands/moments.js";

const NOW = Date.parse("2026-12-31T23:55:00-03:00");

describe("--since and --until", () => {
  it("reads a time ago, a São Paulo date, or a date-time with its offset", () => {
    expect(parseMoment("90m", NOW)).toBe(NOW - 90 * 60_000);
    expect(parseMoment("2h", NOW)).toBe(NOW - 2 * 3_600_000);
    expect(parseMoment("3d", NOW)).toBe(NOW - 3 * 86_400_000);
    expect(parseMoment("30s", NOW)).toBe(NOW - 30_000);
    // A date is its first instant in São Paulo, not in UTC.
    expect(parseMoment("2026-12-31", NOW)).toBe(Date.parse("2026-12-31T00:00:00-03:00"));
    expect(parseMoment("2026-12-31T09:30-03:00", NOW)).toBe(Date.parse("2026-12-31T12:30:00Z"));
    expect(parseMoment("2026-12-31T12:30:00.250Z", NOW)).toBe(Date.parse("2026-12-31T12:30:00.250Z"));
  });

  it("refuses anything else", () => {
    for (const bad of [
      "",
      "yesterday",
      "2h ago",
      "-2h",
      "2026-02-30",
      "2026-12-31T09:30",
      "1.5h",
      "999999d",
      "2026-12-31T09:30-99:99",
      "2026-12-31T09:30+15:00",
      "2019-12-31",
    ]) {
      expect(parseMoment(bad, NOW), bad).toBeUndefined();
    }
    // Spaces around any form are forgiven alike.
    expect(parseMoment(" 2h ", NOW)).toBe(NOW - 2 * 3_600_000);
    expect(parseMoment(" 2026-12-31 ", NOW)).toBe(Date.parse("2026-12-31T00:00:00-03:00"));
  });
});
