// The fleet's account holds in Redis (src/queue/account-holds.ts): joined and made only by a run that holds
// its job's lock, lifted in one step with the list of what waited, and a check of an older hold lifts nothing.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { describe, expect, inject, it } from "vitest";
import { createAccountHolds } from "../../src/queue/account-holds.js";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { bullPrefix } from "../../src/queue/names.js";
import { cleanupAfter } from "../helpers/cleanup.js";

/** A fixed instant, data only. */
const T = Date.UTC(2026, 6, 1, 12, 0, 0);
const WHY = {
  reason: "the bank ended a payment CANCELADO_SEM_SALDO (insufficient balance)",
  source: "bank" as const,
  firstCheckAt: T + 30_000,
};

function setup() {
  const redis = new Redis(inject("redisUrl"));
  const prefix = `pixout-test-${randomUUID().slice(0, 8)}`;
  cleanupAfter(async () => {
    redis.disconnect();
    await removeQueueKeys(inject("redisUrl"), prefix);
  });
  const holds = createAccountHolds(redis, prefix, "payouts");
  /** A run of the payment's job that holds its lock (or, `stale`, one whose lock another run took). */
  const run = async (paymentId: string, stale = false) => {
    const fence = { jobId: `payment-${paymentId}`, token: randomUUID() };
    await redis.set(
      `${bullPrefix(prefix)}:payouts:${fence.jobId}:lock`,
      stale ? "another-run" : fence.token,
      "PX",
      60_000,
    );
    return fence;
  };
  return { redis, holds, run };
}

describe("account holds", () => {
  it("are made and joined only under the job's lock: a stale run writes nothing", async () => {
    const { holds, run } = setup();
    expect(await holds.hold("1", "p1", 10_00, T, WHY, await run("p1", true))).toEqual({ lost: true });
    expect(await holds.list()).toEqual([]);
    const made = await holds.hold("1", "p1", 10_00, T, WHY, await run("p1"));
    expect(made).toMatchObject({ held: true, created: true });
    expect(await holds.check("1", "p2", 30_00, T + 1, await run("p2", true))).toEqual({ lost: true });
    expect(await holds.check("1", "p2", 30_00, T + 1, await run("p2"))).toMatchObject({ held: true, created: false });
    // Another account is not held.
    expect(await holds.check("2", "p3", 5_00, T + 2, await run("p3"))).toEqual({ held: false });
    expect(await holds.list()).toEqual([
      expect.objectContaining({
        account: "1",
        since: T,
        heldPayments: 2,
        heldCents: 40_00,
        oldestCents: 10_00,
        source: "bank",
        nextCheckAt: T + 30_000,
      }),
    ]);
  });

  it("lifts a hold with its list in one step; a check of an older hold lifts nothing", async () => {
    const { holds, run } = setup();
    const first = await holds.hold("1", "p1", 10_00, T, WHY, await run("p1"));
    const id = "held" in first && first.held ? first.id : "";
    await holds.checked("1", id, { at: T + 30_000, nextCheckAt: T + 90_000, spendableCents: 5_00 });
    expect(await holds.read("1")).toMatchObject({ checks: 1, lastSpendableCents: 5_00, nextCheckAt: T + 90_000 });
    expect(await holds.resume("1", "an-older-hold")).toBeUndefined();
    const lifted = await holds.resume("1", id);
    expect(lifted?.paymentIds).toEqual(["p1"]);
    expect(await holds.read("1")).toBeUndefined();
    expect(await holds.list()).toEqual([]);
    await holds.woken("1", ["p1"]);
    expect(await holds.stragglers()).toEqual([]);
    // A new hold has a new id: a check that read the balance for the old one cannot lift it.
    const again = await holds.hold("1", "p2", 10_00, T + 100_000, WHY, await run("p2"));
    expect("held" in again && again.held && again.id !== id).toBe(true);
    expect(await holds.resume("1", id)).toBeUndefined();
    expect(await holds.resume("1")).toMatchObject({ paymentIds: ["p2"] });
  });

  it("keeps the payments of a resume that did not finish waking them listed, for any worker to wake", async () => {
    const { holds, run } = setup();
    const first = await holds.hold("1", "p1", 10_00, T, WHY, await run("p1"));
    await holds.check("1", "p2", 10_00, T + 1, await run("p2"));
    const lifted = await holds.resume("1", "held" in first && first.held ? first.id : "");
    expect(lifted?.paymentIds).toEqual(["p1", "p2"]);
    // The resumer died before waking them: they are still listed, under no hold.
    expect(await holds.stragglers()).toEqual([{ account: "1", paymentIds: ["p1", "p2"] }]);
    // Meanwhile p2 woke by itself and joined a newer hold: waking the stragglers leaves it on that hold's list.
    const newer = await holds.hold("1", "p2", 10_00, T + 2, WHY, await run("p2"));
    expect(await holds.stragglers()).toEqual([]);
    await holds.woken("1", ["p1", "p2"]);
    expect(await holds.read("1")).toMatchObject({
      id: "held" in newer && newer.held ? newer.id : "?",
      heldPayments: 1,
      heldCents: 10_00,
    });
    expect(await holds.resume("1")).toMatchObject({ paymentIds: ["p2"] });
    await holds.woken("1", ["p2"]);
    expect(await holds.stragglers()).toEqual([]);
    expect(await holds.list()).toEqual([]);
  });
});
