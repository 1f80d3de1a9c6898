// Tokens that expire every few seconds, many concurrent jobs in two worker processes: for the whole fleet,
// one token call each time a token is replaced (at half its life, the margin's cap), and never a request
// with an expired token: Inter's 5 token calls a minute are the whole fleet's (docs/design.md §2.7).
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { startWorkerProcess } from "../helpers/worker-process.js";
import { startPipeline } from "../helpers/pipeline.js";

const TTL_S = 3;

describe("tokens under stress", async () => {
  const p = await startPipeline({
    worker: false,
    emulator: { tokenTtlSeconds: TTL_S, timing: { sentAfterMs: 100, paidAfterMs: 400 } },
  });

  it("makes one token call per replacement (every half lifetime) for the fleet, never sends an expired token", async () => {
    const env = {
      ...p.env,
      LOG_LEVEL: "warn",
      PIXOUT_SEND_PER_MINUTE: "1200",
      PIXOUT_SEND_MIN_INTERVAL_MS: "50",
      PIXOUT_CONCURRENCY: "16",
    };
    const workers = [0, 1].map(() => startWorkerProcess(env));
    const started = Date.now();
    const ids = Array.from({ length: 150 }, (_, i) => `tok-${String(i)}`);
    await p.producer.enqueueMany(
      ids.map((id) => ({ paymentId: id, amount: "1.00", recipient: { type: "key", key: "fornecedor@example.com" } })),
    );
    for (const id of ids) expect((await p.producer.waitForResult(id, { timeoutMs: 60_000 })).outcome).toBe("paid");
    const elapsed = Date.now() - started;
    const ledger = p.emulator.ledger.snapshot();
    const unauthorized = Object.values(ledger.requests).reduce((n, r) => n + (r.byStatus["401"] ?? 0), 0);
    expect(unauthorized).toBe(0);
    // A token is replaced when half its life is left (the margin is capped at half the lifetime).
    const lifetimes = Math.ceil(elapsed / ((TTL_S * 1000) / 2)) + 1;
    expect(elapsed).toBeGreaterThan(2 * TTL_S * 1000); // several lifetimes, or the test proves nothing
    expect(ledger.tokens.calls).toBeGreaterThanOrEqual(2);
    expect(ledger.tokens.calls).toBeLessThanOrEqual(lifetimes);
    for (const w of workers) w.kill("SIGTERM");
    await Promise.all(workers.map((w) => once(w, "exit")));
  }, 90_000);
});
