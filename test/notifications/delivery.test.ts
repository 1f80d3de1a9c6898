// Notifications end to end: the notifier queues, the delivery worker POSTs to a real local receiver that
// verifies each request with the SDK's verifySignature, on the shared Redis.
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { deliveryId, type OutcomeFacts } from "../../src/notifications/event.js";
import { PIXOUT_VERSION } from "../../src/version.js";
import { fastSettings, startHarness, startReceiver, type Answer } from "./support.js";

const SECRET = "erp-secret-0123456789abcdef";

const facts = (paymentId: string, outcome: OutcomeFacts["outcome"] = "paid"): OutcomeFacts => ({
  paymentId,
  outcome,
  generation: 0,
  bankStatus: outcome === "paid" ? "PAGO" : "CANCELADO_SEM_SALDO",
  codigoSolicitacao: "3f0c1c1e-1111-4222-8333-444455556666",
  ...(outcome === "paid" ? { endToEndId: "E00416968202611271200abcdefghijk", paidAt: "2026-11-27T12:00:01" } : {}),
  amount: "10.50",
  occurredAt: new Date().toISOString(),
});

describe("notification delivery", () => {
  it("retries after a 500 and a hang, delivers once, records every attempt; a duplicate delivers nothing more", async () => {
    const plan = (_id: string, n: number): Answer => (n === 1 ? 500 : n === 2 ? "hang" : 200);
    const receiver = await startReceiver(SECRET, plan);
    const h = startHarness(fastSettings({ [receiver.origin]: SECRET }, { timeoutMs: 300 }), { receivers: [receiver] });

    const result = await h.notifier.notifyOutcome(facts("inv-1001"), receiver.url);
    expect(result).toEqual({ queued: true, deliveryId: deliveryId("inv-1001", 0, "paid") });
    const id = result.deliveryId ?? "";
    expect(await h.finished(id)).toBe("completed");

    expect(receiver.requests.map((r) => r.answer)).toEqual([500, "hang", 200]);
    expect(receiver.accepted).toEqual(new Map([[id, 1]]));
    for (const r of receiver.requests) {
      expect(r.verified.ok).toBe(true);
      expect(r.headers).toMatchObject({
        "content-type": "application/json",
        "user-agent": `pixout/${PIXOUT_VERSION}`,
        "pixout-delivery-id": id,
        "pixout-event": "payment.paid",
      });
    }
    // The same bytes every time, the event as documented.
    expect(new Set(receiver.requests.map((r) => r.body)).size).toBe(1);
    expect(JSON.parse(receiver.requests[0]?.body ?? "")).toEqual({
      id,
      type: "payment.paid",
      paymentId: "inv-1001",
      outcome: "paid",
      generation: 0,
      bankStatus: "PAGO",
      codigoSolicitacao: "3f0c1c1e-1111-4222-8333-444455556666",
      endToEndId: "E00416968202611271200abcdefghijk",
      amount: "10.50",
      paidAt: "2026-11-27T12:00:01",
      reason: null,
      occurredAt: expect.any(String) as unknown,
      createdAt: expect.any(String) as unknown,
    });

    const job = await h.queue.getJob(id);
    expect(job?.data.attempts).toEqual([
      expect.objectContaining({ attempt: 1, status: 500, delivered: false }),
      expect.objectContaining({ attempt: 2, error: "timeout after 300 ms", delivered: false }),
      expect.objectContaining({ attempt: 3, status: 200, delivered: true }),
    ]);
    expect(job?.data.attempts[1]?.durationMs).toBeGreaterThanOrEqual(290);
    expect(job?.returnvalue).toMatchObject({ status: 200, attempts: 3 });
    const { logs } = await h.queue.getJobLogs(id);
    expect(logs).toHaveLength(3);
    expect(logs[2]).toMatch(/attempt 3: delivered, HTTP 200 in \d+ ms$/);

    // The payment's final step run again (a worker died before completing it): the same event, not queued twice.
    expect(
      await h.notifier.notifyOutcome({ ...facts("inv-1001"), occurredAt: new Date().toISOString() }, receiver.url),
    ).toEqual(result);
    const sentinel = await h.notifier.notifyOutcome(facts("inv-1002"), receiver.url);
    expect(await h.finished(sentinel.deliveryId ?? "")).toBe("completed");
    expect(await h.queue.getJobCounts()).toMatchObject({ completed: 2, failed: 0, waiting: 0, delayed: 0, active: 0 });
    expect(receiver.accepted.get(id)).toBe(1);
    expect(receiver.requests.filter((r) => r.deliveryId === id)).toHaveLength(3);

    // The secret was registered for the log scrubber, and no line carries it.
    expect(h.secrets.scrub(`x ${SECRET} y`)).toBe("x [REDACTED] y");
    expect(h.lines.join("\n")).not.toContain(SECRET);
  });

  it("never calls a destination without a secret, whether from the payment or in the queue", async () => {
    const known = await startReceiver(SECRET);
    const unknown = await startReceiver(SECRET);
    const h = startHarness(fastSettings({ [known.origin]: SECRET }), { receivers: [known, unknown] });

    const refused = await h.notifier.notifyOutcome(facts("inv-2001"), unknown.url);
    expect(refused).toEqual({ queued: false, why: `no secret for ${unknown.origin} in PIXOUT_NOTIFY_SECRETS` });
    const error = h.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l["paymentId"] === "inv-2001");
    expect(error).toMatchObject({ level: 50, origin: unknown.origin, setting: "PIXOUT_NOTIFY_SECRETS" });
    expect(await h.notifier.notifyOutcome(facts("inv-2002"), undefined)).toMatchObject({
      queued: false,
      why: expect.stringMatching(/^no destination/) as unknown,
    });

    // A job in the queue for an origin without a secret (removed since it was queued): never sent unsigned.
    await h.queue.add(
      "payment.paid",
      { url: unknown.url, event: { ...(await eventOf(h, known.url)), id: "stray" }, attempts: [] },
      { jobId: "stray", attempts: 2, backoff: { type: "pixout-notify", delay: 10 } },
    );
    expect(await h.finished("stray")).toBe("failed");
    const stray = await h.queue.getJob("stray");
    expect(stray?.data.attempts.map((a) => a.error)).toEqual([
      `no secret for ${unknown.origin} in PIXOUT_NOTIFY_SECRETS`,
      `no secret for ${unknown.origin} in PIXOUT_NOTIFY_SECRETS`,
    ]);

    expect(unknown.requests).toEqual([]);
    expect([...known.accepted.values()]).toEqual([1]);
  });

  it("treats 410 Gone as final", async () => {
    const receiver = await startReceiver(SECRET, () => 410);
    const h = startHarness(fastSettings({ [receiver.origin]: SECRET }), { receivers: [receiver] });
    const { deliveryId: id = "" } = await h.notifier.notifyOutcome(facts("inv-3001", "failed"), receiver.url);
    expect(await h.finished(id)).toBe("failed");
    const job = await h.queue.getJob(id);
    expect(job?.failedReason).toMatch(/^HTTP 410/);
    expect(job?.data.attempts).toEqual([expect.objectContaining({ attempt: 1, status: 410, delivered: false })]);
    expect(receiver.requests).toHaveLength(1);
  });

  it("delivers 200 outcomes, some after failures, each accepted exactly once across two workers", async () => {
    // One in three fails its first attempt (503 or a reset connection).
    const flaky = (id: string): boolean => id.charCodeAt(0) % 3 === 0;
    const plan = (id: string, n: number): Answer =>
      n === 1 && flaky(id) ? (id.charCodeAt(1) % 2 === 0 ? 503 : "reset") : 200;
    const receiver = await startReceiver(SECRET, plan);
    const h = startHarness(fastSettings({ [receiver.origin]: SECRET }, { url: receiver.url }), {
      workers: 2,
      receivers: [receiver],
    });

    const outcomes = ["paid", "failed", "rejected", "needs-reconciliation"] as const;
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        h.notifier.notifyOutcome(facts(`bulk-${String(i)}`, outcomes[i % 4]), undefined),
      ),
    );
    const ids = results.map((r) => r.deliveryId ?? "");
    expect(results.every((r) => r.queued)).toBe(true);
    expect(new Set(ids).size).toBe(200);

    const deadline = Date.now() + 15_000;
    while (((await h.queue.getJobCounts("completed"))["completed"] ?? 0) < 200 && Date.now() < deadline)
      await sleep(50);
    expect(await h.queue.getJobCounts()).toMatchObject({
      completed: 200,
      failed: 0,
      waiting: 0,
      delayed: 0,
      active: 0,
    });
    expect(receiver.accepted.size).toBe(200);
    expect([...receiver.accepted.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(receiver.accepted.keys())).toEqual(new Set(ids));
    expect(receiver.requests.every((r) => r.verified.ok)).toBe(true);
    const retried = ids.filter(flaky);
    expect(retried.length).toBeGreaterThan(30);
    expect(receiver.requests).toHaveLength(200 + retried.length);
    expect(
      new Set(receiver.requests.filter((r) => r.answer === "reset").map((r) => r.deliveryId)).size,
    ).toBeGreaterThan(5);
  });
});

/** A real event, queued and delivered to `url`, to copy. */
async function eventOf(h: ReturnType<typeof startHarness>, url: string) {
  const { deliveryId: id = "" } = await h.notifier.notifyOutcome(facts("inv-template"), url);
  expect(await h.finished(id)).toBe("completed");
  const job = await h.queue.getJob(id);
  if (!job) throw new Error("no template job");
  return job.data.event;
}
