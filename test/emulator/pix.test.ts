// POST /banking/v2/pix and GET /banking/v2/pix/{codigoSolicitacao} over real mTLS (docs/reference/inter-api.md §3, §4).
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildBrCode } from "../../src/payments/brcode.js";
import { saoPauloToday } from "../../src/payments/calendar.js";
import {
  apiFor,
  body,
  emulatorFor,
  eventually,
  keyPayment,
  manualClock,
  NO_LIMITS,
  saoPauloDateIn,
  SP_MIDNIGHT,
  TIMESTAMP,
  UUID,
} from "./support.js";
import { anyString, containing, matching, objectWith } from "./matchers.js";

const emulator = await emulatorFor({ limits: NO_LIMITS, timing: { sentAfterMs: 0, paidAfterMs: 0 } });
const api = apiFor(emulator);
const INTER_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/;
const E2E = /^E00416968\d{12}[A-Za-z0-9]{11}$/;

async function created(payload: unknown, key?: string): Promise<string> {
  const res = await api.sendPix(payload, key);
  expect(res.status, res.text).toBe(200);
  return body(res)["codigoSolicitacao"] as string;
}

describe("sending", () => {
  it("answers 200 with tipoRetorno, a UUID codigoSolicitacao and São Paulo dates", async () => {
    const before = saoPauloToday(Date.now());
    const res = await api.sendPix(keyPayment(10.5));
    const after = saoPauloToday(Date.now());
    expect(res.status).toBe(200);
    const today = body(res)["dataOperacao"];
    expect([before, after]).toContain(today); // either side of a midnight the test may straddle
    expect(res.json).toEqual({
      tipoRetorno: "PROCESSADO",
      codigoSolicitacao: matching(UUID),
      dataPagamento: today,
      dataOperacao: today,
    });
  });

  it("pays a key and shows the GET answer Inter gives (masked CPF, number valor, history)", async () => {
    const codigo = await created(keyPayment(1234.56, "12345678909", { descricao: "Reembolso 1001" }));
    const res = await api.getPix(codigo);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      transacaoPix: {
        contaCorrente: "12345678",
        recebedor: { nome: anyString(), cpfCnpj: "***.456.789-**" },
        erros: [],
        endToEnd: matching(E2E),
        valor: 1234.56,
        status: "PAGO",
        dataHoraMovimento: matching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/),
        dataHoraSolicitacao: matching(INTER_DATE_TIME),
        chave: "12345678909",
        codigoSolicitacao: codigo,
      },
      historico: [
        { status: "TRANSACAO_CRIADA", dataHoraEvento: matching(INTER_DATE_TIME) },
        { status: "TRANSACAO_APROVADA", dataHoraEvento: matching(INTER_DATE_TIME) },
        { status: "PIX_ENVIADO", dataHoraEvento: matching(INTER_DATE_TIME) },
        { status: "PIX_PAGO", dataHoraEvento: matching(INTER_DATE_TIME) },
      ],
    });
    expect(emulator.payment(codigo)).toMatchObject({
      amountCents: 123456,
      status: "PAGO",
      debited: true,
      descricao: "Reembolso 1001",
    });
  });

  it("pays every key type", async () => {
    for (const chave of [
      "fornecedor@example.com",
      "12345678000195",
      "12ABC34501DE35",
      "+5511987654321",
      randomUUID(),
      randomUUID().toUpperCase(),
    ]) {
      const codigo = await created(keyPayment(1, chave));
      expect(body(await api.getPix(codigo))["transacaoPix"]).toMatchObject({ chave, status: "PAGO" });
    }
  });

  it("takes an alphanumeric CNPJ key as the payee's document, shown in full like any CNPJ", async () => {
    const codigo = await created(keyPayment(1, "12ABC34501DE35"));
    expect(body(await api.getPix(codigo))["transacaoPix"]).toMatchObject({ recebedor: { cpfCnpj: "12ABC34501DE35" } });
  });

  it("pays bank data and shows the bank fields in recebedor", async () => {
    const codigo = await created({
      valor: 99.9,
      destinatario: {
        tipo: "DADOS_BANCARIOS",
        contaCorrente: "7654321",
        tipoConta: "CONTA_POUPANCA",
        cpfCnpj: "12345678000195",
        agencia: "0001",
        nome: "Fornecedor Ltda",
        instituicaoFinanceira: { ispb: "60701190" },
      },
    });
    expect(emulator.payment(codigo)?.recipient).toEqual({
      tipo: "DADOS_BANCARIOS",
      nome: "Fornecedor Ltda",
      cpfCnpj: "12345678000195",
      codIspb: "60701190",
      codAgencia: "0001",
      nroConta: "7654321",
      tipoConta: "CONTA_POUPANCA",
      instituicao: "Itaú Unibanco S.A.",
    });
    const tx = body(await api.getPix(codigo))["transacaoPix"] as Record<string, unknown>;
    expect(tx["recebedor"]).toEqual({
      nome: "Fornecedor Ltda",
      cpfCnpj: "12345678000195",
      codIspb: "60701190",
      codAgencia: "0001",
      nroConta: "7654321",
      tipoConta: "CONTA_POUPANCA",
    });
    expect(tx["valor"]).toBe(99.9);
    expect(tx["chave"]).toBeUndefined();
  });

  it("pays a BR Code, taking the payee from it; an unreadable one is a 422", async () => {
    const code = buildBrCode({ key: "loja@example.com", amountCents: 2500, name: "Loja Exemplo", city: "SAO PAULO" });
    const codigo = await created({ valor: 25, destinatario: { tipo: "PIX_COPIA_E_COLA", pixCopiaECola: code } });
    expect(body(await api.getPix(codigo))["transacaoPix"]).toMatchObject({
      chave: "loja@example.com",
      recebedor: { nome: "Loja Exemplo" },
    });

    const broken = await api.sendPix({
      valor: 25,
      destinatario: { tipo: "PIX_COPIA_E_COLA", pixCopiaECola: code.slice(0, -4) + "FFFF" },
    });
    expect(broken.status).toBe(422);
    expect(broken.json).toEqual({
      type: "about:blank",
      title: "Não foi possível processar o QR Code",
      status: "422",
      detail: matching(/CRC/),
      timestamp: matching(TIMESTAMP),
    });
  });

  it("pays bank data whose holder has an alphanumeric CNPJ, and an account whose check digit is X; no hyphen, no other letter", async () => {
    const dest = {
      tipo: "DADOS_BANCARIOS",
      contaCorrente: "7654321",
      tipoConta: "CONTA_PAGAMENTO",
      cpfCnpj: "12ABC34501DE35",
      agencia: "0001",
      nome: "Fornecedor Ltda",
      instituicaoFinanceira: { ispb: "18236120" },
    };
    const codigo = await created({ valor: 5, destinatario: dest });
    expect((body(await api.getPix(codigo))["transacaoPix"] as Record<string, unknown>)["recebedor"]).toMatchObject({
      cpfCnpj: "12ABC34501DE35",
    });
    // Banco do Brasil writes some check digits X: the account is a free string at Inter.
    const bb = await created({
      valor: 5,
      destinatario: { ...dest, contaCorrente: "76543X", instituicaoFinanceira: { ispb: "00000000" } },
    });
    expect((body(await api.getPix(bb))["transacaoPix"] as Record<string, unknown>)["recebedor"]).toMatchObject({
      nroConta: "76543X",
    });
    for (const contaCorrente of ["76543-X", "76543x", "X", "765X43"]) {
      const letters = await api.sendPix({ valor: 5, destinatario: { ...dest, contaCorrente, agencia: "0001A" } });
      expect(letters.status).toBe(400);
      expect(body(letters)["violacoes"]).toEqual([
        objectWith({ propriedade: "destinatario.contaCorrente", razao: containing("pode ser X, sem hífen") }),
        objectWith({ propriedade: "destinatario.agencia", razao: containing("apenas dígitos") }),
      ]);
    }
  });

  it("refuses valor as a string, as Inter's validation of a number would, and executes nothing", async () => {
    const before = emulator.ledger.snapshot().executions.total;
    const res = await api.sendPix(keyPayment("10.00"));
    expect(res.status).toBe(400);
    expect(body(res)["violacoes"]).toEqual([
      { razao: "O valor deve ser numérico", propriedade: "valor", valor: "10.00" },
    ]);
    expect(emulator.ledger.snapshot().executions.total).toBe(before);
  });

  it("answers invalid bodies with Inter's Problema and executes nothing", async () => {
    const before = emulator.ledger.snapshot().executions.total;
    const res = await api.sendPix({ valor: null, destinatario: { tipo: "CHAVE" } });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      type: "about:blank",
      title: "Dados inválidos.",
      status: "400",
      detail: anyString(),
      timestamp: matching(TIMESTAMP),
      violacoes: [
        { razao: "O valor não pode ser nulo", propriedade: "valor", valor: "null" },
        { razao: anyString(), propriedade: "destinatario.chave", valor: "null" },
      ],
    });
    const notJson = await api.authed("POST", "/banking/v2/pix", {
      body: "{valor:",
      headers: { "content-type": "application/json" },
    });
    expect(notJson.status).toBe(400);
    expect(emulator.ledger.snapshot().executions.total).toBe(before);
  });
});

describe("querying", () => {
  it("400 for a codigoSolicitacao that is not a UUID, 404 for an unknown one", async () => {
    const bad = await api.getPix("12345");
    expect(bad.status).toBe(400);
    expect(body(bad)["violacoes"]).toEqual([objectWith({ propriedade: "codigoSolicitacao", valor: "12345" })]);
    const unknown = await api.getPix(randomUUID());
    expect(unknown.status).toBe(404);
    expect(body(unknown)).toMatchObject({ title: "Não Encontrado.", detail: "Entidade não encontrada." });
  });

  it("unknown routes are 404 and wrong methods 405, both counted", async () => {
    expect((await api.authed("GET", "/pix/v2/pix/payments")).status).toBe(404);
    expect((await api.authed("DELETE", "/banking/v2/pix")).status).toBe(405);
    expect(emulator.ledger.snapshot().requests["unmatched"]?.byStatus).toMatchObject({ "404": 1, "405": 1 });
  });
});

describe("idempotency (x-id-idempotente)", () => {
  it("same key and same body: the original answer again, executed once", async () => {
    const key = randomUUID();
    const first = await api.sendPix(keyPayment(7, "a@example.com", { descricao: "x" }), key);
    // Same JSON with keys in another order and 7.00 written as 7: the same document.
    const again = await api.sendPix(
      { descricao: "x", destinatario: { chave: "a@example.com", tipo: "CHAVE" }, valor: 7.0 },
      key,
    );
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    const snap = emulator.ledger.snapshot();
    expect(snap.executions.byIdempotencyKey[key]).toBe(1);
    expect(snap.executions.replays).toBeGreaterThanOrEqual(1);
    expect(snap.executions.keysExecutedMoreThanOnce).toBe(0);
  });

  it("same key and another body: 409, nothing executed", async () => {
    const key = randomUUID();
    await created(keyPayment(7), key);
    const conflict = await api.sendPix(keyPayment(8), key);
    expect(conflict.status).toBe(409);
    expect(body(conflict)).toMatchObject({ title: "Conflito.", detail: containing(key) });
    expect(emulator.ledger.snapshot().executions.byIdempotencyKey[key]).toBe(1);
  });

  it("a refused request does not burn the key", async () => {
    const key = randomUUID();
    expect(
      (await api.sendPix({ valor: -1, destinatario: { tipo: "CHAVE", chave: "a@example.com" } }, key)).status,
    ).toBe(400);
    expect((await api.sendPix(keyPayment(3), key)).status).toBe(200);
  });

  it("the header must be a lower-case UUID", async () => {
    for (const key of ["not-a-uuid", randomUUID().toUpperCase()]) {
      const res = await api.sendPix(keyPayment(), key);
      expect(res.status).toBe(400);
      expect(body(res)["violacoes"]).toEqual([objectWith({ propriedade: "x-id-idempotente", valor: key })]);
    }
  });

  it("without the header every POST is a new payment", async () => {
    const a = await created(keyPayment(5));
    const b = await created(keyPayment(5));
    expect(a).not.toBe(b);
  });

  it("the key is looked up before validation: a replay after midnight gets the original answer although its date is now past", async () => {
    // 23:59 in São Paulo on 27 Nov 2026; the payment is for today.
    const clock = manualClock(SP_MIDNIGHT - 60_000);
    const bank = await emulatorFor({ limits: NO_LIMITS, timing: { sentAfterMs: 0, paidAfterMs: 0 }, clock });
    const bapi = apiFor(bank);
    const key = randomUUID();
    const payload = keyPayment(5, "a@example.com", { dataPagamento: "2026-11-27" });
    const first = await bapi.sendPix(payload, key);
    expect(first.status, first.text).toBe(200);
    expect(body(first)).toMatchObject({
      tipoRetorno: "PROCESSADO",
      dataPagamento: "2026-11-27",
      dataOperacao: "2026-11-27",
    });

    clock.advance(2 * 60_000); // 00:01 on the 28th: "2026-11-27" is in the past now
    const fresh = await bapi.sendPix(payload, randomUUID());
    expect(fresh.status).toBe(400); // the same body as a new request fails validation…
    expect(body(fresh)["violacoes"]).toEqual([objectWith({ propriedade: "dataPagamento" })]);
    const replay = await bapi.sendPix(payload, key);
    expect(replay.status, replay.text).toBe(200); // …but the retry of the executed one is answered
    expect(replay.json).toEqual(first.json);
    const conflict = await bapi.sendPix({ ...payload, valor: 6 }, key);
    expect(conflict.status).toBe(409); // a reuse with another body is a conflict, not a 400
    const snap = bank.ledger.snapshot();
    expect(snap.executions).toMatchObject({ total: 1, replays: 1, conflicts: 1, byIdempotencyKey: { [key]: 1 } });
  });

  it("a bank that forgets keys executes a retried POST twice (what the chaos suite guards against)", async () => {
    const forgetful = await emulatorFor({
      limits: NO_LIMITS,
      idempotency: false,
      timing: { sentAfterMs: 0, paidAfterMs: 0 },
    });
    const fapi = apiFor(forgetful);
    const key = randomUUID();
    const first = await fapi.sendPix(keyPayment(5), key);
    const second = await fapi.sendPix(keyPayment(5), key);
    expect(body(second)["codigoSolicitacao"]).not.toBe(body(first)["codigoSolicitacao"]);
    const snap = forgetful.ledger.snapshot();
    expect(snap.executions.byIdempotencyKey[key]).toBe(2);
    expect(snap.executions.keysExecutedMoreThanOnce).toBe(1);
    expect(snap.payments.debitedCents).toBe(1000);
  });
});

describe("dates", () => {
  it("schedules a future dataPagamento and refuses a past one", async () => {
    // Two days ahead: still in the future if São Paulo's midnight passes during the test.
    const future = saoPauloDateIn(2);
    const res = await api.sendPix(keyPayment(1, "a@example.com", { dataPagamento: future }));
    expect(body(res)).toMatchObject({ tipoRetorno: "AGENDADO", dataPagamento: future });
    const codigo = body(res)["codigoSolicitacao"] as string;
    expect(
      await eventually(async () =>
        (body(await api.getPix(codigo))["transacaoPix"] as { status: string }).status === "AGENDADO" ? true : undefined,
      ),
    ).toBe(true);
    const yesterday = saoPauloToday(Date.now() - 86_400_000);
    const past = await api.sendPix(keyPayment(1, "a@example.com", { dataPagamento: yesterday }));
    expect(past.status).toBe(400);
    expect(body(past)["violacoes"]).toEqual([objectWith({ propriedade: "dataPagamento" })]);
  });
});

describe("request bodies", () => {
  it("the 1 MiB limit counts bytes, not characters", async () => {
    // 600 000 "é" are 600 000 UTF-16 units but 1 200 000 bytes of UTF-8: over the limit.
    const wide = JSON.stringify(keyPayment(1, "a@example.com", { descricao: "é".repeat(600_000) }));
    expect(wide.length).toBeLessThan(1024 * 1024);
    expect(Buffer.byteLength(wide)).toBeGreaterThan(1024 * 1024);
    const tooLarge = await api.authed("POST", "/banking/v2/pix", {
      body: wide,
      headers: { "content-type": "application/json" },
    });
    expect(tooLarge.status).toBe(413);
    expect(body(tooLarge)).toMatchObject({ title: "Requisição muito grande.", timestamp: matching(TIMESTAMP) });

    // Just under the limit in bytes, with multi-byte characters split across network chunks: read whole.
    const descricao = "ç".repeat(500_000);
    const near = JSON.stringify(keyPayment(1, "a@example.com", { descricao }));
    expect(Buffer.byteLength(near)).toBeLessThan(1024 * 1024);
    const res = await api.sendPix(JSON.parse(near));
    expect(res.status).toBe(400); // read and parsed in full: only the 140-character rule fails
    expect(body(res)["violacoes"]).toEqual([objectWith({ propriedade: "descricao", valor: descricao })]);
  });
});
