// Waits the bank imposes, and calls the bank's limits count: a Retry-After is never obeyed beyond the cap
// (from a 429 to a send, or to the token call), the payment says what it waits for, and a resend after a
// 401 passes the fleet's gate like any other call.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { startPipeline } from "../helpers/pipeline.js";

const payment = (id: string) => ({
  paymentId: id,
  amount: "10.00",
  description: id,
  recipient: { type: "key", key: "fornecedor@example.com" },
});

describe("waits the bank imposes", () => {
  it("a 429 asking for a month waits the cap (PIXOUT_MAX_BANK_WAIT_SECONDS), saying so, then pays", async () => {
    const p = await startPipeline({ env: { PIXOUT_MAX_BANK_WAIT_SECONDS: "2" } });
    const id = `month-${randomUUID().slice(0, 8)}`;
    p.emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: id,
      times: 1,
      fault: { type: "rate-limit", retryAfterSeconds: 2_592_000 },
    });
    await p.producer.enqueue(payment(id));
    let waiting;
    for (let i = 0; i < 100; i++) {
      waiting = await p.producer.get(id);
      if (waiting?.lastError?.code === "INTER_RATE_LIMITED") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(waiting).toMatchObject({
      outcome: "queued",
      jobState: "delayed",
      lastError: { code: "INTER_RATE_LIMITED" },
      waitingFor: { why: "rate-limited" },
    });
    const until = Date.parse(waiting?.waitingFor?.until ?? "");
    expect(until - Date.now()).toBeLessThan(2_300);
    const view = await p.producer.waitForResult(id, { timeoutMs: 10_000 });
    expect(view.outcome).toBe("paid");
    expect(view.waitingFor).toBeNull();
    expect(p.lines.some((l) => l.includes("asked to wait longer than PIXOUT_MAX_BANK_WAIT_SECONDS"))).toBe(true);
  });

  it("a token call answered 429 with a month's Retry-After holds the fleet back only for the cap", async () => {
    const p = await startPipeline({
      env: { PIXOUT_MAX_BANK_WAIT_SECONDS: "2" },
      emulator: {
        faults: [
          {
            method: "POST",
            path: "/oauth/v2/token",
            times: 1,
            fault: { type: "rate-limit", retryAfterSeconds: 2_592_000 },
          },
        ],
      },
    });
    const id = `token-${randomUUID().slice(0, 8)}`;
    await p.producer.enqueue(payment(id));
    const view = await p.producer.waitForResult(id, { timeoutMs: 15_000 });
    expect(view.outcome).toBe("paid");
    expect(p.emulator.ledger.snapshot().requests["POST /oauth/v2/token"]?.byStatus).toMatchObject({
      "429": 1,
      "200": 1,
    });
  });

  it("a resend after a 401 passes the fleet's gate: Inter's 1-send-a-second limit is never crossed", async () => {
    // Inter's real limits in the emulator, and the worker's budgets at Inter's (2 % margin).
    const p = await startPipeline({
      emulator: {
        limits: { token: 0, send: 60, sendPerSecond: 1, status: 0, webhook: 0, callbacks: 0, callbackRetry: 0 },
        // The second send is refused once for its token: a new token (which takes the bank 300 ms), then the
        // same send again — later than the moment its gate recorded, so that the next send, passing the gate
        // a full second after that moment, would reach the bank less than a second after the resend.
        faults: [
          {
            method: "POST",
            path: "/banking/v2/pix",
            bodyIncludes: "refused-once",
            times: 1,
            fault: { type: "unauthorized-empty" },
          },
          { method: "POST", path: "/oauth/v2/token", fault: { type: "latency", ms: 300 } },
        ],
      },
      env: { PIXOUT_SEND_PER_MINUTE: "60", PIXOUT_SEND_MIN_INTERVAL_MS: "1000", PIXOUT_TOKEN_PER_MINUTE: "600" },
    });
    const ids = Array.from({ length: 6 }, (_, i) => `gate-${String(i)}-${randomUUID().slice(0, 6)}`);
    for (const [i, id] of ids.entries())
      await p.producer.enqueue({ ...payment(id), description: i === 1 ? `${id} refused-once` : id });
    for (const id of ids) expect((await p.producer.waitForResult(id, { timeoutMs: 30_000 })).outcome).toBe("paid");
    const snap = p.emulator.ledger.snapshot();
    expect(snap.requests["POST /banking/v2/pix"]?.byStatus["401"]).toBe(1);
    expect(snap.rateLimited["POST /banking/v2/pix"] ?? 0).toBe(0);
    expect(snap.executions.total).toBe(6);
  }, 60_000);

  it("Inter's 503s (maintenance) use no attempt: three in a row, with two attempts allowed, and it is paid once", async () => {
    const p = await startPipeline({ env: { PIXOUT_MAX_ATTEMPTS: "2" } });
    const id = `maint-${randomUUID().slice(0, 8)}`;
    p.emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: id,
      times: 3,
      fault: { type: "status", status: 503 },
    });
    await p.producer.enqueue(payment(id));
    const view = await p.producer.waitForResult(id, { timeoutMs: 30_000 });
    expect(view.outcome).toBe("paid");
    const snap = p.emulator.ledger.snapshot();
    expect(snap.requests["POST /banking/v2/pix"]?.byStatus).toMatchObject({ "503": 3, "200": 1 });
    expect(snap.executions.byIdempotencyKey[view.idempotencyKey ?? ""]).toBe(1);
  }, 40_000);
});
