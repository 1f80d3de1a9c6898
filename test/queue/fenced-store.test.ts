// The fenced store against the real Redis: a run's claim on its payment's record, and writes that only the
// holder of the job's lock can make (src/queue/worker/fenced-store.ts).
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { createFencedStore, type Arrival } from "../../src/queue/worker/fenced-store.js";
import { createPaymentRecords, paymentRecordKey } from "../../src/queue/payment-record.js";
import { dayStatsKey, listKey, openTotalsKey } from "../../src/queue/payment-stats.js";
import { saoPauloToday } from "../../src/payments/calendar.js";

/** A fixed moment for data that only has to look real (an audit entry, a record): never compared with the clock. */
const FIXED_AT = new Date(Date.UTC(2026, 10, 27, 13)).toISOString();

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
const NEW: Arrival = { kind: "new" };
/** An older pixout's job: its state, kept whole, with the new claim. */
const legacy = (state: Record<string, unknown>, id: string): Arrival => ({
  kind: "legacy",
  generation: typeof state["generation"] === "number" ? state["generation"] : 0,
  ...(typeof state["codigoSolicitacao"] === "string" ? { codigoSolicitacao: state["codigoSolicitacao"] } : {}),
  keptData: (claim) => JSON.stringify({ paymentId: id, state: { ...state, claim } }),
});
const pending = { outcome: "pending" as const, generation: 0, at: FIXED_AT };

describe("fenced store", () => {
  it("a job's first run claims its payment's record, and later runs of the job are recognised by the claim", async () => {
    const id = randomUUID();
    await job(id, { paymentId: id });
    const claimed = await store.begin(`payment-${id}`, id, "token-1", undefined, first, NEW);
    expect(claimed).toMatchObject({ kind: "ours", record: { outcome: "queued" } });
    const claim = claimed.kind === "ours" ? claimed.claim : "";
    expect(await dataOf(id)).toEqual({ paymentId: "x", state: { claim } });
    expect(await store.begin(`payment-${id}`, id, "token-1", claim, first, NEW)).toMatchObject({ kind: "ours", claim });
    // A state whose claim is not the record's was not written for it.
    expect(await store.begin(`payment-${id}`, id, "token-1", "another-claim", first, NEW)).toMatchObject({
      kind: "unknown",
    });
  });

  it("another job of a payment whose record exists (its first job removed) is told the record, and claims nothing", async () => {
    const id = randomUUID();
    await job(id, { paymentId: id });
    const claimed = await store.begin(`payment-${id}`, id, "token-1", undefined, first, NEW);
    const claim = claimed.kind === "ours" ? claimed.claim : "";
    expect(
      await store.finish(`payment-${id}`, id, "token-1", claim, "{}", {
        ...pending,
        outcome: "paid",
        codigoSolicitacao: "c-1",
      }),
    ).toEqual({ ok: true });
    await redis.del(jobKey(id), `${jobKey(id)}:lock`);
    await job(id, { paymentId: id }, "token-2");
    expect(await store.begin(`payment-${id}`, id, "token-2", undefined, first, NEW)).toMatchObject({
      kind: "taken",
      record: { outcome: "paid", codigoSolicitacao: "c-1" },
    });
    expect(await redis.hget(paymentRecordKey(prefix, queueName, id), "claim")).toBe(claim);
  });

  it("writes nothing for a run that lost the lock; never marks a paid payment for another send", async () => {
    const id = randomUUID();
    await job(id, { paymentId: id });
    const claimed = await store.begin(`payment-${id}`, id, "token-1", undefined, first, NEW);
    const claim = claimed.kind === "ours" ? claimed.claim : "";
    expect(await store.begin(`payment-${id}`, id, "stale", undefined, first, NEW)).toEqual({ kind: "lost" });
    expect(await store.beforeSend(`payment-${id}`, id, "stale", claim, 60_000, '{"x":1}', pending)).toEqual({
      ok: false,
      why: "lost",
    });
    expect(await store.save(`payment-${id}`, "stale", '{"x":1}')).toEqual({ ok: false, why: "lost" });
    // The holder's send step extends the lock and marks the record.
    expect(await store.beforeSend(`payment-${id}`, id, "token-1", claim, 60_000, '{"x":2}', pending)).toEqual({
      ok: true,
    });
    expect(await redis.pttl(`${jobKey(id)}:lock`)).toBeGreaterThan(50_000);
    expect(await redis.hget(paymentRecordKey(prefix, queueName, id), "outcome")).toBe("pending");
    expect(
      await store.finish(`payment-${id}`, id, "token-1", claim, '{"x":3}', { ...pending, outcome: "paid" }),
    ).toEqual({ ok: true });
    expect(await store.beforeSend(`payment-${id}`, id, "token-1", claim, 60_000, '{"x":4}', pending)).toMatchObject({
      ok: false,
      why: "paid",
    });
    expect(await dataOf(id)).toEqual({ x: 3 });
    // Another claim holds the record: nothing is written under it.
    expect(
      await store.finish(`payment-${id}`, id, "token-1", "not-the-claim", '{"x":5}', { ...pending, outcome: "failed" }),
    ).toMatchObject({ ok: false, why: "foreign" });
    expect(await redis.hget(paymentRecordKey(prefix, queueName, id), "outcome")).toBe("paid");
  });

  it("adopts an older pixout's job with its state kept, only where its record (without a claim) is its own send", async () => {
    const at = FIXED_AT;
    // In flight under that version's record, same generation and codigoSolicitacao: adopted, the state whole.
    const a = randomUUID();
    const inFlight = { step: "poll", generation: 1, codigoSolicitacao: "c-9", sendInFlight: 1, maybeExecuted: true };
    await job(a, { paymentId: a, state: inFlight });
    await records.write(a, { outcome: "pending", generation: 1, codigoSolicitacao: "c-9", finishedAt: at });
    const adopted = await store.begin(`payment-${a}`, a, "token-1", undefined, first, legacy(inFlight, a));
    expect(adopted).toMatchObject({ kind: "ours", adopted: "record", record: { outcome: "pending" } });
    const claim = adopted.kind === "ours" ? adopted.claim : "";
    expect(await dataOf(a)).toEqual({ paymentId: a, state: { ...inFlight, claim } });
    expect(await redis.hget(paymentRecordKey(prefix, queueName, a), "claim")).toBe(claim);
    // Waiting for its first send (that version wrote the record only right before one): adopted, state kept.
    const b = randomUUID();
    const waiting = { step: "submit", generation: 0, attempts: 1 };
    await job(b, { paymentId: b, state: waiting });
    const fresh = await store.begin(`payment-${b}`, b, "token-1", undefined, first, legacy(waiting, b));
    expect(fresh).toMatchObject({ kind: "ours", adopted: "job", record: { outcome: "queued", generation: 0 } });
    expect(await dataOf(b)).toMatchObject({ state: { ...waiting, claim: fresh.kind === "ours" ? fresh.claim : "" } });
    // A record of another send, or of an ended payment, is not the job's: taken.
    for (const record of [
      { outcome: "pending" as const, generation: 1, codigoSolicitacao: "c-other", finishedAt: at },
      { outcome: "pending" as const, generation: 0, codigoSolicitacao: "c-9", finishedAt: at },
      { outcome: "paid" as const, generation: 1, codigoSolicitacao: "c-9", finishedAt: at },
      { outcome: "needs-reconciliation" as const, generation: 1, codigoSolicitacao: "c-9", finishedAt: at },
    ]) {
      const c = randomUUID();
      await job(c, { paymentId: c, state: inFlight });
      await records.write(c, record);
      expect(
        await store.begin(`payment-${c}`, c, "token-1", undefined, first, legacy(inFlight, c)),
        JSON.stringify(record),
      ).toMatchObject({ kind: "taken" });
      expect(await dataOf(c)).toEqual({ paymentId: c, state: inFlight });
    }
    // A state its producer wrote (a job's first run) is never adopted.
    const d = randomUUID();
    await job(d, { paymentId: d, state: inFlight });
    await records.write(d, { outcome: "pending", generation: 1, codigoSolicitacao: "c-9", finishedAt: at });
    expect(await store.begin(`payment-${d}`, d, "token-1", undefined, first, { kind: "state" })).toMatchObject({
      kind: "taken",
    });
    // A job removed under the run (its lock still there) is lost, and nothing is recreated.
    const e = randomUUID();
    await redis.set(`${jobKey(e)}:lock`, "token-1", "PX", 30_000);
    expect(await store.begin(`payment-${e}`, e, "token-1", undefined, first, NEW)).toEqual({ kind: "lost" });
    expect(await redis.exists(jobKey(e), paymentRecordKey(prefix, queueName, e))).toBe(0);
  });
});

describe("the overview's counters, kept by the fenced writes", () => {
  const keys = {
    day: (at: number) => dayStatsKey(prefix, queueName, saoPauloToday(at)),
    open: openTotalsKey(prefix, queueName),
    list: (name: "done" | "parked" | "failed" | "open") => listKey(prefix, queueName, name),
  };

  it("a send opens the payment once, its outcome closes it and is counted once — a repeated final write counts nothing", async () => {
    const id = randomUUID();
    await job(id, { paymentId: id });
    const claimed = await store.begin(`payment-${id}`, id, "token-1", undefined, first, NEW);
    const claim = claimed.kind === "ours" ? claimed.claim : "";
    const at = Date.now();
    const write = { generation: 0, at: new Date(at).toISOString(), account: "777", amountCents: 12_34 };
    for (let i = 0; i < 2; i++)
      expect(
        await store.beforeSend(`payment-${id}`, id, "token-1", claim, 30_000, "{}", { ...write, outcome: "pending" }),
      ).toEqual({ ok: true });
    expect(await redis.hgetall(keys.open)).toMatchObject({ "n|777": "1", "c|777": "1234" });
    expect(await redis.zscore(keys.list("open"), id)).toBe(String(at));
    const before = await redis.hgetall(keys.day(at));
    for (let i = 0; i < 2; i++)
      expect(
        await store.finish(`payment-${id}`, id, "token-1", claim, "{}", { ...write, outcome: "needs-reconciliation" }),
      ).toEqual({ ok: true });
    const after = await redis.hgetall(keys.day(at));
    expect(Number(after["needs-reconciliation|n|777"] ?? 0) - Number(before["needs-reconciliation|n|777"] ?? 0)).toBe(
      1,
    );
    expect(Number(after["needs-reconciliation|c|777"] ?? 0) - Number(before["needs-reconciliation|c|777"] ?? 0)).toBe(
      1234,
    );
    expect(await redis.hget(keys.open, "n|777")).toBeNull();
    expect(await redis.zscore(keys.list("open"), id)).toBeNull();
    expect(await redis.zscore(keys.list("parked"), id)).toBe(String(at));
    expect(await redis.hmget(paymentRecordKey(prefix, queueName, id), "account", "amountCents")).toEqual([
      "777",
      "1234",
    ]);
    // A later generation's outcome is another outcome: counted, and the payment leaves the parked list.
    await store.finish(`payment-${id}`, id, "token-1", claim, "{}", { ...write, generation: 1, outcome: "failed" });
    expect(await redis.zscore(keys.list("parked"), id)).toBeNull();
    expect(await redis.zscore(keys.list("failed"), id)).toBe(String(at));
    expect(await redis.hget(keys.day(at), "failed|n|777")).toBe("1");
  });

  it("the lists follow every outcome written: a payment retried with its key that fails again is listed again", async () => {
    const id = randomUUID();
    await job(id, { paymentId: id });
    const claimed = await store.begin(`payment-${id}`, id, "token-1", undefined, first, NEW);
    const claim = claimed.kind === "ours" ? claimed.claim : "";
    const at = Date.now();
    const write = { generation: 0, at: new Date(at).toISOString(), account: "555", amountCents: 7 };
    await store.finish(`payment-${id}`, id, "token-1", claim, "{}", { ...write, outcome: "failed" });
    const before = await redis.hget(keys.day(at), "failed|n|555");
    // An operator's retry takes it off the list (src/queue/producer/retry.ts); it fails again before any send.
    await redis.zrem(keys.list("failed"), id);
    await store.finish(`payment-${id}`, id, "token-1", claim, "{}", { ...write, outcome: "failed" });
    expect(await redis.zscore(keys.list("failed"), id)).toBe(String(at));
    // Listed again, counted once.
    expect(await redis.hget(keys.day(at), "failed|n|555")).toBe(before);
  });

  it("an outcome written without account or amount (a refused job) closes what its send opened", async () => {
    const id = randomUUID();
    await job(id, { paymentId: id });
    const claimed = await store.begin(`payment-${id}`, id, "token-1", undefined, first, NEW);
    const claim = claimed.kind === "ours" ? claimed.claim : "";
    const at = Date.now();
    const sent = { generation: 0, at: new Date(at).toISOString(), account: "444", amountCents: 1_000 };
    await store.beforeSend(`payment-${id}`, id, "token-1", claim, 30_000, "{}", { ...sent, outcome: "pending" });
    expect(await redis.hget(keys.open, "n|444")).toBe("1");
    await store.finish(`payment-${id}`, id, "token-1", claim, "{}", {
      generation: 0,
      at: sent.at,
      outcome: "needs-reconciliation",
    });
    expect(await redis.hmget(keys.open, "n|444", "c|444", "n|", "c|")).toEqual([null, null, null, null]);
    expect(await redis.hmget(paymentRecordKey(prefix, queueName, id), "account", "amountCents")).toEqual([
      "444",
      "1000",
    ]);
    expect(await redis.hget(keys.day(at), "needs-reconciliation|c|444")).not.toBeNull();
  });

  it("a counter that cannot be written never fails the payment's own write", async () => {
    const id = randomUUID();
    await job(id, { paymentId: id });
    const claimed = await store.begin(`payment-${id}`, id, "token-1", undefined, first, NEW);
    const claim = claimed.kind === "ours" ? claimed.claim : "";
    const at = Date.now();
    // Every counter and list of this moment made a string: each of their commands fails.
    const broken = [
      keys.day(at),
      keys.open,
      keys.list("done"),
      keys.list("open"),
      keys.list("parked"),
      keys.list("failed"),
    ];
    const saved = await Promise.all(broken.map((k) => redis.dumpBuffer(k)));
    for (const k of broken) await redis.set(k, "not a hash");
    try {
      const write = { generation: 0, at: new Date(at).toISOString(), account: "999", amountCents: 5 };
      expect(
        await store.beforeSend(`payment-${id}`, id, "token-1", claim, 30_000, '{"sent":1}', {
          ...write,
          outcome: "pending",
        }),
      ).toEqual({ ok: true });
      expect(
        await store.finish(`payment-${id}`, id, "token-1", claim, '{"done":1}', { ...write, outcome: "paid" }),
      ).toEqual({ ok: true });
      expect(await dataOf(id)).toEqual({ done: 1 });
      expect(await redis.hget(paymentRecordKey(prefix, queueName, id), "outcome")).toBe("paid");
    } finally {
      for (const [i, k] of broken.entries()) {
        await redis.del(k);
        const dump = saved[i];
        if (dump) await redis.restore(k, 0, dump);
      }
    }
  });

  it("a run whose lock is gone counts nothing", async () => {
    const id = randomUUID();
    await job(id, { paymentId: id });
    const claimed = await store.begin(`payment-${id}`, id, "token-1", undefined, first, NEW);
    const claim = claimed.kind === "ours" ? claimed.claim : "";
    await redis.set(`${jobKey(id)}:lock`, "token-2");
    const at = Date.now();
    const write = { generation: 0, at: new Date(at).toISOString(), account: "888", amountCents: 1 };
    expect(
      await store.beforeSend(`payment-${id}`, id, "token-1", claim, 30_000, "{}", { ...write, outcome: "pending" }),
    ).toEqual({ ok: false, why: "lost" });
    expect(await store.finish(`payment-${id}`, id, "token-1", claim, "{}", { ...write, outcome: "paid" })).toEqual({
      ok: false,
      why: "lost",
    });
    expect(await redis.hget(keys.open, "n|888")).toBeNull();
    expect(await redis.hget(keys.day(at), "paid|n|888")).toBeNull();
    expect(await redis.zscore(keys.list("done"), id)).toBeNull();
  });
});
