import { describe, expect, it } from "vitest";
import { classifyCallbackStatus, fromCallbacks, pixKeyDigest, spacedForCallbacks, type CallbackNews } from "../../src/payments/callback-news.js";
import { initialState, type Decision, type PaymentState } from "../../src/payments/lifecycle.js";
import type { Payment } from "../../src/payments/payment.js";

const payment: Payment = { paymentId: "p-1", amount: "10.50", recipient: { type: "key", key: "Fornecedor@Example.com" } };
const polling: PaymentState = { ...initialState(), step: "poll", codigoSolicitacao: "c-1", maybeExecuted: true, polls: 1, bankStatus: "ENVIADO" };
const paid: CallbackNews = {
  codigoSolicitacao: "c-1",
  status: "EFETIVADO",
  valor: "10.50",
  chaveSha256: pixKeyDigest(" fornecedor@example.com"),
  endToEnd: "E00416968202611270101abcdefghijk",
  dataHoraMovimento: "2026-11-27T10:00:00.123456",
};

describe("Inter's callback statuses (one table, tolerant of both vocabularies)", () => {
  it("reads EFETIVADO as success, the failure words as failure, and anything else as unknown", () => {
    expect(classifyCallbackStatus("EFETIVADO")).toBe("success");
    expect(classifyCallbackStatus(" efetivado ")).toBe("success");
    for (const s of ["ERRO", "NAO_EFETIVADO", "REPROVADO", "APROVACAO_EXPIRADA", "CANCELADO"]) expect(classifyCallbackStatus(s), s).toBe("failure");
    for (const s of ["PROCESSADO", "PAGO", "", undefined]) expect(classifyCallbackStatus(s), String(s)).toBe("unknown");
  });
});

describe("a payment finished from callbacks", () => {
  it("is paid when the callback says EFETIVADO and agrees with the job, with the bank's endToEndId and time", () => {
    const v = fromCallbacks(polling, payment, [paid]);
    expect(v.kind).toBe("finish");
    const state = (v as { decision: Decision }).decision.state;
    expect(state).toMatchObject({ outcome: "paid", endToEndId: paid.endToEnd, paidAt: paid.dataHoraMovimento, bankStatus: "EFETIVADO", codigoSolicitacao: "c-1" });
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
      ["only words we cannot read", [{ ...paid, status: "PROCESSADO" }, { ...paid, status: "LIQUIDADO" }]],
      ["no callback", []],
    ];
    for (const [name, news] of cases) expect(fromCallbacks(polling, payment, news).kind, name).toBe("confirm");
    // Without a codigoSolicitacao the job cannot be matched at all.
    expect(fromCallbacks({ ...polling, codigoSolicitacao: undefined }, payment, [paid]).kind).toBe("confirm");
  });

  it("ignores the key check for recipients without a key, and repeated identical news agrees", () => {
    const bank: Payment = { ...payment, recipient: { type: "bank", ispb: "00416968", branch: "0001", account: "123456", accountType: "CONTA_CORRENTE", document: "52998224725", name: "Maria" } };
    expect(fromCallbacks(polling, bank, [paid]).kind).toBe("finish");
    expect(fromCallbacks(polling, payment, [paid, { ...paid }]).kind).toBe("finish");
    // A word we cannot read beside an agreeing success does not hold the payment back.
    expect(fromCallbacks(polling, payment, [{ ...paid, status: "PROCESSADO", valor: undefined }, paid]).kind).toBe("finish");
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
