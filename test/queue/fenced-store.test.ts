// The fenced store against the real Redis: a run's claim on its payment's record, and writes that only the
// holder of the job's lock can make (src/queue/fenced-store.ts).
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { createFencedStore } from "../../src/queue/fenced-store.js";
import { createPaymentRecords, paymentRecordKey } from "../../src/queue/payment-record.js";

const redis = new Redis(inject("redisUrl"));
const prefix = `pixout-test-${randomUUID().slice(0, 8)}`;
const queueName = "fenced";
afterAll(async () => {
  await removeQueueKeys(inject("redisUrl"), prefix);
  redis.disconnect();
});
const records = createPaymentRecords(redis, prefix, queueName);
const store = createFencedStore(redis, prefix, queueName, async (id) => (await records.read([id]))[0], 400);
const jobKey = (id: string): string => `{${prefix}}:${queueName}:payment-${id}`;

/** A job of payment `id` held by `token`, as BullMQ keeps it. */
async function job(id: string, data: unknown, token = "token-1"): Promise<void> {
  await redis.hset(jobKey(id), "data", JSON.stringify(data));
  await redis.set(`${jobKey(id)}:lock`, token, "PX", 30_000);
}
const dataOf = async (id: string): Promise<unknown> => JSON.parse((await redis.hget(jobKey(id), "data")) ?? "null");
const first = (claim: string): string => JSON.stringify({ paymentId: "x", state: { claim } });
const pending = { outcome: "pending" as const, generation: 0, at: "2026-11-27T15:00:00.000Z" };

describe("fenced store", () => {
  it("a job's first run claims its payment's record, and later runs of the job are recognised by the claim", async () => {
    const id = randomUUID();
    await job(id, { paymentId: id });
    const claimed = await store.begin(`payment-${id}`, id, "token-1", undefined, first, false);
    expect(claimed).toMatchObject({ kind: "ours", record: { outcome: "queued" } });
    const claim = claimed.kind === "ours" ? claimed.claim : "";
    expect(await dataOf(id)).toEqual({ paymentId: "x", state: { claim } });
    expect(await store.begin(`payment-${id}`, id, "token-1", claim, first, true)).toMatchObject({ kind: "ours", claim });
    // A state whose claim is not the record's was not written for it.
    expect(await store.begin(`payment-${id}`, id, "token-1", "another-claim", first, true)).toMatchObject({ kind: "unknown" });
  });

  it("another job of a payment whose record exists (its first job removed) is told the record, and claims nothing", async () => {
    const id = randomUUID();
    await job(id, { paymentId: id });
    const claimed = await store.begin(`payment-${id}`, id, "token-1", undefined, first, false);
    const claim = claimed.kind === "ours" ? claimed.claim : "";
    expect(await store.finish(`payment-${id}`, id, "token-1", claim, "{}", { ...pending, outcome: "paid", codigoSolicitacao: "c-1" })).toEqual({ ok: true });
    await redis.del(jobKey(id), `${jobKey(id)}:lock`);
    await job(id, { paymentId: id }, "token-2");
    expect(await store.begin(`payment-${id}`, id, "token-2", undefined, first, false)).toMatchObject({ kind: "taken", record: { outcome: "paid", codigoSolicitacao: "c-1" } });
    expect(await redis.hget(paymentRecordKey(prefix, queueName, id), "claim")).toBe(claim);
  });

  it("writes nothing for a run that lost the lock; never marks a paid payment for another send", async () => {
    const id = randomUUID();
    await job(id, { paymentId: id });
    const claimed = await store.begin(`payment-${id}`, id, "token-1", undefined, first, false);
    const claim = claimed.kind === "ours" ? claimed.claim : "";
    expect(await store.begin(`payment-${id}`, id, "stale", undefined, first, false)).toEqual({ kind: "lost" });
    expect(await store.beforeSend(`payment-${id}`, id, "stale", claim, 60_000, '{"x":1}', pending)).toEqual({ ok: false, why: "lost" });
    expect(await store.save(`payment-${id}`, "stale", '{"x":1}')).toEqual({ ok: false, why: "lost" });
    // The holder's send step extends the lock and marks the record.
    expect(await store.beforeSend(`payment-${id}`, id, "token-1", claim, 60_000, '{"x":2}', pending)).toEqual({ ok: true });
    expect(await redis.pttl(`${jobKey(id)}:lock`)).toBeGreaterThan(50_000);
    expect(await redis.hget(paymentRecordKey(prefix, queueName, id), "outcome")).toBe("pending");
    expect(await store.finish(`payment-${id}`, id, "token-1", claim, '{"x":3}', { ...pending, outcome: "paid" })).toEqual({ ok: true });
    expect(await store.beforeSend(`payment-${id}`, id, "token-1", claim, 60_000, '{"x":4}', pending)).toMatchObject({ ok: false, why: "paid" });
    expect(await dataOf(id)).toEqual({ x: 3 });
    // Another claim holds the record: nothing is written under it.
    expect(await store.finish(`payment-${id}`, id, "token-1", "not-the-claim", '{"x":5}', { ...pending, outcome: "failed" })).toMatchObject({ ok: false, why: "foreign" });
    expect(await redis.hget(paymentRecordKey(prefix, queueName, id), "outcome")).toBe("paid");
  });

  it("adopts a job of an older pixout (its state written before claims existed, its record without one)", async () => {
    const id = randomUUID();
    await job(id, { paymentId: id, state: { step: "poll", codigoSolicitacao: "c-9" } });
    await records.write(id, { outcome: "pending", generation: 0, finishedAt: "2026-11-27T15:00:00.000Z" });
    const adopted = await store.begin(`payment-${id}`, id, "token-1", undefined, first, true);
    expect(adopted).toMatchObject({ kind: "ours", record: { outcome: "pending" } });
    // Without a state of its own, the same record means another job had the payment.
    const other = randomUUID();
    await job(other, { paymentId: other });
    await records.write(other, { outcome: "paid", generation: 0, finishedAt: "2026-11-27T15:00:00.000Z" });
    expect(await store.begin(`payment-${other}`, other, "token-1", undefined, first, false)).toMatchObject({ kind: "taken" });
  });
});
