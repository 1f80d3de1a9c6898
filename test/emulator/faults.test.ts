// Every fault type through the running emulator, determinism with a seed, and the admin fault routes.
import { randomUUID } from "node:crypto";
import { Agent, request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { parseFaultRule } from "../../src/emulator/emulator.js";
import { testCerts } from "../helpers/certs.js";
import { apiFor, body, emulatorFor, keyPayment, NO_LIMITS, statusOf, TIMESTAMP, type Api } from "./support.js";
import { matching } from "./matchers.js";

const INSTANT = { sentAfterMs: 0, paidAfterMs: 0 };
const emulator = await emulatorFor({ limits: NO_LIMITS, timing: INSTANT });
const api = apiFor(emulator);

function executions(): number {
  return emulator.ledger.snapshot().executions.total;
}

async function withFault(spec: string, run: () => Promise<void>): Promise<void> {
  emulator.faults.clear();
  emulator.faults.add(parseFaultRule(spec));
  try {
    await run();
  } finally {
    emulator.faults.clear();
  }
}

async function paidCodigo(a: Api = api): Promise<string> {
  const res = await a.sendPix(keyPayment(1));
  expect(res.status).toBe(200);
  return body(res)["codigoSolicitacao"] as string;
}

describe("faults before execution", () => {
  it("latency delays the answer and the request still runs", async () => {
    const before = executions();
    await withFault("POST /banking/v2/pix latency ms=150", async () => {
      const started = Date.now();
      expect((await api.sendPix(keyPayment())).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140); // a lower bound only
    });
    expect(executions()).toBe(before + 1);
    expect(emulator.ledger.snapshot().faults["latency"]).toBeGreaterThanOrEqual(1);
  });

  it("status answers 5xx with Inter's ServicoIndisponivel body and executes nothing", async () => {
    await paidCodigo(); // make sure the token exists before faults touch the token route
    const before = executions();
    await withFault("POST /banking/v2/pix status status=503", async () => {
      const res = await api.sendPix(keyPayment());
      expect(res.status).toBe(503);
      expect(res.json).toEqual({
        type: "about:blank",
        title: "Serviço Indisponível",
        status: "503",
        detail: matching(/manutenção/),
        timestamp: matching(TIMESTAMP),
      });
    });
    await withFault("* status status=504", async () => {
      const res = await api.sendPix(keyPayment());
      expect(res.status).toBe(504);
      expect(body(res)["title"]).toMatch(/tempo esgotado/);
    });
    await withFault("POST /banking/v2/pix status status=502", async () => {
      const res = await api.sendPix(keyPayment());
      expect(res.status).toBe(502);
      expect(body(res)["title"]).toBe("Serviço Indisponível");
    });
    expect(executions()).toBe(before);
  });

  it("status also answers 3xx/4xx, as a proxy or gateway between us and Inter would, with a generic Problema", async () => {
    await paidCodigo();
    const before = executions();
    for (const [status, title] of [
      [408, "Request Timeout"],
      [413, "Payload Too Large"],
      [302, "Found"],
      [429, "Too Many Requests"],
    ] as const) {
      await withFault(`POST /banking/v2/pix status status=${status}`, async () => {
        const res = await api.sendPix(keyPayment());
        expect(res.status).toBe(status);
        expect(res.json).toEqual({
          type: "about:blank",
          title,
          status: String(status),
          detail: matching(/proxy ou gateway/),
          timestamp: matching(TIMESTAMP),
        });
        expect(res.headers["retry-after"]).toBeUndefined();
      });
    }
    expect(executions()).toBe(before);
    expect(emulator.ledger.snapshot().requests["POST /banking/v2/pix"]?.byStatus).toMatchObject({
      "408": 1,
      "413": 1,
      "302": 1,
      "429": 1,
    });
    expect(emulator.ledger.snapshot().rateLimited["POST /banking/v2/pix"]).toBeUndefined();
  });

  it("rate-limit answers 429, with Retry-After when given", async () => {
    await withFault("POST /banking/v2/pix rate-limit retryAfter=7", async () => {
      const res = await api.sendPix(keyPayment());
      expect(res.status).toBe(429);
      expect(res.headers["retry-after"]).toBe("7");
    });
    await withFault("POST /banking/v2/pix rate-limit", async () => {
      const res = await api.sendPix(keyPayment());
      expect(res.status).toBe(429);
      expect(res.headers["retry-after"]).toBeUndefined();
    });
  });

  it("reset-before closes the connection without executing", async () => {
    const before = executions();
    await withFault("POST /banking/v2/pix reset-before", async () => {
      await expect(api.sendPix(keyPayment())).rejects.toThrow();
    });
    expect(executions()).toBe(before);
    expect(emulator.ledger.snapshot().requests["POST /banking/v2/pix"]?.byStatus["reset"]).toBeGreaterThanOrEqual(1);
  });

  it("unauthorized-empty answers 401 with an empty body", async () => {
    await withFault("GET /banking/v2/pix/* unauthorized-empty", async () => {
      const res = await api.getPix(randomUUID());
      expect(res.status).toBe(401);
      expect(res.text).toBe("");
      expect(res.headers["content-length"]).toBe("0");
    });
  });
});

describe("faults after execution: the POST may have succeeded", () => {
  it("reset-after executes, then closes without an answer; the same key then replays", async () => {
    const key = randomUUID();
    const before = executions();
    await withFault("POST /banking/v2/pix reset-after", async () => {
      await expect(api.sendPix(keyPayment(3), key)).rejects.toThrow();
    });
    expect(executions()).toBe(before + 1);
    const retry = await api.sendPix(keyPayment(3), key);
    expect(retry.status).toBe(200);
    expect(emulator.payment(body(retry)["codigoSolicitacao"] as string)?.idempotencyKey).toBe(key);
    expect(emulator.ledger.snapshot().executions.byIdempotencyKey[key]).toBe(1);
  });

  it("timeout-after executes and holds the connection until the client gives up", async () => {
    const c = testCerts();
    const impatient = new Agent({ connect: { cert: c.clientCert, key: c.clientKey, ca: c.ca }, headersTimeout: 100 });
    afterAll(async () => {
      await impatient.destroy();
    });
    const token = await api.token("pagamento-pix.write");
    const before = executions();
    await withFault("POST /banking/v2/pix timeout-after ms=5000", async () => {
      const attempt = request(`${emulator.url}/banking/v2/pix`, {
        method: "POST",
        dispatcher: impatient,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(keyPayment()),
      });
      await expect(attempt).rejects.toThrow(/timeout/i);
    });
    expect(executions()).toBe(before + 1);
    expect(emulator.ledger.snapshot().requests["POST /banking/v2/pix"]?.byStatus["timeout"]).toBe(1);
  });

  it("garbled-200 executes and answers 200 with a body that is not JSON", async () => {
    const before = executions();
    await withFault("POST /banking/v2/pix garbled-200", async () => {
      const res = await api.sendPix(keyPayment());
      expect(res.status).toBe(200);
      expect(() => JSON.parse(res.text) as unknown).toThrow();
    });
    expect(executions()).toBe(before + 1);
  });
});

describe("faults that change what the bank does", () => {
  it("unknown-status makes GET report a status outside Inter's list", async () => {
    const codigo = await paidCodigo();
    await withFault("GET /banking/v2/pix/* unknown-status status=EM_ANALISE", async () => {
      expect(await statusOf(api, codigo)).toBe("EM_ANALISE");
    });
    await withFault("GET /banking/v2/pix/* unknown-status", async () => {
      expect(await statusOf(api, codigo)).toBe("EM_PROCESSAMENTO");
    });
    expect(await statusOf(api, codigo)).toBe("PAGO");
  });

  it("approval-required makes the payment wait for approval", async () => {
    await withFault("POST /banking/v2/pix approval-required", async () => {
      const res = await api.sendPix(keyPayment());
      expect(body(res)["tipoRetorno"]).toBe("APROVACAO");
      expect(await statusOf(api, body(res)["codigoSolicitacao"] as string)).toBe("AGUARDANDO_APROVACAO");
    });
  });

  it("insufficient-balance ends CANCELADO_SEM_SALDO whatever the balance, only for matching bodies", async () => {
    await withFault("POST /banking/v2/pix insufficient-balance body=Saldo", async () => {
      const poor = await api.sendPix(keyPayment(1, "a@example.com", { descricao: "Teste Saldo" }));
      const rich = await api.sendPix(keyPayment(1, "a@example.com", { descricao: "normal" }));
      expect(await statusOf(api, body(poor)["codigoSolicitacao"] as string)).toBe("CANCELADO_SEM_SALDO");
      expect(await statusOf(api, body(rich)["codigoSolicitacao"] as string)).toBe("PAGO");
    });
  });

  it("final-status forces a final failure with the given erros", async () => {
    emulator.faults.clear();
    emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      fault: {
        type: "final-status",
        status: "NAO_DEBITADO",
        erros: [{ codigoErro: "E42", descricaoErro: "Falha emulada" }],
      },
    });
    const codigo = await paidCodigo();
    emulator.faults.clear();
    const tx = body(await api.getPix(codigo))["transacaoPix"] as Record<string, unknown>;
    expect(tx["status"]).toBe("NAO_DEBITADO");
    expect(tx["erros"]).toEqual([{ codigoErro: "E42", descricaoErro: "Falha emulada", codigoErroComplementar: "" }]);
    expect(emulator.payment(codigo)?.debited).toBe(false);
  });

  it("rewrite drops or sets fields of the JSON answer, after the request ran as usual", async () => {
    await withFault("POST /banking/v2/pix rewrite omit=tipoRetorno,dataPagamento", async () => {
      const res = await api.sendPix(keyPayment(2));
      expect(res.status).toBe(200);
      expect(Object.keys(body(res)).sort()).toEqual(["codigoSolicitacao", "dataOperacao"]);
      expect(emulator.payment(body(res)["codigoSolicitacao"] as string)?.amountCents).toBe(200);
    });
    const codigo = await paidCodigo();
    await withFault("GET /banking/v2/pix/* rewrite field=transacaoPix.valor value=999.0", async () => {
      const tx = body(await api.getPix(codigo))["transacaoPix"] as Record<string, unknown>;
      expect(tx).toMatchObject({ valor: 999, status: "PAGO" });
    });
    await withFault("GET /banking/v2/pix/* rewrite field=transacaoPix.extra.nested value=1", async () => {
      expect((body(await api.getPix(codigo))["transacaoPix"] as Record<string, unknown>)["extra"]).toEqual({
        nested: 1,
      });
    });
  });

  it("faults given at start-up apply, and never to the admin routes", async () => {
    const faulty = await emulatorFor({ limits: NO_LIMITS, faults: [{ fault: { type: "status", status: 500 } }] });
    const fapi = apiFor(faulty);
    const res = await fapi.call("POST", "/oauth/v2/token", {
      body: "",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(500);
    expect((await fapi.admin("GET", "/ledger")).status).toBe(200);
    expect(faulty.ledger.snapshot().faults).toEqual({ status: 1 });
  });
});

describe("determinism", () => {
  async function sequence(seed: number): Promise<string> {
    const em = await emulatorFor({ limits: NO_LIMITS, timing: INSTANT, seed });
    const a = apiFor(em);
    await a.token(); // before the rule, so it cannot hit the token call
    em.faults.add(parseFaultRule("POST /banking/v2/pix status status=503 p=0.5"));
    let out = "";
    for (let i = 0; i < 30; i++) out += (await a.sendPix(keyPayment(1))).status === 503 ? "x" : ".";
    return out;
  }

  it("the same seed and request order give the same faults", async () => {
    const [a, b, c] = [await sequence(7), await sequence(7), await sequence(8)];
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).toContain("x");
    expect(a).toContain(".");
  });
});

describe("admin fault routes", () => {
  it("add rules as JSON, {spec}, arrays and text; list and clear them", async () => {
    const admin = apiFor(emulator);
    emulator.faults.clear();
    expect((await admin.admin("POST", "/faults", { fault: { type: "latency", ms: 1 } })).status).toBe(201);
    expect((await admin.admin("POST", "/faults", { spec: "GET /banking/v2/pix/* unknown-status" })).status).toBe(201);
    expect(
      (await admin.admin("POST", "/faults", ["* garbled-200 times=0", { spec: "* reset-after times=0" }])).status,
    ).toBe(201);
    const text = await admin.call("POST", "/_emulator/faults", {
      body: "# comment\nPOST /banking/v2/pix status status=502 times=0\n\n",
      headers: { "content-type": "text/plain" },
    });
    expect(text.status).toBe(201);
    const listed = await admin.admin("GET", "/faults");
    expect((body(listed)["faults"] as { fault: { type: string } }[]).map((r) => r.fault.type)).toEqual([
      "latency",
      "unknown-status",
      "garbled-200",
      "reset-after",
      "status",
    ]);
    const bad = await admin.admin("POST", "/faults", { spec: "* explode" });
    expect(bad.status).toBe(400);
    expect(body(bad)["error"]).toMatch(/unknown fault "explode"/);
    expect((await admin.admin("POST", "/faults", { fault: { type: "status", status: 200 } })).status).toBe(400);
    expect(body(await admin.admin("POST", "/faults", { spec: "* status status=600" }))["error"]).toMatch(/300 to 599/);
    expect((await admin.admin("DELETE", "/faults")).status).toBe(204);
    expect(emulator.faults.list()).toEqual([]);
  });
});
