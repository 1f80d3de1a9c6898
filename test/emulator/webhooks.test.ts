// Webhook registration (docs/reference/inter-api.md §5) and callback delivery to a local HTTPS receiver that, like
// Inter's sample server, requires a client certificate from the CA (docs/reference/inter-api.md §5.1, §5.2).
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:https";
import { TLSSocket } from "node:tls";
import { afterAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/emulator.js";
import { testCerts } from "../helpers/certs.js";
import {
  apiFor,
  body,
  emulatorFor,
  eventually,
  keyPayment,
  manualClock,
  NO_LIMITS,
  SP_MIDNIGHT,
  type Api,
} from "./support.js";
import { anyString, matching, objectWith } from "./matchers.js";

interface ReceivedCall {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  peer: string;
}

interface Receiver {
  url: string;
  calls: ReceivedCall[];
}

/** A webhook receiver requiring mTLS; `answer(n)` gives the HTTP status of its n-th call (1-based). */
async function receiver(answer: (n: number) => number = () => 200): Promise<Receiver> {
  const c = testCerts();
  const calls: ReceivedCall[] = [];
  const server: Server = createServer(
    { cert: c.serverCert, key: c.serverKey, ca: c.ca, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      let text = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (text += chunk));
      req.on("end", () => {
        const peer = req.socket instanceof TLSSocket ? req.socket.getPeerCertificate().subject.CN : "";
        calls.push({
          path: req.url ?? "",
          headers: req.headers,
          body: JSON.parse(text) as unknown,
          peer: String(peer),
        });
        res.statusCode = answer(calls.length);
        res.end("Notificação recebida com sucesso");
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `https://127.0.0.1:${port}/banking`, calls };
}

const INSTANT = { sentAfterMs: 0, paidAfterMs: 0 };
const FAST_RETRIES = 1 / 60_000; // 5/10/30/60 minutes → 5/10/30/60 ms

async function register(api: Api, url: string): Promise<void> {
  const res = await api.authed("PUT", "/banking/v2/webhooks/pix-pagamento", { json: { webhookUrl: url } });
  expect(res.status, res.text).toBe(204);
}

async function pay(
  api: Api,
  payload: unknown = keyPayment(10.5, "12345678909", { descricao: "Pedido 7" }),
): Promise<string> {
  const res = await api.sendPix(payload);
  expect(res.status, res.text).toBe(200);
  return body(res)["codigoSolicitacao"] as string;
}

function items(call: ReceivedCall | undefined): Record<string, unknown>[] {
  expect(Array.isArray(call?.body)).toBe(true);
  return call?.body as Record<string, unknown>[];
}

describe("registration", async () => {
  const emulator = await emulatorFor({ limits: NO_LIMITS });
  const api = apiFor(emulator);

  it("PUT 204, GET {webhookUrl, criacao}, DELETE 204, then GET and DELETE 404", async () => {
    await register(api, "https://hooks.example.com/banking");
    const got = await api.authed("GET", "/banking/v2/webhooks/pix-pagamento");
    expect(got.status).toBe(200);
    expect(got.json).toEqual({
      webhookUrl: "https://hooks.example.com/banking",
      criacao: matching(/^\d{4}-\d{2}-\d{2}T[\d:.]+-03:00$/),
    });
    expect((await api.authed("DELETE", "/banking/v2/webhooks/pix-pagamento")).status).toBe(204);
    expect((await api.authed("GET", "/banking/v2/webhooks/pix-pagamento")).status).toBe(404);
    // Nothing registered: Inter documents a 404 for the delete too.
    const again = await api.authed("DELETE", "/banking/v2/webhooks/pix-pagamento");
    expect(again.status).toBe(404);
    expect(body(again)).toMatchObject({ title: "Não Encontrado.", status: "404" });
  });

  it("refuses URLs that are not https:// with a webhookUrl violation", async () => {
    for (const webhookUrl of ["http://hooks.example.com", "https://has space.example.com", "", 42]) {
      const res = await api.authed("PUT", "/banking/v2/webhooks/pix-pagamento", { json: { webhookUrl } });
      expect(res.status).toBe(400);
      expect(body(res)["violacoes"]).toEqual([objectWith({ propriedade: "webhookUrl" })]);
    }
  });

  it("needs the webhook-banking scopes", async () => {
    const pixOnly = await api.token("pagamento-pix.write");
    const res = await api.call("PUT", "/banking/v2/webhooks/pix-pagamento", {
      body: JSON.stringify({ webhookUrl: "https://x.example.com" }),
      headers: { authorization: `Bearer ${pixOnly}` },
    });
    expect(res.status).toBe(403);
  });
});

describe("callbacks", () => {
  it("POSTs a JSON array with x-conta-corrente over mTLS when a payment is paid", async () => {
    const emulator = await emulatorFor({ limits: NO_LIMITS, timing: INSTANT, callbackRetryScale: FAST_RETRIES });
    const api = apiFor(emulator);
    const hook = await receiver();
    await register(api, hook.url);
    const codigo = await pay(api);
    await eventually(() => (hook.calls.length === 1 ? true : undefined));
    const call = hook.calls[0];
    expect(call?.path).toBe("/banking");
    expect(call?.headers["x-conta-corrente"]).toBe("12345678");
    expect(call?.headers["content-type"]).toBe("application/json");
    expect(call?.peer).toBe("inter emulator webhooks");
    expect(items(call)).toEqual([
      {
        codigoSolicitacao: codigo,
        chave: "12345678909",
        dataHoraMovimento: matching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/),
        dataHoraSolicitacao: matching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/),
        descricaoPagamento: "Pedido 7",
        endToEnd: emulator.payment(codigo)?.endToEnd,
        instituicaoDestinatario: anyString(),
        recebedor: { nome: anyString(), cpfCnpj: "***.456.789-**" },
        erros: [],
        status: "EFETIVADO",
        tipoMovimentacao: "PAGAMENTO",
        valor: "10.50",
      },
    ]);
    await emulator.callbacksIdle();
    expect(emulator.ledger.snapshot().callbacks).toEqual({ attempts: 1, delivered: 1, failed: 0, exhausted: 0 });
  });

  it("fires when the payment turns final even if nobody polls", async () => {
    // The bank's clock stands still until we move it, so "not final yet" holds however slow the machine.
    const clock = manualClock(Date.now());
    const emulator = await emulatorFor({
      limits: NO_LIMITS,
      timing: { sentAfterMs: 20, paidAfterMs: 50 },
      callbackRetryScale: FAST_RETRIES,
      clock,
    });
    const api = apiFor(emulator);
    const hook = await receiver();
    await register(api, hook.url);
    const codigo = await pay(api);
    expect(emulator.payment(codigo)?.status).toBe("APROVADO");
    expect(hook.calls).toHaveLength(0);
    clock.advance(50);
    const call = await eventually(() => hook.calls[0]);
    expect(items(call)[0]).toMatchObject({ codigoSolicitacao: codigo, status: "EFETIVADO" });
    // Only the wake timer could have sent it: no request reached the bank after the POST.
    expect(Object.keys(emulator.ledger.snapshot().requests).sort()).toEqual([
      "POST /banking/v2/pix",
      "POST /oauth/v2/token",
      "PUT /banking/v2/webhooks/pix-pagamento",
    ]);
  });

  it("a scheduled payment runs at 00:00 São Paulo of its date on its own, and calls back", async () => {
    // The bank's clock runs with real time but starts a minute before midnight of 27→28 Nov 2026.
    let shift = SP_MIDNIGHT - 60_000 - Date.now();
    const emulator = await emulatorFor({
      limits: NO_LIMITS,
      timing: INSTANT,
      callbackRetryScale: FAST_RETRIES,
      clock: () => Date.now() + shift,
    });
    const api = apiFor(emulator);
    const hook = await receiver();
    await register(api, hook.url);
    const res = await api.sendPix(keyPayment(3, "a@example.com", { dataPagamento: "2026-11-28" }));
    expect(body(res)).toMatchObject({ tipoRetorno: "AGENDADO", dataOperacao: "2026-11-27" });
    const codigo = body(res)["codigoSolicitacao"] as string;
    // Jump to half a second before midnight. Reading the payment (in-process, synchronous) settles the
    // bank and re-arms its wake timer for the run; after that nothing calls the bank.
    shift = SP_MIDNIGHT - 500 - Date.now();
    expect(emulator.payment(codigo)?.status).toBe("AGENDADO");
    expect(hook.calls).toHaveLength(0);
    const call = await eventually(() => hook.calls[0]);
    expect(items(call)).toEqual([
      objectWith({
        codigoSolicitacao: codigo,
        status: "EFETIVADO",
        valor: "3.00",
        dataHoraMovimento: "2026-11-28T00:00:00.000000",
      }),
    ]);
    expect(emulator.ledger.snapshot().requests["GET /banking/v2/pix/{id}"]).toBeUndefined();
  });

  it("maps each final status to the callback vocabulary", async () => {
    const emulator = await emulatorFor({
      limits: NO_LIMITS,
      timing: INSTANT,
      balanceCents: 500,
      approval: { required: false },
      callbackRetryScale: FAST_RETRIES,
    });
    const api = apiFor(emulator);
    const hook = await receiver();
    await register(api, hook.url);
    const noMoney = await pay(api, keyPayment(6));
    emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      times: 1,
      fault: { type: "final-status", status: "FALHA" },
    });
    const failed = await pay(api, keyPayment(1));
    emulator.faults.add({ method: "POST", path: "/banking/v2/pix", times: 2, fault: { type: "approval-required" } });
    const rejected = await pay(api, keyPayment(1));
    const expired = await pay(api, keyPayment(1));
    emulator.reject(rejected);
    emulator.expire(expired);
    await eventually(() => (hook.calls.length === 4 ? true : undefined));
    const byCodigo = new Map(hook.calls.flatMap((c) => items(c)).map((i) => [i["codigoSolicitacao"], i]));
    expect(byCodigo.get(noMoney)).toMatchObject({
      status: "CANCELADO",
      erros: [objectWith({ codigoErro: "SALDO_INSUFICIENTE" })],
    });
    expect(byCodigo.get(noMoney)?.["endToEnd"]).toBeUndefined();
    expect(byCodigo.get(failed)).toMatchObject({
      status: "ERRO",
      erros: [objectWith({ codigoErro: "FALHA_PROCESSAMENTO" })],
    });
    expect(byCodigo.get(rejected)).toMatchObject({ status: "REPROVADO" });
    expect(byCodigo.get(expired)).toMatchObject({ status: "APROVACAO_EXPIRADA" });
  });

  it("retries a failing receiver at the scaled offsets and lists every attempt", async () => {
    const emulator = await emulatorFor({ limits: NO_LIMITS, timing: INSTANT, callbackRetryScale: FAST_RETRIES });
    const api = apiFor(emulator);
    const hook = await receiver((n) => (n <= 2 ? 500 : 200));
    await register(api, hook.url);
    const codigo = await pay(api);
    await eventually(() => (hook.calls.length === 3 ? true : undefined));
    await emulator.callbacksIdle();
    expect(hook.calls.map((c) => JSON.stringify(c.body))).toEqual(Array(3).fill(JSON.stringify(hook.calls[0]?.body)));
    expect(emulator.ledger.snapshot().callbacks).toEqual({ attempts: 3, delivered: 1, failed: 2, exhausted: 0 });

    const list = await api.authed(
      "GET",
      "/banking/v2/webhooks/pix-pagamento/callbacks?dataHoraInicio=2020-01-01T00:00Z&dataHoraFim=2100-01-01T00:00:00.000-03:00",
    );
    expect(list.status).toBe(200);
    const page = body(list);
    expect(page).toMatchObject({
      totalElementos: 3,
      totalPaginas: 1,
      primeiraPagina: true,
      ultimaPagina: true,
      tamanhoPagina: 20,
      numeroDeElementos: 3,
    });
    const data = page["data"] as Record<string, unknown>[];
    expect(data.map((d) => [d["numeroTentativa"], d["sucesso"], d["httpStatus"]])).toEqual([
      [3, true, 200],
      [2, false, 500],
      [1, false, 500],
    ]);
    expect(data[1]).toMatchObject({ webhookUrl: hook.url, mensagemErro: "HTTP 500", dataEnvio: matching(/-03:00$/) });
    expect((data[0]?.["payload"] as Record<string, unknown>[])[0]).toMatchObject({ codigoSolicitacao: codigo });
  });

  it("gives up after the first delivery and 4 retries", async () => {
    const emulator = await emulatorFor({ limits: NO_LIMITS, timing: INSTANT, callbackRetryScale: FAST_RETRIES });
    const api = apiFor(emulator);
    const hook = await receiver(() => 503);
    await register(api, hook.url);
    await pay(api);
    await eventually(() => (emulator.ledger.snapshot().callbacks.exhausted === 1 ? true : undefined));
    expect(hook.calls).toHaveLength(5);
    expect(emulator.ledger.snapshot().callbacks).toMatchObject({ attempts: 5, delivered: 0, failed: 5 });
  });

  it("counts an unreachable receiver as a failed attempt", async () => {
    const emulator = await emulatorFor({ limits: NO_LIMITS, timing: INSTANT, callbackRetryScale: 0 });
    const api = apiFor(emulator);
    await register(api, "https://127.0.0.1:1/nothing-listens-here");
    await pay(api);
    await eventually(() => (emulator.ledger.snapshot().callbacks.exhausted === 1 ? true : undefined));
    const list = await api.authed(
      "GET",
      "/banking/v2/webhooks/pix-pagamento/callbacks?dataHoraInicio=2020-01-01T00:00Z&dataHoraFim=2100-01-01T00:00Z",
    );
    const first = (body(list)["data"] as Record<string, unknown>[])[0];
    expect(first).toMatchObject({ sucesso: false, httpStatus: null, mensagemErro: matching(/ECONNREFUSED|connect/i) });
  });

  it("does not call back for payments that were final before the registration", async () => {
    const emulator = await emulatorFor({ limits: NO_LIMITS, timing: INSTANT, callbackRetryScale: FAST_RETRIES });
    const api = apiFor(emulator);
    const hook = await receiver();
    await pay(api);
    await register(api, hook.url);
    const later = await pay(api);
    const call = await eventually(() => hook.calls[0]);
    await emulator.callbacksIdle();
    expect(hook.calls).toHaveLength(1);
    expect(items(call).map((i) => i["codigoSolicitacao"])).toEqual([later]);
  });
});

describe("callbacks listing and retry endpoints", async () => {
  const emulator: Emulator = await emulatorFor({
    limits: NO_LIMITS,
    timing: INSTANT,
    callbackRetryScale: FAST_RETRIES,
  });
  const api = apiFor(emulator);
  const hook = await receiver();
  await register(api, hook.url);

  it("re-sends the callbacks of final payments and says which ids it found", async () => {
    const codigo = await pay(api);
    await eventually(() => (hook.calls.length === 1 ? true : undefined));
    const unknown = randomUUID();
    const res = await api.authed("POST", "/banking/v2/webhooks/pix-pagamento/callbacks/retry", {
      json: { codigoSolicitacao: [codigo, unknown] },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ foundIds: [codigo] });
    await eventually(() => (hook.calls.length === 2 ? true : undefined));
    expect(items(hook.calls[1])[0]).toMatchObject({ codigoSolicitacao: codigo, status: "EFETIVADO" });
  });

  it("validates the retry body", async () => {
    const none = await api.authed("POST", "/banking/v2/webhooks/pix-pagamento/callbacks/retry");
    expect(none.status).toBe(400);
    expect(body(none)["violacoes"]).toEqual([objectWith({ razao: "Required Body [body] not specified." })]);
    for (const codigoSolicitacao of [[], ["nope"], Array.from({ length: 51 }, () => randomUUID())]) {
      const res = await api.authed("POST", "/banking/v2/webhooks/pix-pagamento/callbacks/retry", {
        json: { codigoSolicitacao },
      });
      expect(res.status).toBe(400);
    }
  });

  it("validates the listing's query and filters by endToEnd", async () => {
    const base = "/banking/v2/webhooks/pix-pagamento/callbacks";
    const missing = await api.authed("GET", base);
    expect(missing.status).toBe(400);
    expect((body(missing)["violacoes"] as { propriedade: string }[]).map((v) => v.propriedade)).toEqual([
      "dataHoraInicio",
      "dataHoraFim",
    ]);
    const range = "dataHoraInicio=2020-01-01T00:00Z&dataHoraFim=2100-01-01T00:00Z";
    expect((await api.authed("GET", `${base}?${range}&tamanhoPagina=5`)).status).toBe(400);
    expect((await api.authed("GET", `${base}?${range}&tamanhoPagina=51`)).status).toBe(400);
    const codigo = await pay(api);
    await eventually(() =>
      hook.calls.some((c) => items(c).some((i) => i["codigoSolicitacao"] === codigo)) ? true : undefined,
    );
    const e2e = emulator.payment(codigo)?.endToEnd ?? "";
    const filtered = await api.authed("GET", `${base}?${range}&endToEnd=${e2e}`);
    expect(body(filtered)["totalElementos"]).toBe(1);
    const past = await api.authed("GET", `${base}?dataHoraInicio=2020-01-01T00:00Z&dataHoraFim=2020-01-02T00:00Z`);
    expect(body(past)).toMatchObject({ totalElementos: 0, data: [] });
    const page1 = await api.authed("GET", `${base}?${range}&tamanhoPagina=10&pagina=1`);
    expect(body(page1)).toMatchObject({ primeiraPagina: false, data: [] });
  });
});
