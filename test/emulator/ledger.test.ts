// The ledger (the ground truth benchmarks and the chaos suite read) and the remaining admin routes.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { LedgerSnapshot } from "../../src/emulator/emulator.js";
import { apiFor, body, emulatorFor, keyPayment, NO_LIMITS } from "./support.js";

describe("ledger", () => {
  it("counts requests per route and status, tokens, executions, payments and TLS", async () => {
    const emulator = await emulatorFor({
      limits: { ...NO_LIMITS, token: 5 },
      timing: { sentAfterMs: 0, paidAfterMs: 0 },
      balanceCents: 500,
    });
    const api = apiFor(emulator);
    const key = randomUUID();
    const first = await api.sendPix(keyPayment(2), key);
    await api.sendPix(keyPayment(2), key); // replay
    await api.sendPix(keyPayment(9), key); // conflict
    await api.sendPix(keyPayment(9)); // no key; too big for the balance left
    await api.sendPix({ valor: 0, destinatario: { tipo: "CHAVE", chave: "a@example.com" } });
    await api.getPix(body(first)["codigoSolicitacao"] as string);
    await api.getPix(randomUUID());

    const res = await api.admin("GET", "/ledger");
    expect(res.status).toBe(200);
    const snap = res.json as LedgerSnapshot;
    expect(snap.requests).toEqual({
      "POST /oauth/v2/token": { total: 1, byStatus: { "200": 1 } },
      "POST /banking/v2/pix": { total: 5, byStatus: { "200": 3, "409": 1, "400": 1 } },
      "GET /banking/v2/pix/{id}": { total: 2, byStatus: { "200": 1, "404": 1 } },
    });
    expect(snap.tokens).toEqual({ calls: 1, issued: 1 });
    expect(snap.executions).toEqual({
      total: 2,
      withoutIdempotencyKey: 1,
      byIdempotencyKey: { [key]: 1 },
      keysExecutedMoreThanOnce: 0,
      replays: 1,
      conflicts: 1,
    });
    expect(snap.payments).toEqual({
      total: 2,
      byStatus: { PAGO: 1, CANCELADO_SEM_SALDO: 1 },
      balanceCents: 300,
      balances: { "12345678": 300 },
      debitedCents: 200,
    });
    expect(snap.tls.handshakes.full + snap.tls.handshakes.resumed).toBe(snap.tls.connections);
    expect(snap.tls.connections).toBeGreaterThanOrEqual(1);
    expect(snap.callbacks).toEqual({ attempts: 0, delivered: 0, failed: 0, exhausted: 0 });
    expect(snap.rateLimited).toEqual({});
    // Admin calls are not Inter calls: they are not in the ledger.
    expect(Object.keys(snap.requests).some((k) => k.includes("_emulator"))).toBe(false);
  });

  it("reset-ledger zeroes the counters but keeps payments and balance", async () => {
    const emulator = await emulatorFor({ limits: NO_LIMITS, timing: { sentAfterMs: 0, paidAfterMs: 0 } });
    const api = apiFor(emulator);
    await api.sendPix(keyPayment(1));
    expect((await api.admin("POST", "/reset-ledger")).status).toBe(204);
    const snap = emulator.ledger.snapshot();
    expect(snap.requests).toEqual({});
    expect(snap.executions.total).toBe(0);
    expect(snap.tls.connections).toBe(0);
    expect(snap.payments.total).toBe(1);
    emulator.ledger.reset();
    expect(emulator.ledger.snapshot().payments.byStatus).toEqual({ PAGO: 1 });
  });

  it("admin revoke-tokens makes the next call a 401; payment views are served", async () => {
    const emulator = await emulatorFor({ limits: NO_LIMITS, timing: { sentAfterMs: 0, paidAfterMs: 0 } });
    const api = apiFor(emulator);
    const key = randomUUID();
    const codigo = body(await api.sendPix(keyPayment(4.2, "+5511987654321"), key))["codigoSolicitacao"] as string;
    const view = await api.admin("GET", `/payments/${codigo}`);
    expect(view.json).toMatchObject({
      codigoSolicitacao: codigo,
      status: "PAGO",
      final: true,
      amountCents: 420,
      idempotencyKey: key,
      recipient: { tipo: "CHAVE", chave: "+5511987654321" },
      debited: true,
    });
    expect((await api.admin("GET", `/payments/${randomUUID()}`)).status).toBe(404);
    expect((await api.admin("POST", "/revoke-tokens")).status).toBe(204);
    expect((await api.getPix(codigo)).status).toBe(401);
  });
});
