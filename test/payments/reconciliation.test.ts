// The reconciliation rules: every debit and every payment in exactly one row, each kind from its facts.
import { describe, expect, it } from "vitest";
import { saoPauloToday } from "../../src/payments/calendar.js";
import {
  nextBusinessDay,
  reconcile,
  summarize,
  type LedgerDebit,
  type ReconPayment,
  type Row,
} from "../../src/payments/reconciliation.js";

// The clock is an input: the payments were sent on Tuesday 2026-11-24 at 10:00 São Paulo (13:00 UTC).
const SENT = Date.UTC(2026, 10, 24, 13, 0);
const NOW_NEXT_DAY = "2026-11-25"; // a debit may still come
const NOW_LATER = "2026-11-27"; // past the next business day
const dateOf = (ms: number): string => saoPauloToday(ms);

const pay = (id: string, extra: Partial<ReconPayment> = {}): ReconPayment => ({
  paymentId: id,
  outcome: "paid",
  account: "12345678",
  amountCents: 1050,
  codigoSolicitacao: `c-${id}`,
  endToEndId: `E00416968202611241300${id.padEnd(11, "x").slice(0, 11)}`,
  key: "fornecedor@example.com",
  firstSendAt: SENT,
  lastActivityAt: SENT + 5_000,
  paidDate: "2026-11-24",
  ...extra,
});
const debit = (id: string, extra: Partial<LedgerDebit> = {}): LedgerDebit => ({
  id,
  account: "12345678",
  date: "2026-11-24",
  at: SENT + 1_000,
  amountCents: 1050,
  key: "fornecedor@example.com",
  ...extra,
});

function rowOf(rows: Row[], paymentId: string): Row | undefined {
  return rows.find((r) => r.paymentId === paymentId);
}

describe("reconciliation rules", () => {
  it("matches by codigoSolicitacao, else by end-to-end id; a failed payment without a debit is consistent", () => {
    const a = pay("a");
    const b = pay("b");
    const f = pay("f", { outcome: "failed", paidDate: undefined });
    const rows = reconcile(
      {
        debits: [debit("d1", { codigoSolicitacao: "C-A" }), debit("d2", { endToEndId: b.endToEndId })],
        payments: [a, b, f],
        today: NOW_LATER,
      },
      dateOf,
    );
    expect(rowOf(rows, "a")).toMatchObject({ kind: "matched", debitIds: ["d1"] });
    expect(rowOf(rows, "b")).toMatchObject({ kind: "matched", debitIds: ["d2"] });
    expect(rowOf(rows, "f")).toMatchObject({ kind: "matched", debitIds: [], detail: "failed, not debited" });
    expect(summarize(rows)).toEqual({ byKind: { matched: 3 }, findings: 0 });
  });

  it("finds a debit of a send the bank ended for insufficient balance, even under another payment's index entry or after the payment was paid under its next key", () => {
    // Payment h was refused for balance under key 0 (codigo c-h0), then paid under key 1 (c-h1); the bank then shows
    // debits for both. The first is the bank's contradiction — and maybe a double payment —, never a matched payment.
    const h = pay("h", { codigoSolicitacao: "c-h1" });
    const rows = reconcile(
      {
        debits: [debit("d-h1", { codigoSolicitacao: "c-h1" }), debit("d-h0", { codigoSolicitacao: "C-H0" })],
        payments: [h],
        today: NOW_LATER,
        ended: new Map([["c-h0", "h"]]),
        retired: new Map([["c-h0", "h"]]),
      },
      dateOf,
    );
    expect(rows.filter((r) => r.paymentId === "h").map((r) => [r.kind, r.debitIds])).toEqual([
      ["matched", ["d-h1"]],
      ["failed-with-debit", ["d-h0"]],
    ]);
    expect(summarize(rows).findings).toBe(1);
  });

  it("never calls unexecuted a parked payment whose ended send the bank debited; never takes a debit on a job's word alone", () => {
    // P's key 0 (c-p0) was ended for balance, then debited anyway; key 1's answer was lost and P is parked, unnamed.
    const p = pay("p", {
      outcome: "needs-reconciliation",
      codigoSolicitacao: undefined,
      endToEndId: undefined,
      paidDate: undefined,
    });
    const ended = new Map([["c-p0", "p"]]);
    const rows = reconcile(
      {
        debits: [debit("d-p0", { codigoSolicitacao: "c-p0", date: "2026-11-23" })],
        payments: [p],
        today: NOW_LATER,
        ended,
        retired: ended,
      },
      dateOf,
    );
    expect(
      rows
        .filter((r) => r.paymentId === "p")
        .map((r) => r.kind)
        .sort(),
    ).toEqual(["failed-with-debit", "parked-ambiguous"]);
    // A state naming another payment's ended codigo (a producer's, say), which pixout's index does not confirm,
    // takes nothing: the debit stays the payment's the index names.
    const q = pay("q", {
      outcome: "needs-reconciliation",
      codigoSolicitacao: undefined,
      endToEndId: undefined,
      paidDate: undefined,
    });
    const forged = reconcile(
      {
        debits: [debit("d-q", { codigoSolicitacao: "c-q" })],
        payments: [q],
        today: NOW_LATER,
        ended: new Map([["c-q", "x"]]),
        retired: new Map([["c-q", "q"]]),
      },
      dateOf,
    );
    expect(forged.map((r) => [r.kind, r.paymentId, r.debitIds])).toEqual([["parked-resolved", "q", ["d-q"]]]);
  });

  it("finds every kind of disagreement, each in one row", () => {
    const rows = reconcile(
      {
        debits: [
          debit("dup1", { codigoSolicitacao: "c-dup" }),
          debit("dup2", { codigoSolicitacao: "c-dup" }),
          debit("amt", { codigoSolicitacao: "c-amt", amountCents: 1051 }),
          debit("fwd", { codigoSolicitacao: "c-fwd" }),
          debit("stranger", { codigoSolicitacao: "c-nobody", amountCents: 99_00 }),
        ],
        payments: [
          pay("dup"),
          pay("amt"),
          pay("fwd", { outcome: "rejected" }),
          pay("nodebit"),
          pay("recent", { paidDate: "2026-11-26" }),
        ],
        today: NOW_LATER,
      },
      dateOf,
    );
    expect(rowOf(rows, "dup")).toMatchObject({ kind: "duplicate-debit", debitIds: ["dup1", "dup2"] });
    expect(rowOf(rows, "amt")).toMatchObject({
      kind: "amount-mismatch",
      detail: "debited 1051 centavos, the payment is 1050",
    });
    expect(rowOf(rows, "fwd")).toMatchObject({ kind: "failed-with-debit" });
    expect(rowOf(rows, "nodebit")).toMatchObject({ kind: "paid-without-debit" });
    expect(rowOf(rows, "recent")).toMatchObject({ kind: "awaiting-debit" });
    expect(rows.filter((r) => r.kind === "debit-without-payment")).toEqual([
      expect.objectContaining({ debitIds: ["stranger"], amountCents: 99_00 }),
    ]);
    expect(summarize(rows).findings).toBe(5);
    // Exactly one row per payment and per debit.
    expect(rows.filter((r) => r.paymentId !== undefined)).toHaveLength(5);
    expect(rows.flatMap((r) => r.debitIds).sort()).toEqual(["amt", "dup1", "dup2", "fwd", "stranger"]);
  });

  it("waits for a paid payment's debit until the next business day (a Friday's, until Monday)", () => {
    expect(nextBusinessDay("2026-11-24")).toBe("2026-11-25");
    expect(nextBusinessDay("2026-11-27")).toBe("2026-11-30"); // Friday → Monday
    const friday = pay("fri", { paidDate: "2026-11-27" });
    expect(rowOf(reconcile({ debits: [], payments: [friday], today: "2026-11-30" }, dateOf), "fri")?.kind).toBe(
      "awaiting-debit",
    );
    expect(rowOf(reconcile({ debits: [], payments: [friday], today: "2026-12-01" }, dateOf), "fri")?.kind).toBe(
      "paid-without-debit",
    );
  });

  it("resolves a parked payment by its codigo's debit, or by the one debit that fits it when its answer was lost", () => {
    const known = pay("known", { outcome: "needs-reconciliation", paidDate: undefined });
    const lost = pay("lost", {
      outcome: "needs-reconciliation",
      codigoSolicitacao: undefined,
      endToEndId: undefined,
      paidDate: undefined,
    });
    const rows = reconcile(
      {
        debits: [
          debit("dk", { codigoSolicitacao: "c-known", endToEndId: "E1" }),
          debit("dl", { codigoSolicitacao: "c-unknown-to-us", endToEndId: "E2", key: "Fornecedor@Example.com" }),
        ],
        payments: [known, lost],
        today: NOW_NEXT_DAY,
      },
      dateOf,
    );
    expect(rowOf(rows, "known")).toMatchObject({
      kind: "parked-resolved",
      debitIds: ["dk"],
      resolution: { outcome: "paid", debitId: "dk", codigoSolicitacao: "c-known", endToEndId: "E1" },
    });
    expect(rowOf(rows, "lost")).toMatchObject({
      kind: "parked-resolved",
      debitIds: ["dl"],
      resolution: { outcome: "paid", debitId: "dl", endToEndId: "E2" },
    });
    expect(rows.filter((r) => r.kind === "debit-without-payment")).toEqual([]);
  });

  it("never resolves on a field that disagrees or a moment outside the send, and never guesses between two", () => {
    const lost = pay("lost", {
      outcome: "needs-reconciliation",
      codigoSolicitacao: undefined,
      endToEndId: undefined,
      paidDate: undefined,
    });
    const cases: [string, Partial<LedgerDebit>][] = [
      ["another account", { account: "999" }],
      ["another amount", { amountCents: 1049 }],
      ["another key", { key: "outra@example.com" }],
      ["an hour after the send", { at: SENT + 3_600_000 }],
      ["the day before", { at: undefined, date: "2026-11-23" }],
      ["no amount", { amountCents: undefined }],
    ];
    for (const [name, change] of cases) {
      const rows = reconcile({ debits: [debit("d", change)], payments: [lost], today: NOW_NEXT_DAY }, dateOf);
      expect(rowOf(rows, "lost")?.kind, name).toBe("parked-waiting");
      expect(
        rows.find((r) => r.kind === "debit-without-payment"),
        name,
      ).toBeDefined();
    }
    // Two debits fit: ambiguous, both listed, neither claimed as unknown.
    const two = reconcile(
      { debits: [debit("d1"), debit("d2", { at: SENT + 2_000 })], payments: [lost], today: NOW_NEXT_DAY },
      dateOf,
    );
    expect(rowOf(two, "lost")).toMatchObject({ kind: "parked-ambiguous", candidateIds: ["d1", "d2"] });
    expect(two).toHaveLength(1);
    // One debit fits two parked payments: ambiguous for both.
    const other = { ...lost, paymentId: "lost2" };
    const shared = reconcile({ debits: [debit("d1")], payments: [lost, other], today: NOW_NEXT_DAY }, dateOf);
    expect(shared.map((r) => r.kind)).toEqual(["parked-ambiguous", "parked-ambiguous"]);
  });

  it("a parked payment without a debit is not executed only once settled and, with a codigo, ended by the bank", () => {
    const lost = pay("lost", {
      outcome: "needs-reconciliation",
      codigoSolicitacao: undefined,
      endToEndId: undefined,
      paidDate: undefined,
    });
    const known = pay("known", {
      outcome: "needs-reconciliation",
      paidDate: undefined,
      bankStatus: "CANCELADO_SEM_SALDO",
    });
    const unsure = pay("unsure", { outcome: "needs-reconciliation", paidDate: undefined, bankStatus: "ENVIADO" });
    const early = reconcile({ debits: [], payments: [lost, known, unsure], today: NOW_NEXT_DAY }, dateOf);
    expect(early.map((r) => r.kind)).toEqual(["parked-waiting", "parked-waiting", "parked-waiting"]);
    // The bank named "known" and ended it: two business days. "lost" it never named (it may await approval in
    // the internet banking, where pixout cannot ask): five.
    const later = reconcile({ debits: [], payments: [lost, known, unsure], today: NOW_LATER }, dateOf);
    expect(later.map((r) => [r.paymentId, r.kind, r.resolution?.outcome])).toEqual([
      ["lost", "parked-waiting", undefined],
      ["known", "parked-not-executed", "failed"],
      ["unsure", "parked-waiting", undefined],
    ]);
    expect(rowOf(reconcile({ debits: [], payments: [lost], today: "2026-12-02" }, dateOf), "lost")).toMatchObject({
      kind: "parked-not-executed",
      resolution: { outcome: "failed" },
    });
    // Never from a statement that stops before today: a debit of the days after it was not read.
    expect(
      rowOf(
        reconcile(
          { debits: [], payments: [lost], today: "2026-12-09", window: { from: "2026-11-20", to: "2026-12-08" } },
          dateOf,
        ),
        "lost",
      )?.kind,
    ).toBe("parked-waiting");
  });

  it("a debit of a payment whose job retention removed is pixout's, by its record", () => {
    const rows = reconcile(
      {
        debits: [debit("old", { codigoSolicitacao: "c-old" })],
        payments: [],
        today: NOW_LATER,
        retired: new Map([["c-old", "inv-old"]]),
      },
      dateOf,
    );
    expect(rows).toEqual([expect.objectContaining({ kind: "matched", paymentId: "inv-old", debitIds: ["old"] })]);
  });

  it("reports only what its window holds, and never a missing debit whose day it did not read", () => {
    const a = pay("a");
    const before = pay("before", {
      firstSendAt: SENT - 86_400_000,
      lastActivityAt: SENT - 86_400_000,
      paidDate: "2026-11-23",
    });
    const window = { from: "2026-11-24", to: "2026-11-24" };
    const rows = reconcile(
      {
        debits: [
          debit("da", { codigoSolicitacao: "c-a" }),
          debit("db", { codigoSolicitacao: "c-before", date: "2026-11-24" }),
          debit("old", { date: "2026-11-23" }),
        ],
        payments: [a, before],
        today: NOW_LATER,
        window,
      },
      dateOf,
    );
    // "before" belongs to the run of the 23rd, yet still claims its debit; the 23rd's stranger is that run's.
    expect(rows).toEqual([expect.objectContaining({ paymentId: "a", kind: "matched" })]);
    // A paid payment without a debit: the next business day (the 25th) was not read, so it waits.
    expect(rowOf(reconcile({ debits: [], payments: [a], today: NOW_LATER, window }, dateOf), "a")?.kind).toBe(
      "awaiting-debit",
    );
    expect(
      rowOf(
        reconcile(
          { debits: [], payments: [a], today: NOW_LATER, window: { from: "2026-11-24", to: "2026-11-25" } },
          dateOf,
        ),
        "a",
      )?.kind,
    ).toBe("paid-without-debit");
  });

  it("a parked payment scheduled for a later day is not 'not executed' before that day has settled", () => {
    const scheduled = pay("sched", {
      outcome: "needs-reconciliation",
      codigoSolicitacao: undefined,
      endToEndId: undefined,
      paidDate: undefined,
      scheduledFor: "2026-11-30",
    });
    expect(rowOf(reconcile({ debits: [], payments: [scheduled], today: NOW_LATER }, dateOf), "sched")?.kind).toBe(
      "parked-waiting",
    );
    // Not executed only five business days after its day (the bank never named it).
    expect(rowOf(reconcile({ debits: [], payments: [scheduled], today: "2026-12-07" }, dateOf), "sched")?.kind).toBe(
      "parked-waiting",
    );
    expect(rowOf(reconcile({ debits: [], payments: [scheduled], today: "2026-12-08" }, dateOf), "sched")?.kind).toBe(
      "parked-not-executed",
    );
    // Its debit on its day resolves it paid.
    const onItsDay = reconcile(
      {
        debits: [debit("d", { date: "2026-11-30", at: Date.UTC(2026, 10, 30, 3, 5) })],
        payments: [scheduled],
        today: "2026-12-03",
      },
      dateOf,
    );
    expect(onItsDay.map((r) => r.kind)).toEqual(["parked-resolved"]);
  });

  it("never calls a parked payment not executed while a debit that says too little, or one just past midnight, could be its own", () => {
    const late = Date.UTC(2026, 10, 25, 2, 58); // 23:58 in São Paulo on the 24th
    const lost = pay("lost", {
      outcome: "needs-reconciliation",
      codigoSolicitacao: undefined,
      endToEndId: undefined,
      paidDate: undefined,
      firstSendAt: late,
      lastActivityAt: late,
    });
    const nextDay = reconcile(
      { debits: [debit("d", { at: undefined, date: "2026-11-25" })], payments: [lost], today: "2026-12-01" },
      dateOf,
    );
    expect(nextDay.map((r) => r.kind)).toEqual(["parked-resolved"]);
    for (const vague of [{ amountCents: undefined }, { at: undefined, date: undefined }] as Partial<LedgerDebit>[]) {
      const rows = reconcile({ debits: [debit("v", vague)], payments: [lost], today: "2026-12-01" }, dateOf);
      expect(rowOf(rows, "lost")).toMatchObject({ kind: "parked-waiting", candidateIds: ["v"] });
    }
  });

  it("a debit of a removed job, or one another payment still waits for, never resolves a parked payment", () => {
    const lost = pay("lost", {
      outcome: "needs-reconciliation",
      codigoSolicitacao: undefined,
      endToEndId: undefined,
      paidDate: undefined,
    });
    const retired = reconcile(
      {
        debits: [debit("old", { codigoSolicitacao: "c-old" })],
        payments: [lost],
        today: NOW_NEXT_DAY,
        retired: new Map([["c-old", "inv-old"]]),
      },
      dateOf,
    );
    expect(retired.map((r) => [r.paymentId, r.kind])).toEqual([
      ["lost", "parked-waiting"],
      ["inv-old", "matched"],
    ]);
    // A paid payment whose debit names nothing competes for it: ambiguous, not taken.
    const paidToo = pay("paid-too", { endToEndId: undefined });
    const rows = reconcile({ debits: [debit("anon")], payments: [lost, paidToo], today: NOW_NEXT_DAY }, dateOf);
    expect(rowOf(rows, "lost")).toMatchObject({ kind: "parked-ambiguous", candidateIds: ["anon"] });
  });

  it("a payment resolved by a debit that named nothing keeps that debit on later runs", () => {
    const resolved = pay("res", { codigoSolicitacao: undefined, endToEndId: undefined, debitId: "anon" });
    expect(reconcile({ debits: [debit("anon")], payments: [resolved], today: NOW_LATER }, dateOf)).toEqual([
      expect.objectContaining({ paymentId: "res", kind: "matched", debitIds: ["anon"] }),
    ]);
  });

  it("a debit the index names for a parked payment is that payment's, though its state never learned the codigo", () => {
    // The send was answered to a run whose state write was refused (its lock lost): only the index has the codigo.
    const lost = pay("lost", {
      outcome: "needs-reconciliation",
      codigoSolicitacao: undefined,
      endToEndId: undefined,
      paidDate: undefined,
      key: undefined,
    });
    const rows = reconcile(
      {
        debits: [debit("d", { codigoSolicitacao: "c-from-index", at: SENT + 3_600_000 })],
        payments: [lost],
        today: NOW_LATER,
        retired: new Map([["c-from-index", "lost"]]),
      },
      dateOf,
    );
    expect(rows).toEqual([
      expect.objectContaining({
        paymentId: "lost",
        kind: "parked-resolved",
        debitIds: ["d"],
        resolution: expect.objectContaining({ outcome: "paid", codigoSolicitacao: "c-from-index" }) as unknown,
      }),
    ]);
  });

  it("never calls a payment the bank ended unexecuted while an unknown debit of its amount, key and moment is there", () => {
    // Its send got codigo c-ended, which the bank ended; another debit, named by a codigo nobody knows, could be
    // an earlier send of it the bank did not recognise as the same: nothing is concluded.
    const ended = pay("ended", {
      outcome: "needs-reconciliation",
      paidDate: undefined,
      codigoSolicitacao: "c-ended",
      endToEndId: undefined,
      bankStatus: "CANCELADO_SEM_SALDO",
    });
    const rows = reconcile(
      { debits: [debit("d", { codigoSolicitacao: "c-unknown" })], payments: [ended], today: NOW_LATER },
      dateOf,
    );
    // Settled, and that debit proves nothing either way: a human compares (a finding), nothing resolved.
    expect(rowOf(rows, "ended")).toMatchObject({ kind: "parked-ambiguous", candidateIds: ["d"] });
    expect(rowOf(rows, "ended")?.resolution).toBeUndefined();
    expect(rows.filter((r) => r.kind === "debit-without-payment")).toHaveLength(1);
    expect(rowOf(reconcile({ debits: [], payments: [ended], today: NOW_LATER }, dateOf), "ended")?.kind).toBe(
      "parked-not-executed",
    );
  });

  it("a debit of the payment's amount and key long after its send (approved later in the internet banking) keeps it from being called unexecuted", () => {
    const lost = pay("lost", {
      outcome: "needs-reconciliation",
      codigoSolicitacao: undefined,
      endToEndId: undefined,
      paidDate: undefined,
    });
    const rows = reconcile(
      {
        debits: [debit("late", { at: SENT + 2 * 86_400_000, date: "2026-11-26" })],
        payments: [lost],
        today: "2026-12-01",
      },
      dateOf,
    );
    expect(rowOf(rows, "lost")).toMatchObject({ kind: "parked-waiting", candidateIds: ["late"] });
  });

  it("never takes a debit another parked payment may own, nor one that names no key for a payment by key", () => {
    const lost = (id: string, at: number, extra: Partial<ReconPayment> = {}): ReconPayment =>
      pay(id, {
        outcome: "needs-reconciliation",
        codigoSolicitacao: undefined,
        endToEndId: undefined,
        paidDate: undefined,
        firstSendAt: at,
        lastActivityAt: at + 20 * 60_000,
        enqueuedAt: at - 1_000,
        ...extra,
      });
    // Q sent a day before P; the one debit fits P's moment, but may be Q's (approved late): neither is resolved.
    const q = lost("q", SENT - 86_400_000);
    const p = lost("p", SENT);
    const contested = reconcile(
      { debits: [debit("d", { at: SENT + 5 * 60_000 })], payments: [q, p], today: "2026-12-10" },
      dateOf,
    );
    expect(contested.map((r) => [r.paymentId, r.kind])).toEqual([
      ["q", "parked-ambiguous"],
      ["p", "parked-ambiguous"],
    ]);
    // Once P was resolved from the statement, its debit still keeps Q from being called unexecuted.
    const resolvedP: ReconPayment = {
      ...p,
      outcome: "paid",
      debitId: "d",
      paidDate: "2026-11-24",
      resolvedFromStatement: true,
    };
    expect(
      rowOf(
        reconcile(
          { debits: [debit("d", { at: SENT + 5 * 60_000 })], payments: [q, resolvedP], today: "2026-12-10" },
          dateOf,
        ),
        "q",
      )?.kind,
    ).toBe("parked-ambiguous");
    // A debit naming no key is anybody's Pix: it does not prove a payment by key.
    const noKey = reconcile(
      { debits: [debit("anon", { key: undefined })], payments: [lost("k", SENT)], today: NOW_NEXT_DAY },
      dateOf,
    );
    expect(rowOf(noKey, "k")).toMatchObject({ kind: "parked-waiting", candidateIds: ["anon"] });
  });

  it("reads a key as the statement may write it: a phone with or without +55, a masked document proves nothing", () => {
    const phone = pay("ph", {
      outcome: "needs-reconciliation",
      codigoSolicitacao: undefined,
      endToEndId: undefined,
      paidDate: undefined,
      key: "+5511987654321",
    });
    expect(
      rowOf(
        reconcile({ debits: [debit("d", { key: "5511987654321" })], payments: [phone], today: NOW_NEXT_DAY }, dateOf),
        "ph",
      )?.kind,
    ).toBe("parked-resolved");
    expect(
      rowOf(
        reconcile({ debits: [debit("d", { key: "11987654321" })], payments: [phone], today: NOW_NEXT_DAY }, dateOf),
        "ph",
      )?.kind,
    ).toBe("parked-resolved");
    const cpf = pay("cpf", {
      outcome: "needs-reconciliation",
      codigoSolicitacao: undefined,
      endToEndId: undefined,
      paidDate: undefined,
      key: "12345678909",
    });
    expect(
      rowOf(
        reconcile({ debits: [debit("d", { key: "***.456.789-**" })], payments: [cpf], today: NOW_NEXT_DAY }, dateOf),
        "cpf",
      )?.kind,
    ).toBe("parked-waiting");
  });

  it("an earlier resolution's statement entry is matched on its own account only", () => {
    const w = pay("w", { account: "222", codigoSolicitacao: undefined, endToEndId: undefined, debitId: "42" });
    const rows = reconcile({ debits: [debit("42", { account: "12345678" })], payments: [w], today: NOW_LATER }, dateOf);
    expect(rows.map((r) => r.kind).sort()).toEqual(["debit-without-payment", "paid-without-debit"]);
  });

  it("never calls a payment unexecuted from a statement not yet known to be its account's", () => {
    const lost = pay("lost", {
      outcome: "needs-reconciliation",
      codigoSolicitacao: undefined,
      endToEndId: undefined,
      paidDate: undefined,
    });
    const unknown = reconcile({ debits: [], payments: [lost], today: "2026-12-10", accountsProved: new Set() }, dateOf);
    expect(rowOf(unknown, "lost")).toMatchObject({
      kind: "parked-waiting",
      detail: expect.stringMatching(/not known to be that account's/) as unknown,
    });
    expect(
      rowOf(
        reconcile({ debits: [], payments: [lost], today: "2026-12-10", accountsProved: new Set(["12345678"]) }, dateOf),
        "lost",
      )?.kind,
    ).toBe("parked-not-executed");
  });
});
