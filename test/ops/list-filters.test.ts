// The payment list's filters as read from a query string, and the CSV's defused fields.
import { describe, expect, it } from "vitest";
import { filtersQuery, readListFilters, windowOf } from "../../src/ops/dashboard/list-filters.js";
import { csvRow } from "../../src/ops/dashboard/list-page.js";
import { saoPauloStartOfDay } from "../../src/payments/calendar.js";

describe("payment list filters", () => {
  it("reads every filter, and gives them back as a query string", () => {
    const read = readListFilters({
      outcome: "paid",
      account: "12345",
      from: "2026-01-02",
      to: "2026-01-03",
      min: "1.000,50",
      max: "2000",
    });
    expect(read).toEqual({
      ok: true,
      filters: {
        outcome: "paid",
        account: "12345",
        from: "2026-01-02",
        to: "2026-01-03",
        minCents: 100_050,
        maxCents: 200_000,
      },
    });
    if (!read.ok) return;
    expect(filtersQuery(read.filters)).toBe(
      "?outcome=paid&account=12345&from=2026-01-02&to=2026-01-03&min=1000.50&max=2000.00",
    );
    // São Paulo days: from its midnight to the last ms before the day after `to`.
    expect(windowOf(read.filters)).toEqual({
      fromMs: saoPauloStartOfDay("2026-01-02"),
      toMs: saoPauloStartOfDay("2026-01-04") - 1,
    });
  });

  it("says what is wrong with each bad filter", () => {
    expect(
      readListFilters({ outcome: "lost", account: "12a", from: "2026-02-30", min: "5", max: "1", cursor: "x" }),
    ).toEqual({
      ok: false,
      problems: [
        "outcome must be one of paid, failed, rejected, blocked, needs-reconciliation, in-progress",
        "account must be the paying account's number (digits only)",
        "from must be a date as YYYY-MM-DD (São Paulo)",
        "min must not be more than max",
        "cursor is not one this dashboard gave: start from the first page",
      ],
    });
    expect(readListFilters({ from: "2026-01-05", to: "2026-01-04" })).toMatchObject({
      ok: false,
      problems: ["from must not be after to"],
    });
    // A cursor's skip counts ties of one moment: a deep offset is not one this dashboard gives.
    expect(readListFilters({ cursor: "1700000000000.3" })).toEqual({
      ok: true,
      filters: { cursor: { before: 1_700_000_000_000, skip: 3 } },
    });
    expect(readListFilters({ cursor: "1700000000000.900000" })).toMatchObject({ ok: false });
    // Repeated parameters (arrays) are not text: ignored as absent.
    expect(readListFilters({ outcome: ["paid", "failed"] })).toEqual({ ok: true, filters: {} });
  });

  it("CSV: quotes what needs quoting and defuses a spreadsheet formula", () => {
    const row = {
      outcome: "paid",
      account: "1",
      amountCents: 100,
      amount: "1.00",
      amountText: "R$ 1,00",
      at: "x",
      codigoSolicitacao: 'a,"b"',
    };
    expect(csvRow({ ...row, paymentId: "-cmd" })).toBe(`'-cmd,paid,1,1.00,x,"a,""b"""\r\n`);
    expect(csvRow({ ...row, paymentId: "=1+1", codigoSolicitacao: "" })).toBe("'=1+1,paid,1,1.00,x,\r\n");
  });
});
