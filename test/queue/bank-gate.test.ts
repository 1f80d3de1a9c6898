// The fleet's budgets as the bank client's gate (commands that call the bank outside a job), against the
// real Redis: calls are spaced at the budget, a 429 holds every caller back, and a wait beyond the
// caller's bound is refused rather than sat out.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { INTER_ENVIRONMENTS } from "../../src/inter/environments.js";
import { BudgetBusyError, budgetGate } from "../../src/queue/worker/bank-gate.js";
import { createBudgets } from "../../src/queue/worker/budgets.js";
import { removeIntegrationKeys } from "../../src/queue/cleanup.js";

const redis = new Redis(inject("redisUrl"));
const integrations: { baseUrl: string; clientId: string }[] = [];
afterAll(async () => {
  for (const i of integrations) await removeIntegrationKeys(inject("redisUrl"), i);
  redis.disconnect();
});

function integrated(): { baseUrl: string; clientId: string } {
  const i = { baseUrl: `https://bank-${randomUUID()}`, clientId: "client" };
  integrations.push(i);
  return i;
}

// 300 callbacks listings a minute: 200 ms apart (with no margin).
const budgets = (limits: Partial<typeof INTER_ENVIRONMENTS.production.limits> = {}) =>
  createBudgets(redis, integrated(), {
    ...INTER_ENVIRONMENTS.production.limits,
    callbacksPerMinute: 300,
    marginPercent: 0,
    ...limits,
  });

describe("budget gate", () => {
  it("spaces calls of one budget, across gates sharing Redis", async () => {
    const b = budgets();
    const one = budgetGate(b, { maxWaitMs: 5_000, maxBankWaitMs: 300_000 });
    const other = budgetGate(b, { maxWaitMs: 5_000, maxBankWaitMs: 300_000 });
    const waits: number[] = [];
    const waiting = budgetGate(b, { maxWaitMs: 5_000, maxBankWaitMs: 300_000, onWait: (_op, ms) => waits.push(ms) });
    const started = performance.now();
    await one.before("webhook-callbacks", 1);
    await other.before("webhook-callbacks", 1);
    await waiting.before("webhook-callbacks", 1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    expect(waits.length).toBeGreaterThan(0);
    // Another budget is not held back by this one.
    const t = performance.now();
    await one.before("webhook-get", 1);
    expect(performance.now() - t).toBeLessThan(150);
  });

  it("a 429 holds every caller back for Retry-After; a wait beyond the bound is refused", async () => {
    const b = budgets();
    const gate = budgetGate(b, { maxWaitMs: 1_000, maxBankWaitMs: 300_000 });
    await gate.rateLimited?.("webhook-callbacks", 5_000);
    await expect(
      budgetGate(b, { maxWaitMs: 1_000, maxBankWaitMs: 300_000 }).before("webhook-callbacks", 1),
    ).rejects.toThrow(BudgetBusyError);
    await expect(gate.before("webhook-callbacks", 1)).rejects.toThrow(
      /the fleet's callbacks budget is taken for the next 5 s/,
    );
  });

  it("a 429 asking for a month holds the budget back only PIXOUT_MAX_BANK_WAIT_SECONDS", async () => {
    const b = budgets();
    await budgetGate(b, { maxWaitMs: 1_000, maxBankWaitMs: 3_000 }).rateLimited?.("webhook-callbacks", 30 * 86_400_000);
    const wait = await b.gate("callbacks");
    expect(wait).toBeGreaterThan(2_000);
    expect(wait).toBeLessThanOrEqual(3_000);
  });

  it("refuses at once an endpoint the environment does not have", async () => {
    const b = budgets(INTER_ENVIRONMENTS.sandbox.limits);
    await expect(
      budgetGate(b, { maxWaitMs: 60_000, maxBankWaitMs: 300_000 }).before("webhook-callbacks-retry", 1),
    ).rejects.toThrow(/this environment has no such endpoint/);
  });
});
