// The fleet-wide budgets against the real Redis: reservations are spaced and never shared, the gate
// keeps actual calls apart, and a 429 holds the whole fleet back, held slots included.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { INTER_ENVIRONMENTS } from "../../src/inter/environments.js";
import type { Integration } from "../../src/inter/integration-keys.js";
import { budgetIntervals, createBudgets } from "../../src/queue/worker/budgets.js";
import { removeIntegrationKeys } from "../../src/queue/cleanup.js";

const redis = new Redis(inject("redisUrl"));
const integrations: Integration[] = [];
afterAll(async () => {
  for (const i of integrations) await removeIntegrationKeys(inject("redisUrl"), i);
  redis.disconnect();
});
/** An integration of the test's own: budgets are keyed by integration. */
const integration = (): Integration => {
  const i = { baseUrl: `https://bank-${randomUUID()}`, clientId: "client" };
  integrations.push(i);
  return i;
};
const INTER = { ...INTER_ENVIRONMENTS.production.limits, marginPercent: 2 };
const fresh = (horizonMs?: number) => createBudgets(redis, integration(), INTER, horizonMs);
const waitOf = async (p: Promise<{ reserved: boolean; waitMs: number }>): Promise<number> => {
  const r = await p;
  expect(r.reserved).toBe(true);
  return r.waitMs;
};

describe("budgets", () => {
  it("spaces Inter's limits with the margin", () => {
    expect(budgetIntervals(INTER)).toEqual({
      send: 1020,
      status: 3060,
      token: 12_240,
      webhookPut: 6120,
      webhookGet: 6120,
      webhookDelete: 6120,
      callbacks: 6120,
      callbackRetry: 12_240,
      // Statement and balance: 10 a minute each, in both environments.
      statement: 6120,
      balance: 6120,
    });
    // The sandbox: 10 sends and 10 status queries a minute, and no callback re-send at all.
    const sandbox = budgetIntervals({ ...INTER_ENVIRONMENTS.sandbox.limits, marginPercent: 2 });
    expect(sandbox).toMatchObject({
      send: 6120,
      status: 6120,
      token: 12_240,
      callbacks: 6120,
      callbackRetry: Infinity,
      statement: 6120,
      balance: 6120,
    });
    expect(budgetIntervals({ ...INTER, sendPerMinute: 30 }).send).toBe(2040);
    expect(budgetIntervals({ ...INTER, marginPercent: 0, sendMinIntervalMs: 0, sendPerMinute: 600 }).send).toBe(100);
  });

  it("refuses to take from a budget of 0 a minute, without asking Redis", async () => {
    const b = createBudgets(redis, integration(), { ...INTER_ENVIRONMENTS.sandbox.limits, marginPercent: 2 });
    await expect(b.gate("callbackRetry")).rejects.toThrow(/callbackRetry budget is 0 a minute/);
    expect(b.intervalMs("callbackRetry")).toBe(Infinity);
  });

  it("gives 50 concurrent reservations 50 distinct slots, one interval apart", async () => {
    const b = fresh();
    const waits = await Promise.all(Array.from({ length: 50 }, () => waitOf(b.reserveAndGate("send"))));
    const sorted = [...waits].sort((x, y) => x - y);
    expect(sorted[0]).toBe(0);
    // One interval apart, give or take the few ms between the 50 calls' arrival at Redis.
    for (let i = 1; i < sorted.length; i++) {
      const gap = (sorted[i] ?? 0) - (sorted[i - 1] ?? 0);
      expect(gap).toBeGreaterThan(1020 - 25);
      expect(gap).toBeLessThanOrEqual(1020);
    }
  });

  it("reserves no further than the horizon", async () => {
    const b = fresh(3000);
    const waits = [];
    for (let i = 0; i < 3; i++) waits.push(await waitOf(b.reserveAndGate("send")));
    expect(waits[2]).toBeGreaterThan(1990);
    const beyond = await b.reserveAndGate("send");
    expect(beyond.reserved).toBe(false);
    expect(beyond.waitMs).toBeGreaterThan(3000);
    // Asking beyond the horizon did not take a slot: the next free moment is unchanged.
    expect(Math.abs((await b.reserveAndGate("send")).waitMs - beyond.waitMs)).toBeLessThan(50);
  });

  it("the gate keeps actual calls a full interval apart", async () => {
    const b = fresh();
    const first = Date.now();
    expect(await b.gate("send")).toBe(0);
    const wait = await b.gate("send");
    expect(Date.now() - first + wait).toBeGreaterThanOrEqual(1_019); // (Redis and Node clocks, ms apart)
    expect(wait).toBeLessThanOrEqual(1_020);
    expect(await b.gate("status")).toBe(0);
  });

  it("reserveAndGate passes the gate in the same step only when the slot is now and the gate is open", async () => {
    const b = fresh();
    expect(await b.reserveAndGate("send")).toEqual({ reserved: true, waitMs: 0, gateMs: 0 });
    // The next slot is an interval away: reserved, gate not checked.
    const later = await b.reserveAndGate("send");
    expect(later.gateMs).toBeUndefined();
    expect(later.waitMs).toBeGreaterThan(970);
    // A slot free now while the fleet's last call is recent (a late job took the gate): the gate's wait.
    const c = fresh();
    expect(await c.gate("status")).toBe(0);
    const now = await c.reserveAndGate("status");
    expect(now).toMatchObject({ reserved: true, waitMs: 0 });
    expect(now.gateMs).toBeGreaterThan(3_000);
    // Beyond the horizon: nothing reserved, as for a later slot.
    const d = fresh(1_500);
    for (let i = 0; i < 2; i++) await d.reserveAndGate("send");
    expect((await d.reserveAndGate("send")).reserved).toBe(false);
  });

  it("tryTake takes a free slot only, without reserving the future", async () => {
    const b = fresh();
    expect(await b.tryTake("token")).toBe(0);
    const wait = await b.tryTake("token");
    expect(wait).toBeGreaterThan(12_000);
    expect(Math.abs((await b.tryTake("token")) - wait)).toBeLessThan(50);
  });

  it("a penalty (the bank's 429) holds back new reservations and slots already held", async () => {
    const b = fresh();
    expect(await waitOf(b.reserveAndGate("status"))).toBe(0); // a slot held for now
    await b.penalize("status", 30_000);
    expect(await b.gate("status")).toBeGreaterThan(29_000);
    expect(await waitOf(b.reserveAndGate("status"))).toBeGreaterThan(29_000);
    expect(await waitOf(b.reserveAndGate("send"))).toBe(0);
  });

  it("keeps the budgets of two integrations apart, and shares one integration's across deployments", async () => {
    const a = integration();
    const one = createBudgets(redis, a, INTER);
    const two = createBudgets(redis, { ...integration(), baseUrl: a.baseUrl, clientId: "client-b" }, INTER);
    expect(await waitOf(one.reserveAndGate("send"))).toBe(0);
    expect(await waitOf(two.reserveAndGate("send"))).toBe(0);
    expect(await waitOf(one.reserveAndGate("send"))).toBeGreaterThan(900);
    // Another deployment (its own PIXOUT_REDIS_PREFIX and queue) on the same integration: the same limits.
    const otherDeployment = createBudgets(redis, { ...a }, INTER);
    expect(await waitOf(otherDeployment.reserveAndGate("send"))).toBeGreaterThan(1900);
  });
});
