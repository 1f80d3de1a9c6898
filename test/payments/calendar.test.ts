import { describe, expect, it } from "vitest";
import {
  compareIsoDates,
  createOffsetLookup,
  formatE2eTimestamp,
  formatInterDateTime,
  formatOffsetDateTime,
  formatProblemTimestamp,
  isIsoDate,
  parseOffsetDateTime,
  saoPauloOffsetMinutes,
  saoPauloStartOfDay,
  saoPauloToday,
  shiftIsoDate,
} from "../../src/payments/calendar.js";

describe("São Paulo calendar", () => {
  it("gives São Paulo's date, not UTC's, around midnight", () => {
    // 02:30 UTC on 1 Oct 2023 is still 30 Sep in São Paulo (UTC-3).
    expect(saoPauloToday(Date.UTC(2023, 9, 1, 2, 30))).toBe("2023-09-30");
    expect(saoPauloToday(Date.UTC(2023, 9, 1, 3, 0))).toBe("2023-10-01");
  });

  it("knows the historical daylight saving offset", () => {
    expect(saoPauloOffsetMinutes(Date.UTC(2023, 0, 15, 12))).toBe(-180);
    // Brazil still had DST in January 2018 (UTC-2).
    expect(saoPauloOffsetMinutes(Date.UTC(2018, 0, 15, 12))).toBe(-120);
  });

  it("formats Inter's date-times", () => {
    const t = Date.UTC(2023, 8, 30, 20, 34, 0, 527);
    expect(formatInterDateTime(t)).toBe("2023-09-30T17:34:00.527");
    expect(formatInterDateTime(t, "micros")).toBe("2023-09-30T17:34:00.527000");
    expect(formatProblemTimestamp(t)).toBe("2023-09-30T17:34:00.527000000-03:00");
    expect(formatOffsetDateTime(t)).toBe("2023-09-30T17:34:00.527-03:00");
    expect(formatE2eTimestamp(t)).toBe("202309302034");
  });

  it("memoised offsets agree with the time-zone database", () => {
    const lookup = createOffsetLookup();
    for (const t of [Date.UTC(2018, 0, 1), Date.UTC(2018, 0, 1, 0, 30), Date.UTC(2023, 5, 1), Date.UTC(2018, 0, 1)]) {
      expect(lookup(t)).toBe(saoPauloOffsetMinutes(t));
    }
  });

  it("validates and compares YYYY-MM-DD dates", () => {
    expect(isIsoDate("2024-02-29")).toBe(true);
    expect(isIsoDate("2023-02-29")).toBe(false);
    expect(isIsoDate("2023-13-01")).toBe(false);
    expect(isIsoDate("23-01-01")).toBe(false);
    expect(compareIsoDates("2023-01-02", "2023-01-10")).toBe(-1);
    expect(compareIsoDates("2023-01-10", "2023-01-10")).toBe(0);
  });

  it("shifts a date by whole days across month, year and leap-day ends", () => {
    expect(shiftIsoDate("2026-12-31", 1)).toBe("2027-01-01");
    expect(shiftIsoDate("2027-01-01", -1)).toBe("2026-12-31");
    expect(shiftIsoDate("2028-02-28", 1)).toBe("2028-02-29");
    expect(shiftIsoDate("2028-02-29", 1)).toBe("2028-03-01");
    expect(shiftIsoDate("2027-02-28", 1)).toBe("2027-03-01");
    expect(shiftIsoDate("2031-01-31", 0)).toBe("2031-01-31");
    expect(() => shiftIsoDate("2026-02-30", 1)).toThrow(RangeError);
    expect(() => shiftIsoDate("2026-02-01", 0.5)).toThrow(RangeError);
  });

  it("finds the first instant of a São Paulo day (when a scheduled payment runs)", () => {
    expect(saoPauloStartOfDay("2026-11-28")).toBe(Date.UTC(2026, 10, 28, 3, 0));
    expect(saoPauloToday(saoPauloStartOfDay("2026-11-28") - 1)).toBe("2026-11-27");
    expect(saoPauloStartOfDay("2024-02-29", createOffsetLookup())).toBe(Date.UTC(2024, 1, 29, 3, 0));
    // Under daylight saving time (UTC-2) midnight was 02:00 UTC.
    expect(saoPauloStartOfDay("2019-02-16")).toBe(Date.UTC(2019, 1, 16, 2, 0));
    // DST began at midnight on 4 Nov 2018: 00:00 never happened, the day began at 01:00 (-02:00).
    expect(saoPauloStartOfDay("2018-11-04")).toBe(Date.UTC(2018, 10, 4, 3, 0));
    // DST ended at midnight on 17 Feb 2019: the clock went back to 23:00 on the 16th, then 00:00 (-03:00).
    expect(saoPauloStartOfDay("2019-02-17")).toBe(Date.UTC(2019, 1, 17, 3, 0));
    expect(() => saoPauloStartOfDay("2026-02-30")).toThrow(RangeError);
    expect(() => saoPauloStartOfDay("28/11/2026")).toThrow(RangeError);
  });

  it("parses the callbacks listing's offset date-times", () => {
    expect(parseOffsetDateTime("2023-06-01T00:00Z")).toBe(Date.UTC(2023, 5, 1));
    expect(parseOffsetDateTime("2023-06-01T10:00:00.250-03:00")).toBe(Date.UTC(2023, 5, 1, 13, 0, 0, 250));
    expect(parseOffsetDateTime("2023-06-01T10:00:00")).toBeUndefined();
    expect(parseOffsetDateTime("2023-02-30T10:00Z")).toBeUndefined();
  });
});
