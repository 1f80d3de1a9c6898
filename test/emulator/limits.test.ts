// Inter's rate limits (docs/reference/inter-api.md §6.2): 429 with Retry-After, counted in the ledger, configurable
// and scalable.
// Windows are fixed and run on the emulator's clock; these tests hold the clock still (manualClock), so a
// window is anchored at a known instant and stays open however slowly a loaded machine sends — then
// move it to the window's end to see the quota come back.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { apiFor, emulatorFor, keyPayment, manualClock, NO_LIMITS, type ApiResponse } from "./support.js";

function retryAfter(res: ApiResponse): number {
  return Number(res.headers["retry-after"]);
}

describe("send limits", () => {
  it("at most 1 send per second by default", async () => {
    const clock = manualClock(Date.now());
    const emulator = await emulatorFor({ clock });
    const api = apiFor(emulator);
    const first = await api.sendPix(keyPayment());
    const second = await api.sendPix(keyPayment());
    expect(first.status).toBe(200);
    expect(second.status).toBe(429);
    expect(retryAfter(second)).toBe(1);
    clock.advance(999);
    expect((await api.sendPix(keyPayment())).status).toBe(429);
    clock.advance(1); // one second after the window's first call
    expect((await api.sendPix(keyPayment())).status).toBe(200);
    const snap = emulator.ledger.snapshot();
    expect(snap.rateLimited["POST /banking/v2/pix"]).toBe(2);
    expect(snap.executions.total).toBe(2);
  });

  it("at most 60 sends a minute when the per-second limit is lifted; a 429 executes nothing", async () => {
    const clock = manualClock(Date.now());
    const emulator = await emulatorFor({
      limits: { sendPerSecond: 0 },
      timing: { sentAfterMs: 0, paidAfterMs: 0 },
      clock,
    });
    const api = apiFor(emulator);
    const statuses = await Promise.all(
      Array.from({ length: 61 }, () => api.sendPix(keyPayment(1), randomUUID()).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(60);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    const snap = emulator.ledger.snapshot();
    expect(snap.executions.total).toBe(60);
    expect(snap.requests["POST /banking/v2/pix"]?.byStatus).toEqual({ "200": 60, "429": 1 });
    clock.advance(30_000);
    const again = await api.sendPix(keyPayment(1));
    expect(again.status).toBe(429);
    expect(retryAfter(again)).toBe(30);
    clock.advance(29_999);
    expect(retryAfter(await api.sendPix(keyPayment(1)))).toBe(1);
    clock.advance(1);
    expect((await api.sendPix(keyPayment(1))).status).toBe(200);
  });

  it("scale 10 gives 10 sends a second", async () => {
    const clock = manualClock(Date.now());
    const emulator = await emulatorFor({ limits: { scale: 10 }, clock });
    const api = apiFor(emulator);
    const statuses = await Promise.all(
      Array.from({ length: 11 }, () => api.sendPix(keyPayment(1)).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    clock.advance(999);
    expect((await api.sendPix(keyPayment(1))).status).toBe(429);
    clock.advance(1);
    const next = await Promise.all(Array.from({ length: 11 }, () => api.sendPix(keyPayment(1)).then((r) => r.status)));
    expect(next.filter((s) => s === 200)).toHaveLength(10);
    expect(emulator.ledger.snapshot().executions.total).toBe(20);
  });
});

describe("other limits", () => {
  it("status queries: 20 a minute", async () => {
    const emulator = await emulatorFor({ limits: { ...NO_LIMITS, status: 20 }, clock: manualClock(Date.now()) });
    const api = apiFor(emulator);
    const id = randomUUID();
    const statuses = await Promise.all(Array.from({ length: 21 }, () => api.getPix(id).then((r) => r.status)));
    expect(statuses.filter((s) => s === 404)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    expect(emulator.ledger.snapshot().rateLimited["GET /banking/v2/pix/{id}"]).toBe(1);
  });

  it("webhook registration, callbacks listing and retry have their own budgets", async () => {
    const emulator = await emulatorFor({
      limits: { ...NO_LIMITS, webhook: 10, callbacks: 10, callbackRetry: 5 },
      clock: manualClock(Date.now()),
    });
    const api = apiFor(emulator);
    const hook = await Promise.all(
      Array.from({ length: 11 }, () => api.authed("GET", "/banking/v2/webhooks/pix-pagamento").then((r) => r.status)),
    );
    expect(hook.filter((s) => s === 429)).toHaveLength(1);
    // PUT and DELETE each have 10 a minute of their own: the GETs above took none of theirs.
    const put = await Promise.all(
      Array.from({ length: 11 }, () =>
        api
          .authed("PUT", "/banking/v2/webhooks/pix-pagamento", {
            json: { webhookUrl: "https://hooks.example.com/pix" },
          })
          .then((r) => r.status),
      ),
    );
    expect(put.filter((s) => s === 204)).toHaveLength(10);
    expect(put.filter((s) => s === 429)).toHaveLength(1);
    const del = await Promise.all(
      Array.from({ length: 11 }, () =>
        api.authed("DELETE", "/banking/v2/webhooks/pix-pagamento").then((r) => r.status),
      ),
    );
    expect(del.filter((s) => s === 429)).toHaveLength(1);
    expect(del.filter((s) => s === 204)).toHaveLength(1);
    const range = "dataHoraInicio=2020-01-01T00:00Z&dataHoraFim=2100-01-01T00:00Z";
    const list = await Promise.all(
      Array.from({ length: 11 }, () =>
        api.authed("GET", `/banking/v2/webhooks/pix-pagamento/callbacks?${range}`).then((r) => r.status),
      ),
    );
    expect(list.filter((s) => s === 429)).toHaveLength(1);
    const retry = await Promise.all(
      Array.from({ length: 6 }, () =>
        api
          .authed("POST", "/banking/v2/webhooks/pix-pagamento/callbacks/retry", {
            json: { codigoSolicitacao: [randomUUID()] },
          })
          .then((r) => r.status),
      ),
    );
    expect(retry.filter((s) => s === 429)).toHaveLength(1);
  });

  it("0 and Infinity disable a limit", async () => {
    const emulator = await emulatorFor({
      limits: { send: Infinity, sendPerSecond: 0 },
      clock: manualClock(Date.now()),
    });
    const api = apiFor(emulator);
    const statuses = await Promise.all(
      Array.from({ length: 80 }, () => api.sendPix(keyPayment(1)).then((r) => r.status)),
    );
    expect(new Set(statuses)).toEqual(new Set([200]));
  });
});

describe("the sandbox", () => {
  it("allows 10 sends and 10 status queries a minute, and has no callback re-send", async () => {
    const clock = manualClock(Date.now());
    const emulator = await emulatorFor({ environment: "sandbox", timing: { sentAfterMs: 0, paidAfterMs: 0 }, clock });
    const api = apiFor(emulator);
    // No per-second limit is published for the sandbox: a burst of 11 gets 10 through.
    const sends = await Promise.all(
      Array.from({ length: 11 }, () => api.sendPix(keyPayment(1), randomUUID()).then((r) => r.status)),
    );
    expect(sends.filter((s) => s === 200)).toHaveLength(10);
    expect(sends.filter((s) => s === 429)).toHaveLength(1);
    const id = randomUUID();
    const queries = await Promise.all(Array.from({ length: 11 }, () => api.getPix(id).then((r) => r.status)));
    expect(queries.filter((s) => s === 429)).toHaveLength(1);
    const retry = await api.authed("POST", "/banking/v2/webhooks/pix-pagamento/callbacks/retry", {
      json: { codigoSolicitacao: [randomUUID()] },
    });
    expect(retry.status).toBe(404);
    clock.advance(60_000);
    expect((await api.sendPix(keyPayment(1), randomUUID())).status).toBe(200);
  });
});
