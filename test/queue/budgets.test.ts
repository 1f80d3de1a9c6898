// The fleet-wide budgets against the real Redis: reservations are spaced, never shared, and a 429
// pushes the whole schedule back.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { budgetIntervals, createBudgets } from "../../src/queue/budgets.js";

const redis = new Redis(inject("redisUrl"));
afterAll(async () => {
  const keys = await redis.keys("pixout-test-budgets-*");
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});
const INTER = { sendPerMinute: 60, sendMinIntervalMs: 1000, statusPerMinute: 20, tokenPerMinute: 5, marginPercent: 2 };
const fresh = (settings = INTER) => createBudgets(redis, `pixout-test-budgets-${randomUUID()}`, "https://bank\nclient", settings);

describe("budgets", () => {
  it("spaces Inter's limits with the margin", () => {
    expect(budgetIntervals(INTER)).toEqual({ send: 1020, status: 3060, token: 12_240 });
    expect(budgetIntervals({ ...INTER, sendPerMinute: 30 }).send).toBe(2040);
    expect(budgetIntervals({ ...INTER, marginPercent: 0, sendMinIntervalMs: 0, sendPerMinute: 600 }).send).toBe(100);
  });

  it("the gate keeps actual calls at least the bank's interval apart, whatever the reservations", async () => {
    const b = fresh();
    expect(await b.gate("send")).toBe(0);
    const wait = await b.gate("send");
    expect(wait).toBeGreaterThan(950);
    expect(wait).toBeLessThanOrEqual(1000);
    expect(await b.gate("status")).toBe(0);
  });

  it("gives 50 concurrent reservations 50 distinct slots, one interval apart", async () => {
    const b = fresh();
    const waits = await Promise.all(Array.from({ length: 50 }, () => b.reserve("send")));
    const sorted = [...waits].sort((x, y) => x - y);
    expect(sorted[0]).toBe(0);
    // Each slot is one interval after the previous one (to the millisecond of Redis' clock, give or take
    // the time the 50 calls took to arrive).
    for (let i = 1; i < sorted.length; i++) {
      const gap = (sorted[i] ?? 0) - (sorted[i - 1] ?? 0);
      expect(gap).toBeGreaterThan(1020 - 25);
      expect(gap).toBeLessThanOrEqual(1020);
    }
    expect(sorted.at(-1)).toBeGreaterThan(49 * 1020 - 100);
  });

  it("tryTake takes a free slot only, without reserving the future", async () => {
    const b = fresh();
    expect(await b.tryTake("token")).toBe(0);
    const wait = await b.tryTake("token");
    expect(wait).toBeGreaterThan(12_000);
    // Asking again does not push the next free moment further.
    expect(Math.abs((await b.tryTake("token")) - wait)).toBeLessThan(50);
  });

  it("a penalty (the bank's 429) moves the whole schedule back; budgets of other integrations are separate", async () => {
    const b = fresh();
    await b.penalize("status", 30_000);
    expect(await b.reserve("status")).toBeGreaterThan(29_000);
    expect(await b.reserve("send")).toBe(0);
    const prefix = `pixout-test-budgets-${randomUUID()}`;
    const one = createBudgets(redis, prefix, "https://bank\nclient-a", INTER);
    const two = createBudgets(redis, prefix, "https://bank\nclient-b", INTER);
    expect(await one.reserve("send")).toBe(0);
    expect(await two.reserve("send")).toBe(0);
    expect(await one.reserve("send")).toBeGreaterThan(900);
  });
});
