// The balance guard's estimate in Redis (src/queue/worker/balance-guard.ts): it only ever errs low.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { describe, expect, inject, it } from "vitest";
import { createBalanceGuard } from "../../src/queue/worker/balance-guard.js";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { cleanupAfter } from "../helpers/cleanup.js";

/** A fixed instant, data only: the guard takes the clock as an argument. */
const T = Date.UTC(2026, 5, 1, 12, 0, 0);

function guard(maxAgeMs = 60_000) {
  const redis = new Redis(inject("redisUrl"));
  const prefix = `pixout-test-${randomUUID().slice(0, 8)}`;
  cleanupAfter(async () => {
    redis.disconnect();
    await removeQueueKeys(inject("redisUrl"), prefix);
  });
  return createBalanceGuard(redis, prefix, "payouts", maxAgeMs);
}

describe("the balance guard", () => {
  it("asks for a reading first, then reserves what the reading covers and no more", async () => {
    const g = guard();
    expect(await g.reserve("1", "p1:0", 40_00, T)).toEqual({ kind: "stale" });
    await g.refresh("1", 100_00, T);
    expect(await g.reserve("1", "p1:0", 40_00, T + 1)).toEqual({ kind: "ok" });
    expect(await g.reserve("1", "p1:0", 40_00, T + 2)).toEqual({ kind: "ok" }); // the same send again: no second reservation
    expect(await g.reserve("1", "p2:0", 60_00, T + 3)).toEqual({ kind: "ok" });
    expect(await g.reserve("1", "p3:0", 1, T + 4)).toEqual({ kind: "short", estimateCents: 0 });
    expect(await g.estimate("1")).toEqual({ cents: 0, readAt: T });
    // Another account has its own estimate.
    expect(await g.reserve("2", "p4:0", 1, T + 5)).toEqual({ kind: "stale" });
  });

  it("gives back a send the bank ended unpaid, and counts a paid one until a reading made after it", async () => {
    const g = guard();
    await g.refresh("1", 100_00, T);
    await g.reserve("1", "a:0", 30_00, T + 1);
    await g.reserve("1", "b:0", 30_00, T + 2);
    await g.release("1", "a:0", "unspent", T + 3);
    expect((await g.estimate("1"))?.cents).toBe(70_00);
    await g.release("1", "b:0", "spent", T + 4);
    // Paid after the reading: the reading may not show its debit yet.
    expect((await g.estimate("1"))?.cents).toBe(70_00);
    // A reading asked before it ended does not forget it either; one asked after it does.
    await g.refresh("1", 70_00, T + 3);
    expect((await g.estimate("1"))?.cents).toBe(40_00);
    await g.refresh("1", 70_00, T + 5);
    expect((await g.estimate("1"))?.cents).toBe(70_00);
    // An older reading arriving late never replaces a newer one.
    await g.refresh("1", 999_00, T + 4);
    expect(await g.estimate("1")).toEqual({ cents: 70_00, readAt: T + 5 });
  });

  it("wants a new reading once the last one is older than its maximum age, and drops reservations left a day", async () => {
    const g = guard(10_000);
    await g.refresh("1", 100_00, T);
    expect(await g.reserve("1", "a:0", 10_00, T + 10_001)).toEqual({ kind: "stale" });
    await g.refresh("1", 100_00, T + 10_001);
    expect(await g.reserve("1", "a:0", 10_00, T + 10_002)).toEqual({ kind: "ok" });
    expect((await g.estimate("1"))?.cents).toBe(90_00);
    const day = 24 * 60 * 60_000;
    await g.refresh("1", 100_00, T + 10_002 + day + 1);
    expect((await g.estimate("1"))?.cents).toBe(100_00);
  });

  it("lets one worker read an account's balance at a time", async () => {
    const g = guard();
    expect(await g.takeRead("1", 5_000)).toBe(true);
    expect(await g.takeRead("1", 5_000)).toBe(false);
    expect(await g.takeRead("2", 5_000)).toBe(true);
  });
});
