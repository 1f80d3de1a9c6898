// A balance per paying account: each execution is checked against and debited from its own account, the
// operator's knobs (set, top up, out-of-band and duplicated debits) name their account, an overdraft limit
// lets a balance go negative down to −limit, and GET /banking/v2/saldo answers the calling account's own
// balance, today's or a past day's. Over real mTLS, on a manual clock (no test depends on today's date).
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DEV_INTEGRATION, InsufficientBalanceError, type EmulatorOptions } from "../../src/emulator/emulator.js";
import { saoPauloToday, shiftIsoDate } from "../../src/payments/calendar.js";
import { apiFor, body, emulatorFor, eventually, keyPayment, manualClock, NO_LIMITS, type Api } from "./support.js";

// The clock is an input: a Tuesday at 10:00 in São Paulo.
const NOW = Date.UTC(2026, 10, 24, 13, 0);
const TODAY = saoPauloToday(NOW);
const DAY_MS = 86_400_000;
const INSTANT = { sentAfterMs: 0, paidAfterMs: 0 };
const A = "111";
const B = "222";
const TWO_ACCOUNTS = { ...DEV_INTEGRATION, scopes: [...DEV_INTEGRATION.scopes], accounts: [A, B] };

type Options = Omit<EmulatorOptions, "tls">;

async function twoAccounts(
  options: Options = {},
): Promise<{ emulator: Awaited<ReturnType<typeof emulatorFor>>; api: Api; clock: ReturnType<typeof manualClock> }> {
  const clock = manualClock(NOW);
  // Tokens outlive the days a test moves its clock across.
  const emulator = await emulatorFor({
    limits: NO_LIMITS,
    timing: INSTANT,
    integration: TWO_ACCOUNTS,
    clock,
    tokenTtlSeconds: 7 * 24 * 3600,
    ...options,
  });
  return { emulator, api: apiFor(emulator), clock };
}

/** Sends `valor` reais from `account`; the payment's codigoSolicitacao. */
async function send(api: Api, account: string, valor: number): Promise<string> {
  const res = await api.sendPix(keyPayment(valor), randomUUID(), { "x-conta-corrente": account });
  expect(res.status, res.text).toBe(200);
  return body(res)["codigoSolicitacao"] as string;
}

/** The payment's status, asked as its account (with several accounts the header is required). */
async function statusOf(api: Api, account: string, codigo: string): Promise<string> {
  const res = await api.authed("GET", `/banking/v2/pix/${codigo}`, { headers: { "x-conta-corrente": account } });
  expect(res.status, res.text).toBe(200);
  return (body(res)["transacaoPix"] as Record<string, string>)["status"] ?? "";
}

/** Waits for the payment's final status (a bounded wait: on the manual clock an instant payment settles at once). */
function settled(api: Api, account: string, codigo: string): Promise<string> {
  return eventually(async () => {
    const status = await statusOf(api, account, codigo);
    return ["PAGO", "CANCELADO_SEM_SALDO"].includes(status) ? status : undefined;
  });
}

/** Sends and waits for the payment's final status. */
async function finalStatus(api: Api, account: string, valor: number): Promise<string> {
  return settled(api, account, await send(api, account, valor));
}

async function saldo(api: Api, account: string, dataSaldo?: string): Promise<Record<string, unknown>> {
  const res = await api.authed("GET", `/banking/v2/saldo${dataSaldo === undefined ? "" : `?dataSaldo=${dataSaldo}`}`, {
    headers: { "x-conta-corrente": account },
  });
  expect(res.status, res.text).toBe(200);
  return body(res);
}

describe("a balance per account", () => {
  it("pays each execution from its own account: short in one ends CANCELADO_SEM_SALDO, the same amount from the other is paid", async () => {
    const { emulator, api } = await twoAccounts({ balanceCents: 1_000_00, balances: { [A]: 10_00, [B]: 50_00 } });
    expect(await finalStatus(api, A, 20)).toBe("CANCELADO_SEM_SALDO");
    expect(await finalStatus(api, B, 20)).toBe("PAGO");
    expect(emulator.balance(A)).toEqual({ balanceCents: 10_00, limitCents: 0 });
    expect(emulator.balance(B)).toEqual({ balanceCents: 30_00, limitCents: 0 });
    expect(emulator.ledger.snapshot().payments).toMatchObject({
      balanceCents: 40_00,
      balances: { [A]: 10_00, [B]: 30_00 },
      debitedCents: 20_00,
    });
    expect(emulator.statement(A)).toEqual([]);
    expect(emulator.statement(B).map((e) => [e.account, e.tipoOperacao, e.amountCents])).toEqual([[B, "D", 20_00]]);
  });

  it("an account without its own starting balance has balanceCents; a default account is the integration's first", async () => {
    const { emulator } = await twoAccounts({ balanceCents: 7_00, balances: { [B]: 3_00 } });
    expect(emulator.balance()).toEqual({ balanceCents: 7_00, limitCents: 0 });
    expect(emulator.balance(B)).toEqual({ balanceCents: 3_00, limitCents: 0 });
    emulator.setBalance(1_00);
    expect([emulator.balance(A).balanceCents, emulator.balance(B).balanceCents]).toEqual([1_00, 3_00]);
  });

  it("debits out-of-band and duplicated debits from their own account", async () => {
    const { emulator, api } = await twoAccounts({ balances: { [A]: 10_00, [B]: 50_00 } });
    const paid = await send(api, B, 20);
    expect(await settled(api, B, paid)).toBe("PAGO");
    emulator.addOutOfBandDebit({ amountCents: 4_00, account: A });
    emulator.duplicateDebit(paid);
    expect([emulator.balance(A).balanceCents, emulator.balance(B).balanceCents]).toEqual([6_00, 10_00]);
    // B could pay it; A cannot: the knob looks at A's balance only.
    expect(() => emulator.addOutOfBandDebit({ amountCents: 7_00, account: A })).toThrow(InsufficientBalanceError);
    expect(() => emulator.duplicateDebit(paid)).toThrow(/does not cover/);
    expect([emulator.balance(A).balanceCents, emulator.balance(B).balanceCents]).toEqual([6_00, 10_00]);
  });

  it("GET /banking/v2/saldo answers the calling account's own balance and limit", async () => {
    const { api } = await twoAccounts({ balances: { [A]: 10_00, [B]: 50_00 }, limitCents: { [B]: 250_50 } });
    expect(await saldo(api, A)).toEqual({
      disponivel: 10,
      bloqueadoCheque: 0,
      bloqueadoJudicialmente: 0,
      bloqueadoAdministrativo: 0,
      limite: 0,
      dataReferencia: `${TODAY.slice(8, 10)}/${TODAY.slice(5, 7)}/${TODAY.slice(0, 4)}`,
    });
    expect(await saldo(api, B)).toMatchObject({ disponivel: 50, limite: 250.5 });
    expect(await finalStatus(api, B, 0.35)).toBe("PAGO");
    expect(await saldo(api, B)).toMatchObject({ disponivel: 49.65 });
    expect(await saldo(api, A)).toMatchObject({ disponivel: 10 });
  });
});

describe("top-ups", () => {
  it("a top-up by the API and one by the admin route each let a later payment pass, and are credits of the statement", async () => {
    const { emulator, api } = await twoAccounts({ balances: { [A]: 10_00, [B]: 0 } });
    expect(await finalStatus(api, A, 20)).toBe("CANCELADO_SEM_SALDO");
    expect(emulator.topUp(15_00, A)).toBe(25_00);
    expect(await finalStatus(api, A, 20)).toBe("PAGO");
    expect(await finalStatus(api, A, 20)).toBe("CANCELADO_SEM_SALDO");
    const admin = await api.admin("POST", "/balance/top-up", { amountCents: 20_00, account: A });
    expect(admin.status, admin.text).toBe(200);
    expect(admin.json).toEqual({ account: A, balanceCents: 25_00 });
    expect(await finalStatus(api, A, 20)).toBe("PAGO");
    expect(emulator.balance(A).balanceCents).toBe(5_00);
    expect(emulator.balance(B).balanceCents).toBe(0);
    // Without an account, the integration's first.
    expect((await api.admin("POST", "/balance/top-up", { amountCents: 1 })).json).toEqual({
      account: A,
      balanceCents: 5_01,
    });

    expect(emulator.statement(A).map((e) => [e.origin, e.tipoOperacao, e.amountCents])).toEqual([
      ["top-up", "C", 15_00],
      ["payment", "D", 20_00],
      ["top-up", "C", 20_00],
      ["payment", "D", 20_00],
      ["top-up", "C", 1],
    ]);
    const credits = await api.authed(
      "GET",
      `/banking/v2/extrato/completo?dataInicio=${TODAY}&dataFim=${TODAY}&tipoOperacao=C`,
      { headers: { "x-conta-corrente": A } },
    );
    const [credit] = body(credits)["transacoes"] as Record<string, unknown>[];
    expect(body(credits)["totalElementos"]).toBe(3);
    expect(credit).toMatchObject({
      tipoOperacao: "C",
      tipoTransacao: "PIX",
      valor: "15.00",
      titulo: "Pix recebido",
      detalhes: { tipoDetalhe: "DetalhePix" },
    });
    expect((credit?.["detalhes"] as Record<string, unknown>)["codigoSolicitacao"]).toBeUndefined();
    expect((credit?.["detalhes"] as Record<string, unknown>)["endToEndId"]).toMatch(/^E00000000\d{12}[A-Za-z0-9]{11}$/);
    // What reads debits (tipoOperacao=D, as reconciliation asks) still sees only the payments.
    const debits = await api.authed(
      "GET",
      `/banking/v2/extrato/completo?dataInicio=${TODAY}&dataFim=${TODAY}&tipoOperacao=D`,
      { headers: { "x-conta-corrente": A } },
    );
    expect(
      (body(debits)["transacoes"] as Record<string, unknown>[]).map((t) => [t["tipoOperacao"], t["valor"]]),
    ).toEqual([
      ["D", "20.00"],
      ["D", "20.00"],
    ]);
  });

  it("an execution due before a top-up or a set meets the balance it had then", async () => {
    const { emulator, api, clock } = await twoAccounts({
      balances: { [A]: 10_00 },
      timing: { sentAfterMs: 1000, paidAfterMs: 1000 },
    });
    const early = await send(api, A, 20);
    clock.advance(2000); // its execution is due, and nothing has read the bank since
    emulator.topUp(15_00, A);
    expect(await statusOf(api, A, early)).toBe("CANCELADO_SEM_SALDO");
    const late = await send(api, A, 20);
    clock.advance(2000);
    expect(await statusOf(api, A, late)).toBe("PAGO");
    const third = await send(api, A, 5);
    clock.advance(2000);
    emulator.setBalance(0, A);
    expect(await statusOf(api, A, third)).toBe("PAGO");
    expect(emulator.balance(A).balanceCents).toBe(0);
  });

  it("a top-up or a set today leaves past days' balances where they were, of that account and of the other", async () => {
    const { emulator, api, clock } = await twoAccounts({ balances: { [A]: 100_00, [B]: 70_00 } });
    clock.set(NOW - DAY_MS); // yesterday: A pays 10.00
    const yesterday = shiftIsoDate(TODAY, -1);
    expect(await finalStatus(api, A, 10)).toBe("PAGO");
    clock.set(NOW);
    expect(await saldo(api, A, yesterday)).toMatchObject({ disponivel: 90 });
    emulator.topUp(50_00, A);
    expect(await saldo(api, A)).toMatchObject({ disponivel: 140 });
    expect(await saldo(api, A, yesterday)).toMatchObject({ disponivel: 90 });
    emulator.setBalance(500_00, A);
    emulator.topUp(1_00, B);
    expect(await saldo(api, A)).toMatchObject({ disponivel: 500 });
    expect(await saldo(api, A, yesterday)).toMatchObject({
      disponivel: 90,
      dataReferencia: `${yesterday.slice(8, 10)}/${yesterday.slice(5, 7)}/${yesterday.slice(0, 4)}`,
    });
    expect(await saldo(api, A, shiftIsoDate(TODAY, -2))).toMatchObject({ disponivel: 100 });
    // B's past is its own: A's payment yesterday is not in it.
    expect(await saldo(api, B, yesterday)).toMatchObject({ disponivel: 70 });
    expect(await saldo(api, B)).toMatchObject({ disponivel: 71 });
  });

  it("hiding yesterday's debit from the statement does not move yesterday's balance (the money moved)", async () => {
    const { emulator, api, clock } = await twoAccounts({ balances: { [A]: 100_00 } });
    clock.set(NOW - DAY_MS);
    const codigo = await send(api, A, 10);
    expect(await settled(api, A, codigo)).toBe("PAGO");
    clock.set(NOW);
    expect(emulator.hideDebit(codigo)).toBe(1);
    expect(await saldo(api, A, shiftIsoDate(TODAY, -1))).toMatchObject({ disponivel: 90 });
    expect(await saldo(api, A, shiftIsoDate(TODAY, -2))).toMatchObject({ disponivel: 100 });
  });
});

describe("overdraft", () => {
  it("a payment passes while it is at most the balance plus the limit, and disponivel goes negative", async () => {
    const { emulator, api } = await twoAccounts({ balances: { [A]: 10_00, [B]: 10_00 }, limitCents: 30_00 });
    expect(await finalStatus(api, A, 40.01)).toBe("CANCELADO_SEM_SALDO");
    expect(await finalStatus(api, A, 40)).toBe("PAGO");
    expect(emulator.balance(A)).toEqual({ balanceCents: -30_00, limitCents: 30_00 });
    expect(await saldo(api, A)).toMatchObject({ disponivel: -30, limite: 30 });
    expect(await finalStatus(api, A, 0.01)).toBe("CANCELADO_SEM_SALDO");
    expect(() => emulator.addOutOfBandDebit({ amountCents: 1, account: A })).toThrow(InsufficientBalanceError);
    // The other account's limit is its own.
    expect(await finalStatus(api, B, 39.99)).toBe("PAGO");
    expect(await saldo(api, B)).toMatchObject({ disponivel: -29.99, limite: 30 });
    expect(emulator.ledger.snapshot().payments).toMatchObject({
      balanceCents: -59_99,
      balances: { [A]: -30_00, [B]: -29_99 },
    });
    // A top-up pays the overdraft back first.
    expect(emulator.topUp(30_50, A)).toBe(50);
    expect(await saldo(api, A)).toMatchObject({ disponivel: 0.5 });
  });
});

describe("admin balance routes", () => {
  it("lists, sets and tops up each account; a bad body or an unknown account is a 400 that changes nothing", async () => {
    const { api } = await twoAccounts({ balances: { [A]: 10_00, [B]: 20_00 }, limitCents: { [A]: 5_00 } });
    const listed = await api.admin("GET", "/balance");
    expect(listed.status).toBe(200);
    expect(listed.json).toEqual({
      accounts: [
        { account: A, balanceCents: 10_00, limitCents: 5_00 },
        { account: B, balanceCents: 20_00, limitCents: 0 },
      ],
    });
    const set = await api.admin("POST", "/balance", { balanceCents: 7, account: B });
    expect([set.status, set.json]).toEqual([200, { balanceCents: 7 }]);

    const bad: [string, unknown][] = [
      ["/balance", {}],
      ["/balance", { balanceCents: -1 }],
      ["/balance", { balanceCents: 1.5 }],
      ["/balance", { balanceCents: "100" }],
      ["/balance", { balanceCents: 100, account: "999" }],
      ["/balance", { balanceCents: 100, account: 111 }],
      ["/balance", { balanceCents: 100, acount: B }],
      ["/balance", [{ balanceCents: 100 }]],
      ["/balance", null],
      ["/balance/top-up", {}],
      ["/balance/top-up", { amountCents: 0 }],
      ["/balance/top-up", { amountCents: -5 }],
      ["/balance/top-up", { amountCents: 2.5 }],
      ["/balance/top-up", { amountCents: 100, account: "999" }],
      ["/balance/top-up", { balanceCents: 100 }],
      ["/balance/top-up", { amountCents: Number.MAX_SAFE_INTEGER, account: A }],
    ];
    for (const [path, json] of bad) {
      const res = await api.admin("POST", path, json);
      expect(res.status, `${path} ${JSON.stringify(json)}`).toBe(400);
      expect(typeof body(res)["error"], path).toBe("string");
    }
    for (const path of ["/balance", "/balance/top-up"]) {
      const res = await api.call("POST", `/_emulator${path}`, {
        body: "not json",
        headers: { "content-type": "application/json" },
      });
      expect(res.status, path).toBe(400);
    }
    expect((await api.admin("GET", "/balance")).json).toEqual({
      accounts: [
        { account: A, balanceCents: 10_00, limitCents: 5_00 },
        { account: B, balanceCents: 7, limitCents: 0 },
      ],
    });
  });
});

describe("options and knobs refuse what is not an account's money", () => {
  it("a starting balance or limit of an account not the integration's, or not whole centavos, is a RangeError", async () => {
    await expect(emulatorFor({ integration: TWO_ACCOUNTS, balances: { "333": 1 } })).rejects.toThrow(
      /account 333 is not one of the integration's/,
    );
    await expect(emulatorFor({ integration: TWO_ACCOUNTS, limitCents: { "333": 1 } })).rejects.toThrow(RangeError);
    await expect(emulatorFor({ integration: TWO_ACCOUNTS, balances: { [A]: -1 } })).rejects.toThrow(RangeError);
    await expect(emulatorFor({ integration: TWO_ACCOUNTS, limitCents: 0.5 })).rejects.toThrow(RangeError);
    await expect(emulatorFor({ balanceCents: -1 })).rejects.toThrow(RangeError);
  });

  it("setBalance, topUp and balance refuse an unknown account and a bad amount", async () => {
    const { emulator } = await twoAccounts({ balances: { [A]: 10_00 } });
    expect(() => {
      emulator.setBalance(1, "333");
    }).toThrow(RangeError);
    expect(() => {
      emulator.setBalance(-1, A);
    }).toThrow(RangeError);
    expect(() => emulator.topUp(1, "333")).toThrow(RangeError);
    expect(() => emulator.topUp(0, A)).toThrow(RangeError);
    expect(() => emulator.topUp(1.5, A)).toThrow(RangeError);
    expect(() => emulator.balance("333")).toThrow(RangeError);
    expect(emulator.balance(A).balanceCents).toBe(10_00);
    expect(emulator.statement()).toEqual([]);
  });
});
