// Inter's statement as pixout reads it: no field required, amounts as text or numbers, dates in three
// shapes, times with or without a zone; nothing the bank may omit refused, nothing guessed. No clock is read
// here: every date is data, parsed as the bank writes it.
import { describe, expect, it } from "vitest";
import { debitOf } from "../../src/inter/statement-reader.js";
import { centsOfBankAmount, readStatementEntry, statementAnswer, statementPageOf } from "../../src/inter/statement.js";

describe("statement entries", () => {
  it("reads amounts written as text or as numbers, never through a float", () => {
    expect(["13.45", "13.4", "0.0", "-13.45", 13.45, 0.1, 1234567.89].map(centsOfBankAmount)).toEqual([
      1345, 1340, 0, -1345, 1345, 10, 123456789,
    ]);
    for (const bad of ["13.456", "1e3", "", "abc", Number.NaN, 0.1 + 0.2, null, {}])
      expect(centsOfBankAmount(bad)).toBeUndefined();
  });

  it("reads São Paulo wall time as São Paulo's and a zoned time as an instant; a date alone as a day", () => {
    const local = readStatementEntry({ dataInclusao: "2026-11-24 23:58:01.500", valor: "1.00" });
    expect(local).toMatchObject({ date: "2026-11-24", localTime: "2026-11-24 23:58:01.500", amountCents: 100 });
    expect(debitOf(local, "1", "#")?.at).toBe(Date.UTC(2026, 10, 25, 2, 58, 1, 500));
    // 02:30 UTC on the 25th is still the 24th in São Paulo.
    const zoned = readStatementEntry({ dataInclusao: "2026-11-25T02:30:00Z" });
    expect(zoned).toMatchObject({ date: "2026-11-24", instant: Date.UTC(2026, 10, 25, 2, 30) });
    expect(zoned.localTime).toBeUndefined();
    expect(readStatementEntry({ dataTransacao: "25/11/2026" })).toMatchObject({ date: "2026-11-25" });
    expect(readStatementEntry({ dataInclusao: "yesterday" })).toEqual({ readable: true });
    expect(readStatementEntry("not an entry")).toEqual({ readable: false });
  });

  it("keeps a debit that says nothing of its kind, skips one that says it is a credit or a fee", () => {
    expect(debitOf(readStatementEntry({ valor: "1.00" }), "1", "#1:x:1")).toEqual({
      id: "#1:x:1",
      account: "1",
      amountCents: 100,
    });
    expect(debitOf(readStatementEntry({ tipoOperacao: "C", valor: "1.00" }), "1", "#")).toBeUndefined();
    expect(
      debitOf(readStatementEntry({ tipoOperacao: "D", tipoTransacao: "TARIFA", valor: "1.00" }), "1", "#"),
    ).toBeUndefined();
    const pix = readStatementEntry({
      idTransacao: "t1",
      tipoOperacao: "d",
      tipoTransacao: "pix",
      detalhes: { codigoSolicitacao: "ABC", endToEndId: " E1 ", chavePixRecebedor: "a@b.c" },
    });
    expect(debitOf(pix, "1", "#")).toEqual({
      id: "t1",
      account: "1",
      codigoSolicitacao: "abc",
      endToEndId: "E1",
      key: "a@b.c",
    });
  });

  it("a scroll page that says there is more without an id, or a page without `ultimaPagina`, is not taken for the end", () => {
    const scroll = statementPageOf(statementAnswer.parse({ hasMore: true, transacoes: [{}] }), true);
    expect(scroll).toMatchObject({ last: false, hasMore: true });
    expect(scroll.scrollId).toBeUndefined();
    expect(statementPageOf(statementAnswer.parse({ transacoes: [{}] }), false).last).toBe(false);
    expect(statementPageOf(statementAnswer.parse({ transacoes: [] }), false).last).toBe(true);
    expect(statementPageOf(statementAnswer.parse({ totalPaginas: "x", transacoes: "nope" }), false)).toEqual({
      entries: [],
      last: true,
    });
  });
});
