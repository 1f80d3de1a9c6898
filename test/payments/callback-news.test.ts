import { describe, expect, it } from "vitest";
import {
  classifyCallbackStatus,
  endToEndMoment,
  fromCallbacks as decide,
  pixKeyDigest,
  spacedForCallbacks,
  type CallbackContext,
  type CallbackNews,
} from "../../src/payments/callback-news.js";
import { initialState, type Decision, type PaymentState } from "../../src/payments/lifecycle.js";
import type { Payment } from "../../src/payments/payment.js";

const payment: Payment = {
  paymentId: "p-1",
  amount: "10.50",
  recipient: { type: "key", key: "Fornecedor@Example.com" },
};
const polling: PaymentState = {
  ...initialState(),
  step: "poll",
  codigoSolicitacao: "c-1",
  maybeExecuted: true,
  polls: 1,
  bankStatus: "ENVIADO",
};
const paid: CallbackNews = {
  codigoSolicitacao: "c-1",
  trusted: true,
  account: "12345678",
  status: "EFETIVADO",
  valor: "10.50",
  chaveSha256: pixKeyDigest(" fornecedor@example.com"),
  endToEnd: "E00416968202611270101abcdefghijk",
  dataHoraMovimento: "2026-11-27T10:00:00.123456",
};

// The clock of these rules is an input: the payment was first sent at 01:00:30 UTC on the day the
// callback's end-to-end id names (01:01), and it is 01:05 now — 22:05 of the day before in São Paulo.
const context: CallbackContext = {
  now: Date.UTC(2026, 10, 27, 1, 5),
  sentAt: Date.UTC(2026, 10, 27, 1, 0, 30),
  account: "12345678",
  today: "2026-11-26",
};
const fromCallbacks = (state: PaymentState, p: Payment, news: readonly CallbackNews[], c: CallbackContext = context) =>
  decide(state, p, news, c);

describe("Inter's callback statuses (one table, tolerant of both vocabularies)", () => {
  it("reads EFETIVADO as success, the failure words as failure, and anything else as unknown", () => {
    expect(classifyCallbackStatus("EFETIVADO")).toBe("success");
    expect(classifyCallbackStatus(" efetivado ")).toBe("success");
    for (const s of ["ERRO", "NAO_EFETIVADO", "REPROVADO", "APROVACAO_EXPIRADA", "CANCELADO"])
      expect(classifyCallbackStatus(s), s).toBe("failure");
    for (const s of ["PROCESSADO", "PAGO", "", undefined]) expect(classifyCallbackStatus(s), String(s)).toBe("unknown");
  });
});

describe("a payment finished from callbacks", () => {
  it("is paid when the callback says EFETIVADO and agrees with the job, with the bank's endToEndId and time", () => {
    const v = fromCallbacks(polling, payment, [paid]);
    expect(v.kind).toBe("finish");
    const state = (v as { decision: Decision }).decision.state;
    expect(state).toMatchObject({
      outcome: "paid",
      endToEndId: paid.endToEnd,
      paidAt: paid.dataHoraMovimento,
      bankStatus: "EFETIVADO",
      codigoSolicitacao: "c-1",
    });
    expect(state.history?.at(-1)).toEqual({ status: "EFETIVADO (callback)", at: paid.dataHoraMovimento });
  });

  it("is confirmed by a status query whenever anything is off", () => {
    const cases: [string, CallbackNews[]][] = [
      ["amount differs", [{ ...paid, valor: "10.51" }]],
      ["amount is a number", [{ ...paid, valor: 10.5 }]],
      ["amount missing", [{ ...paid, valor: undefined }]],
      ["Pix key differs", [{ ...paid, chaveSha256: pixKeyDigest("other@example.com") }]],
      ["no endToEnd", [{ ...paid, endToEnd: undefined }]],
      ["another codigo", [{ ...paid, codigoSolicitacao: "c-2" }]],
      ["unknown status", [{ ...paid, status: "PROCESSADO" }]],
      ["no status", [{ ...paid, status: undefined }]],
      ["a failure (a new attempt must rest on the query)", [{ ...paid, status: "ERRO" }]],
      ["contradictory callbacks", [paid, { ...paid, status: "CANCELADO" }]],
      [
        "only words we cannot read",
        [
          { ...paid, status: "PROCESSADO" },
          { ...paid, status: "LIQUIDADO" },
        ],
      ],
      ["no callback", []],
      // Trust: only a caller pinned by its certificate is bank evidence (any certificate Inter's CA signed passes TLS).
      ["caller not pinned", [{ ...paid, trusted: false }]],
      ["caller unknown (stored before pinning)", [{ ...paid, trusted: undefined }]],
      ["one of two callers not pinned", [paid, { ...paid, trusted: false }]],
      // A forged body: each field must look like the bank's and agree with what the worker knows.
      ["a payment by key, callback without the key", [{ ...paid, chaveSha256: undefined }]],
      ["endToEnd not of the Pix format", [{ ...paid, endToEnd: "E2E-FORGED" }]],
      ["endToEnd of a non-existent date", [{ ...paid, endToEnd: "E00416968202602300101abcdefghijk" }]],
      ["endToEnd naming a minute before the send", [{ ...paid, endToEnd: "E00416968202611270059abcdefghijk" }]],
      ["endToEnd naming a minute far in the future", [{ ...paid, endToEnd: "E00416968202611270111abcdefghijk" }]],
      ["another paying account", [{ ...paid, account: "87654321" }]],
    ];
    for (const [name, news] of cases) expect(fromCallbacks(polling, payment, news).kind, name).toBe("confirm");
    // Without a codigoSolicitacao the job cannot be matched at all.
    expect(fromCallbacks({ ...polling, codigoSolicitacao: undefined }, payment, [paid]).kind).toBe("confirm");
    // A payment scheduled for a later day (São Paulo) cannot have been paid yet, whatever the callback says.
    expect(fromCallbacks(polling, { ...payment, scheduledFor: "2026-11-27" }, [paid]).kind).toBe("confirm");
    expect(fromCallbacks(polling, { ...payment, scheduledFor: "2026-11-26" }, [paid]).kind).toBe("finish");
  });

  it("accepts the send's own minute, a small clock skew, and an account it cannot check", () => {
    expect(fromCallbacks(polling, payment, [{ ...paid, endToEnd: "E00416968202611270100abcdefghijk" }]).kind).toBe(
      "finish",
    );
    expect(fromCallbacks(polling, payment, [{ ...paid, endToEnd: "E00416968202611270109abcdefghijk" }]).kind).toBe(
      "finish",
    );
    expect(fromCallbacks(polling, payment, [{ ...paid, account: undefined }]).kind).toBe("finish");
    const { account: _unknown, ...noAccount } = context;
    expect(fromCallbacks(polling, payment, [{ ...paid, account: "87654321" }], noAccount).kind).toBe("finish");
  });

  it("reads the minute an end-to-end id names, and refuses what is not one", () => {
    expect(endToEndMoment("E00416968202611270101abcdefghijk")).toBe(Date.UTC(2026, 10, 27, 1, 1));
    expect(endToEndMoment("E00416968202802291023abcdefghijk")).toBe(Date.UTC(2028, 1, 29, 10, 23));
    for (const bad of [
      "",
      "E0041696820261127010abcdefghijk",
      "E00416968202613010101abcdefghijk",
      "E00416968202611272401abcdefghijk",
      "E00416968202611270160abcdefghijk",
      "X00416968202611270101abcdefghijk",
      "E00416968202611270101abcdefghij!",
    ]) {
      expect(endToEndMoment(bad), bad).toBeUndefined();
    }
  });

  it("ignores the key check for recipients without a key, and repeated identical news agrees", () => {
    const bank: Payment = {
      ...payment,
      recipient: {
        type: "bank",
        ispb: "00416968",
        branch: "0001",
        account: "123456",
        accountType: "CONTA_CORRENTE",
        document: "52998224725",
        name: "Maria",
      },
    };
    expect(fromCallbacks(polling, bank, [paid]).kind).toBe("finish");
    expect(fromCallbacks(polling, payment, [paid, { ...paid }]).kind).toBe("finish");
    // A word we cannot read beside an agreeing success does not hold the payment back.
    expect(fromCallbacks(polling, payment, [{ ...paid, status: "PROCESSADO", valor: undefined }, paid]).kind).toBe(
      "finish",
    );
  });
});

describe("polls while callbacks arrive", () => {
  const wait = (why: string, delayMs: number): Decision => ({ kind: "wait", why, delayMs, state: polling });
  it("stretches the waits of a payment the bank is processing to the webhook poll interval", () => {
    expect(spacedForCallbacks(wait("submitted", 2_000), 300_000)).toMatchObject({ delayMs: 300_000 });
    expect(spacedForCallbacks(wait("bank status ENVIADO", 8_000), 300_000)).toMatchObject({ delayMs: 300_000 });
  });
  it("leaves other waits alone: budget slots, retries, approvals, and longer waits", () => {
    for (const why of ["status slot", "query again", "rate-limited", "awaiting approval", "configuration"]) {
      expect(spacedForCallbacks(wait(why, 1_000), 300_000), why).toMatchObject({ delayMs: 1_000 });
    }
    expect(spacedForCallbacks(wait("submitted", 400_000), 300_000)).toMatchObject({ delayMs: 400_000 });
    const finish: Decision = { kind: "finish", state: { ...polling, outcome: "paid" } };
    expect(spacedForCallbacks(finish, 300_000)).toBe(finish);
  });
});
