// POST /oauth/v2/token and the bearer / scope / account checks of /banking/v2 (docs/reference/inter-api.md §2.2,
// §2.4, §6.1).
import { describe, expect, it } from "vitest";
import { DEV_INTEGRATION } from "../../src/emulator/emulator.js";
import { TOKEN_ERROR_STATUS } from "../../src/emulator/token-endpoint.js";
import {
  ALL_SCOPES,
  apiFor,
  body,
  emulatorFor,
  keyPayment,
  manualClock,
  NO_LIMITS,
  TIMESTAMP,
  UUID,
} from "./support.js";
import { containing, matching, objectWith } from "./matchers.js";

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const creds = {
  client_id: DEV_INTEGRATION.clientId,
  client_secret: DEV_INTEGRATION.clientSecret,
  grant_type: "client_credentials",
  scope: ALL_SCOPES,
};

describe("token endpoint", async () => {
  const emulator = await emulatorFor({ limits: NO_LIMITS });
  const api = apiFor(emulator);
  const tokenCall = (fields: Record<string, string>, headers: Record<string, string> = FORM) =>
    api.call("POST", "/oauth/v2/token", { body: new URLSearchParams(fields).toString(), headers });

  it("issues a bearer token for the requested scopes", async () => {
    const res = await tokenCall({ ...creds, scope: "pagamento-pix.write  pagamento-pix.read" });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      access_token: matching(UUID),
      token_type: "Bearer",
      expires_in: 3600,
      scope: "pagamento-pix.write pagamento-pix.read",
    });
  });

  it("accepts only a form body (not JSON, not Basic auth)", async () => {
    const json = await api.call("POST", "/oauth/v2/token", {
      body: JSON.stringify(creds),
      headers: { "content-type": "application/json" },
    });
    expect(json.status).toBe(400);
    expect(body(json)).toMatchObject({
      title: "Dados inválidos.",
      timestamp: matching(TIMESTAMP),
      violacoes: [{ propriedade: "Content-Type" }],
    });
    const basic = await tokenCall(
      { grant_type: "client_credentials", scope: ALL_SCOPES },
      {
        ...FORM,
        authorization: `Basic ${Buffer.from(`${creds.client_id}:${creds.client_secret}`).toString("base64")}`,
      },
    );
    expect(basic.status).toBe(400);
    expect((body(basic)["violacoes"] as { propriedade: string }[]).map((v) => v.propriedade)).toEqual([
      "client_id",
      "client_secret",
    ]);
  });

  it("requires all four fields and grant_type=client_credentials", async () => {
    for (const field of ["client_id", "client_secret", "grant_type", "scope"] as const) {
      const fields = Object.fromEntries(Object.entries(creds).filter(([k]) => k !== field));
      const res = await tokenCall(fields);
      expect(res.status, field).toBe(TOKEN_ERROR_STATUS.malformed);
      expect(body(res)["violacoes"]).toEqual([objectWith({ propriedade: field })]);
    }
    const wrongGrant = await tokenCall({ ...creds, grant_type: "password" });
    expect(wrongGrant.status).toBe(400);
    expect(body(wrongGrant)["violacoes"]).toEqual([objectWith({ propriedade: "grant_type" })]);
  });

  it("refuses wrong credentials and unregistered scopes", async () => {
    const wrongSecret = await tokenCall({ ...creds, client_secret: "nope" });
    expect(wrongSecret.status).toBe(TOKEN_ERROR_STATUS.badCredentials);
    // Inter's token spec has no 401: bad credentials are a 400, in the Problema shape.
    expect(wrongSecret.status).toBe(400);
    expect(body(wrongSecret)).toEqual({
      type: "about:blank",
      title: "Requisição inválida.",
      status: "400",
      detail: "client_id ou client_secret inválido.",
      timestamp: matching(TIMESTAMP),
    });
    expect((await tokenCall({ ...creds, client_id: "someone" })).status).toBe(400);
    const extraScope = await tokenCall({ ...creds, scope: "pagamento-pix.write boleto-cobranca.write" });
    expect(extraScope.status).toBe(TOKEN_ERROR_STATUS.unregisteredScope);
    expect(body(extraScope)["detail"]).toContain("boleto-cobranca.write");
    expect(emulator.ledger.snapshot().tokens.issued).toBe(1);
  });
});

describe("token limits and lifetime", () => {
  it("allows 5 token calls a minute, then 429 with Retry-After; refused calls count too", async () => {
    const clock = manualClock(Date.now());
    const emulator = await emulatorFor({ clock });
    const api = apiFor(emulator);
    const bad = await api.call("POST", "/oauth/v2/token", {
      body: new URLSearchParams({ ...creds, client_secret: "x" }).toString(),
      headers: FORM,
    });
    expect(bad.status).toBe(400);
    for (let i = 0; i < 4; i++) await api.token();
    const sixth = await api.call("POST", "/oauth/v2/token", {
      body: new URLSearchParams(creds).toString(),
      headers: FORM,
    });
    expect(sixth.status).toBe(429);
    expect(sixth.headers["retry-after"]).toBe("60"); // the window opened at the first (refused) call
    const snap = emulator.ledger.snapshot();
    expect(snap.tokens).toEqual({ calls: 6, issued: 4 });
    expect(snap.rateLimited["POST /oauth/v2/token"]).toBe(1);
    clock.advance(60_000);
    await api.token();
  });

  it("scale multiplies the limit", async () => {
    const emulator = await emulatorFor({ limits: { scale: 2 }, clock: manualClock(Date.now()) });
    const api = apiFor(emulator);
    for (let i = 0; i < 10; i++) await api.token();
    await expect(api.token()).rejects.toThrow(/429/);
  });

  it("expired and revoked tokens get 401 with Inter's body", async () => {
    const clock = manualClock(Date.now());
    const emulator = await emulatorFor({ limits: NO_LIMITS, tokenTtlSeconds: 1, clock });
    const api = apiFor(emulator);
    const token = await api.token();
    const get = (t: string) =>
      api.call("GET", "/banking/v2/webhooks/pix-pagamento", { headers: { authorization: `Bearer ${t}` } });
    clock.advance(999);
    expect((await get(token)).status).toBe(404); // authorised; nothing registered
    clock.advance(1); // expires_in elapsed
    const expired = await get(token);
    expect(expired.status).toBe(401);
    expect(body(expired)).toMatchObject({ title: "Acesso negado" });

    const fresh = await api.token();
    expect((await get(fresh)).status).toBe(404);
    emulator.revokeTokens();
    expect((await get(fresh)).status).toBe(401);
  });
});

describe("bearer, scope and account checks", async () => {
  const emulator = await emulatorFor({ limits: NO_LIMITS });
  const api = apiFor(emulator);

  it("401 without a token or with an unknown one", async () => {
    const none = await api.call("POST", "/banking/v2/pix", { body: JSON.stringify(keyPayment()) });
    expect(none.status).toBe(401);
    expect(body(none)).toMatchObject({ title: "Acesso negado", timestamp: matching(TIMESTAMP) });
    const unknown = await api.call("GET", "/banking/v2/pix/8d2c3a52-6f0e-4c52-9a66-1f0c1b0c2d3e", {
      headers: { authorization: "Bearer nope" },
    });
    expect(unknown.status).toBe(401);
    expect(emulator.ledger.snapshot().executions.total).toBe(0);
  });

  it("403 when the token lacks the route's scope", async () => {
    const readOnly = await api.token("pagamento-pix.read");
    const res = await api.call("POST", "/banking/v2/pix", {
      body: JSON.stringify(keyPayment()),
      headers: { authorization: `Bearer ${readOnly}` },
    });
    expect(res.status).toBe(403);
    expect(body(res)).toMatchObject({ title: "Acesso Negado", detail: containing("pagamento-pix.write") });
    const webhookOnly = await api.token("webhook-banking.read");
    const get = await api.call("GET", "/banking/v2/pix/8d2c3a52-6f0e-4c52-9a66-1f0c1b0c2d3e", {
      headers: { authorization: `Bearer ${webhookOnly}` },
    });
    expect(get.status).toBe(403);
  });

  it("x-conta-corrente must match ^[1-9][0-9]*$ and belong to the integration", async () => {
    const bad = await api.sendPix(keyPayment(), undefined, { "x-conta-corrente": "012345678" });
    expect(bad.status).toBe(400);
    expect(body(bad)["violacoes"]).toEqual([
      { razao: 'deve corresponder a "^[1-9][0-9]*$"', propriedade: "x-conta-corrente", valor: "012345678" },
    ]);
    expect((await api.sendPix(keyPayment(), undefined, { "x-conta-corrente": "99999" })).status).toBe(403);
    expect(
      (await api.sendPix(keyPayment(), undefined, { "x-conta-corrente": DEV_INTEGRATION.accounts[0] ?? "" })).status,
    ).toBe(200);
    expect((await api.sendPix(keyPayment())).status).toBe(200); // one account: the header may be omitted
  });

  it("with several accounts the header is required, and each account sees only its payments", async () => {
    const multi = await emulatorFor({
      limits: NO_LIMITS,
      integration: { ...DEV_INTEGRATION, scopes: [...DEV_INTEGRATION.scopes], accounts: ["111", "222"] },
    });
    const mapi = apiFor(multi);
    const missing = await mapi.sendPix(keyPayment());
    expect(missing.status).toBe(400);
    expect(body(missing)["violacoes"]).toEqual([objectWith({ propriedade: "x-conta-corrente" })]);
    const created = await mapi.sendPix(keyPayment(), undefined, { "x-conta-corrente": "111" });
    expect(created.status).toBe(200);
    const codigo = body(created)["codigoSolicitacao"] as string;
    const mine = await mapi.authed("GET", `/banking/v2/pix/${codigo}`, { headers: { "x-conta-corrente": "111" } });
    expect(mine.status).toBe(200);
    expect(body(mine)["transacaoPix"]).toMatchObject({ contaCorrente: "111" });
    const theirs = await mapi.authed("GET", `/banking/v2/pix/${codigo}`, { headers: { "x-conta-corrente": "222" } });
    expect(theirs.status).toBe(404);
  });
});
