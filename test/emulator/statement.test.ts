// The emulator's statement (GET /banking/v2/extrato/completo) and balance (GET /banking/v2/saldo): what a
// payment's execution writes, the fault knobs (a Pix made outside pixout, a debit made twice), Inter's
// query rules, classic and scroll paging, the scope and the 10-a-minute limit. Over real mTLS.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { saoPauloToday, shiftIsoDate } from "../../src/payments/calendar.js";
import {
  apiFor,
  body,
  emulatorFor,
  eventually,
  keyPayment,
  manualClock,
  NO_LIMITS,
  statusOf,
  type Api,
} from "./support.js";

// The clock is an input: a Tuesday at 10:00 in São Paulo.
const NOW = Date.UTC(2026, 10, 24, 13, 0);
const TODAY = saoPauloToday(NOW);

type Transacao = Record<string, unknown> & { detalhes: Record<string, unknown> };

async function statement(api: Api, query: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await api.authed("GET", `/banking/v2/extrato/completo?${query}`);
  return { status: res.status, json: (res.json ?? {}) as Record<string, unknown> };
}

async function paid(api: Api, valor: number, chave = "fornecedor@example.com"): Promise<string> {
  const codigo = body(await api.sendPix(keyPayment(valor, chave), randomUUID()))["codigoSolicitacao"] as string;
  await eventually(async () => ((await statusOf(api, codigo)) === "PAGO" ? true : undefined));
  return codigo;
}

describe("emulator statement and balance", () => {
  it("lists every executed payment as a Pix debit with its codigoSolicitacao, end-to-end id and amount as text", async () => {
    const clock = manualClock(NOW);
    const emulator = await emulatorFor({
      limits: NO_LIMITS,
      timing: { sentAfterMs: 0, paidAfterMs: 0 },
      balanceCents: 100_00,
      clock,
    });
    const api = apiFor(emulator);
    const codigo = await paid(api, 13.45);
    const e2e = body(await api.getPix(codigo))["transacaoPix"] as Record<string, unknown>;
    const page = await statement(api, `dataInicio=${TODAY}&dataFim=${TODAY}`);
    expect(page.status).toBe(200);
    expect(page.json).toMatchObject({
      totalPaginas: 1,
      totalElementos: 1,
      ultimaPagina: true,
      primeiraPagina: true,
      tamanhoPagina: 50,
      numeroDeElementos: 1,
    });
    const [entry] = page.json["transacoes"] as Transacao[];
    expect(entry).toMatchObject({
      tipoTransacao: "PIX",
      tipoOperacao: "D",
      valor: "13.45",
      dataTransacao: TODAY,
      titulo: "Pix enviado",
    });
    expect(entry?.["dataInclusao"]).toMatch(new RegExp(`^${TODAY} 10:00:00\\.\\d{3}$`));
    expect(entry?.detalhes).toMatchObject({
      codigoSolicitacao: codigo,
      endToEndId: e2e["endToEnd"],
      chavePixRecebedor: "fornecedor@example.com",
      tipoDetalhe: "DetalhePix",
    });
    // Another day's statement does not have it; a credit filter neither.
    expect(
      (await statement(api, `dataInicio=${shiftIsoDate(TODAY, -3)}&dataFim=${shiftIsoDate(TODAY, -1)}`)).json[
        "totalElementos"
      ],
    ).toBe(0);
    expect((await statement(api, `dataInicio=${TODAY}&dataFim=${TODAY}&tipoOperacao=C`)).json["totalElementos"]).toBe(
      0,
    );
    expect(
      (await statement(api, `dataInicio=${TODAY}&dataFim=${TODAY}&tipoTransacao=TARIFA`)).json["totalElementos"],
    ).toBe(0);
  });

  it("a payment the bank refused for balance has no debit; out-of-band and duplicated debits do, and move the balance", async () => {
    const clock = manualClock(NOW);
    const emulator = await emulatorFor({
      limits: NO_LIMITS,
      timing: { sentAfterMs: 0, paidAfterMs: 0 },
      balanceCents: 50_00,
      clock,
    });
    const api = apiFor(emulator);
    const codigo = await paid(api, 20);
    const broke = body(await api.sendPix(keyPayment(40), randomUUID()))["codigoSolicitacao"] as string;
    await eventually(async () => ((await statusOf(api, broke)) === "CANCELADO_SEM_SALDO" ? true : undefined));
    const outside = emulator.addOutOfBandDebit({ amountCents: 5_00, key: "outra@example.com" });
    const twice = emulator.duplicateDebit(codigo);
    expect(emulator.statement().map((e) => [e.origin, e.codigoSolicitacao === codigo, e.amountCents])).toEqual([
      ["payment", true, 20_00],
      ["out-of-band", false, 5_00],
      ["duplicate", true, 20_00],
    ]);
    expect(twice.endToEndId).toBe(emulator.statement()[0]?.endToEndId);
    expect(outside.transacao).toMatchObject({
      valor: "5.00",
      detalhes: { chavePixRecebedor: "outra@example.com", origemMovimentacao: "INTERNET_BANKING" },
    });
    const balance = await api.authed("GET", "/banking/v2/saldo");
    expect(balance.status).toBe(200);
    expect(balance.json).toMatchObject({ disponivel: 5 }); // 50 − 20 − 5 − 20
    expect(() => emulator.duplicateDebit(broke)).toThrow(/not debited/);
    expect(() => emulator.addOutOfBandDebit({ amountCents: 6_00 })).toThrow(/does not cover/);
    expect(() => emulator.addOutOfBandDebit({ amountCents: 1.5 })).toThrow(RangeError);
    // Yesterday's closing balance is what it was before today's movements.
    const yesterday = await api.authed("GET", `/banking/v2/saldo?dataSaldo=${shiftIsoDate(TODAY, -1)}`);
    expect(yesterday.json).toMatchObject({ disponivel: 50 });
    expect((await api.authed("GET", `/banking/v2/saldo?dataSaldo=${shiftIsoDate(TODAY, 1)}`)).status).toBe(400);
  });

  it("refuses what Inter refuses: missing dates, a period over 90 days, dates out of order, a page size over 10,000", async () => {
    const emulator = await emulatorFor({ limits: NO_LIMITS, clock: manualClock(NOW) });
    const api = apiFor(emulator);
    const cases = [
      ["", ["dataInicio", "dataFim"]],
      [`dataInicio=${TODAY}`, ["dataFim"]],
      [`dataInicio=2026-13-01&dataFim=${TODAY}`, ["dataInicio"]],
      [`dataInicio=${shiftIsoDate(TODAY, -91)}&dataFim=${TODAY}`, ["dataFim"]],
      [`dataInicio=${TODAY}&dataFim=${shiftIsoDate(TODAY, -1)}`, ["dataInicio"]],
      [`dataInicio=${TODAY}&dataFim=${TODAY}&tamanhoPagina=10001`, ["tamanhoPagina"]],
      [`dataInicio=${TODAY}&dataFim=${TODAY}&tamanhoPagina=0`, ["tamanhoPagina"]],
      [`dataInicio=${TODAY}&dataFim=${TODAY}&tipoOperacao=X`, ["tipoOperacao"]],
    ] as const;
    for (const [query, fields] of cases) {
      const res = await statement(api, query);
      expect(res.status, query).toBe(400);
      expect(
        (res.json["violacoes"] as { propriedade: string }[]).map((v) => v.propriedade),
        query,
      ).toEqual(fields);
    }
    expect(
      (await statement(api, `dataInicio=${shiftIsoDate(TODAY, -90)}&dataFim=${TODAY}&tamanhoPagina=10000`)).status,
    ).toBe(200);
  });

  it("pages classically and by scroll; a scroll is one per account and expires after 6 idle minutes", async () => {
    const clock = manualClock(NOW);
    const emulator = await emulatorFor({
      limits: NO_LIMITS,
      timing: { sentAfterMs: 0, paidAfterMs: 0 },
      balanceCents: 1_000_00,
      clock,
    });
    const api = apiFor(emulator);
    for (let i = 0; i < 5; i++) emulator.addOutOfBandDebit({ amountCents: 100 + i });
    const q = `dataInicio=${TODAY}&dataFim=${TODAY}&tamanhoPagina=2`;
    const pages = [0, 1, 2].map((p) => statement(api, `${q}&pagina=${String(p)}`));
    const [p0, p1, p2] = await Promise.all(pages);
    expect(
      [p0, p1, p2].map((p) => [p?.json["numeroDeElementos"], p?.json["ultimaPagina"], p?.json["totalPaginas"]]),
    ).toEqual([
      [2, false, 3],
      [2, false, 3],
      [1, true, 3],
    ]);
    const amounts = [p0, p1, p2].flatMap((p) => (p?.json["transacoes"] as Transacao[]).map((t) => t["valor"]));
    expect(amounts).toEqual(["1.00", "1.01", "1.02", "1.03", "1.04"]);

    const first = await statement(api, `${q}&scrollEnabled=true`);
    expect(first.json).toMatchObject({ hasMore: true, numeroDeElementos: 2 });
    const id = first.json["scrollId"] as string;
    const second = await statement(api, `${q}&scrollId=${id}`);
    expect(second.json).toMatchObject({ hasMore: true, numeroDeElementos: 2, scrollId: id });
    clock.advance(6 * 60_000 + 1);
    const expired = await statement(api, `${q}&scrollId=${id}`);
    expect(expired.status).toBe(400);
    // A new scroll replaces the account's previous one.
    const a = (await statement(api, `${q}&scrollEnabled=true`)).json["scrollId"] as string;
    const b = (await statement(api, `${q}&scrollEnabled=true`)).json["scrollId"] as string;
    expect((await statement(api, `${q}&scrollId=${a}`)).status).toBe(400);
    const rest = [await statement(api, `${q}&scrollId=${b}`), await statement(api, `${q}&scrollId=${b}`)];
    expect(rest.map((r) => [r.json["numeroDeElementos"], r.json["hasMore"]])).toEqual([
      [2, true],
      [1, false],
    ]);
  });

  it("needs the extrato.read scope, and allows 10 calls a minute", async () => {
    const emulator = await emulatorFor({ clock: manualClock(NOW) });
    const api = apiFor(emulator);
    const token = await api.token("pagamento-pix.read");
    const denied = await api.call("GET", `/banking/v2/extrato/completo?dataInicio=${TODAY}&dataFim=${TODAY}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(denied.status).toBe(403);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await statement(api, `dataInicio=${TODAY}&dataFim=${TODAY}`)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.at(-1)).toBe(429);
    // The balance has a budget of its own.
    expect((await api.authed("GET", "/banking/v2/saldo")).status).toBe(200);
  });
});
