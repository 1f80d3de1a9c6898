// The pipeline announces every final outcome to upstream (docs/design.md §3.5): the worker queues a signed event
// before it completes the payment's job; the delivery worker in the same process sends it.
import { Queue, Worker } from "bullmq";
import { describe, expect, it } from "vitest";
import { startNotificationWorker } from "../../src/notifications/delivery-worker.js";
import type { PaymentEvent } from "../../src/notifications/event.js";
import { createNotifier } from "../../src/notifications/notifier.js";
import { announceBullFailure } from "../../src/queue/worker/worker.js";
import { captureLogs } from "../helpers/log-capture.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { startPipeline, redisUrlOf } from "../helpers/pipeline.js";
import { startReceiver } from "../notifications/support.js";

const SECRET = "whsec-test-0123456789abcdef";

describe("outcome notifications from the worker", () => {
  it("sends one signed event per outcome: paid to the payment's callbackUrl, failed and rejected to the default", async () => {
    // The first attempt of every delivery fails: the event still arrives, once.
    const receiver = await startReceiver(SECRET, (_id, attempt) => (attempt === 1 ? 503 : 200));
    cleanupAfter(() => receiver.close());
    const { producer, config } = await startPipeline({
      env: {
        PIXOUT_NOTIFY_URL: `${receiver.url}?default`,
        PIXOUT_NOTIFY_SECRETS: `${receiver.origin}=${SECRET}`,
        PIXOUT_NOTIFY_BACKOFF_MS: "50",
      },
      emulator: {
        faults: [
          {
            method: "POST",
            path: "/banking/v2/pix",
            bodyIncludes: "will-fail",
            fault: { type: "final-status", status: "FALHA" },
          },
        ],
      },
    });
    const key = { type: "key" as const, key: "fornecedor@example.com" };
    await producer.enqueue({ paymentId: "n-paid", amount: "10.00", recipient: key, callbackUrl: receiver.url });
    await producer.enqueue({ paymentId: "n-failed", amount: "11.00", recipient: key, description: "will-fail" });
    // A foreign producer's job with data the worker refuses.
    const raw = new Queue(config.queueName, {
      connection: { url: redisUrlOf(config) },
      prefix: `{${config.redisPrefix}}`,
    });
    await raw.add("payout", { paymentId: "n-bad", amount: "12.5", recipient: key }, { jobId: "payment-n-bad" });
    await raw.close();
    for (const id of ["n-paid", "n-failed", "n-bad"]) await producer.waitForResult(id, { timeoutMs: 15_000 });
    for (let i = 0; i < 100 && receiver.accepted.size < 3; i++) await new Promise((r) => setTimeout(r, 50));

    const events = receiver.requests
      .filter((r) => r.answer === 200)
      .map((r) => ({ path: r.path, event: JSON.parse(r.body) as PaymentEvent }));
    const byPayment = Object.fromEntries(events.map((e) => [e.event.paymentId, e]));
    expect(Object.keys(byPayment).sort()).toEqual(["n-bad", "n-failed", "n-paid"]);
    expect(byPayment["n-paid"]?.event).toMatchObject({
      type: "payment.paid",
      outcome: "paid",
      bankStatus: "PAGO",
      amount: "10.00",
      generation: 0,
    });
    expect(byPayment["n-paid"]?.event.endToEndId).toMatch(/^E00416968/);
    expect(byPayment["n-failed"]?.event).toMatchObject({ type: "payment.failed", bankStatus: "FALHA" });
    expect(byPayment["n-bad"]?.event).toMatchObject({ type: "payment.rejected" });
    expect(byPayment["n-bad"]?.event.reason).toMatch(/amount/);
    expect(byPayment["n-paid"]?.path).toBe("/hooks/pixout");
    expect(byPayment["n-failed"]?.path).toBe("/hooks/pixout?default");
    // Each delivery id accepted exactly once, after its failed first attempt; every request verified.
    expect([...receiver.accepted.values()]).toEqual([1, 1, 1]);
    expect(receiver.requests.every((r) => r.verified.ok)).toBe(true);
    expect(receiver.requests).toHaveLength(6);
    // No personal data in the events.
    expect(receiver.requests.map((r) => r.body).join("\n")).not.toContain("fornecedor@example.com");
  });
});

describe("a payout job BullMQ itself failed", () => {
  it("is announced with the outcome its view gives: needs-reconciliation after a send that may have executed", async () => {
    const receiver = await startReceiver(SECRET);
    cleanupAfter(() => receiver.close());
    const { config, lines } = await startPipeline({
      worker: false,
      env: {
        PIXOUT_NOTIFY_URL: receiver.url,
        PIXOUT_NOTIFY_SECRETS: `${receiver.origin}=${SECRET}`,
        PIXOUT_NOTIFY_BACKOFF_MS: "50",
      },
    });
    const connection = { url: redisUrlOf(config) };
    const prefix = `{${config.redisPrefix}}`;
    const queue = new Queue(config.queueName, { connection, prefix });
    // A job whose worker died in the middle of its send, failed by BullMQ (here: a plain error, no attempt left).
    const data = {
      paymentId: "n-stalled",
      amount: "13.00",
      recipient: { type: "key", key: "fornecedor@example.com" },
      state: { step: "submit", generation: 0, attempts: 0, maybeExecuted: false, polls: 0, sendInFlight: Date.now() },
    };
    await queue.add("payout", data, { jobId: "payment-n-stalled", attempts: 1 });
    const crashing = new Worker(
      config.queueName,
      () => Promise.reject(new Error("connection to Redis lost mid-step")),
      { connection, prefix, autorun: true },
    );
    for (let i = 0; i < 100 && (await queue.getJobCounts("failed"))["failed"] !== 1; i++)
      await new Promise((r) => setTimeout(r, 50));
    await crashing.close();
    const job = await queue.getJob("payment-n-stalled");
    expect(job).toBeDefined();
    const { logger, secrets } = captureLogs();
    const options = {
      connection: redisUrlOf(config),
      redisPrefix: config.redisPrefix,
      queueName: config.queueName,
      settings: config.notify,
      logger,
      secrets,
    };
    const notifier = createNotifier(options);
    const delivery = startNotificationWorker(options);
    cleanupAfter(async () => {
      await notifier.close();
      await delivery.close();
      await queue.close();
    });
    if (job) await announceBullFailure(job, notifier, logger);
    for (let i = 0; i < 100 && receiver.accepted.size < 1; i++) await new Promise((r) => setTimeout(r, 50));
    const event = JSON.parse(receiver.requests[0]?.body ?? "{}") as PaymentEvent;
    expect(event).toMatchObject({
      paymentId: "n-stalled",
      type: "payment.needs-reconciliation",
      outcome: "needs-reconciliation",
      amount: "13.00",
    });
    expect(event.reason).toMatch(/connection to Redis lost mid-step/);
    expect(lines.join("\n")).not.toMatch(/could not announce/);
  });

  it("stalled more than allowed, with removeOnFail set by its producer: removed as it fails, announced all the same", async () => {
    const receiver = await startReceiver(SECRET);
    cleanupAfter(() => receiver.close());
    const p = await startPipeline({
      worker: false,
      env: {
        PIXOUT_NOTIFY_URL: receiver.url,
        PIXOUT_NOTIFY_SECRETS: `${receiver.origin}=${SECRET}`,
        PIXOUT_NOTIFY_BACKOFF_MS: "50",
      },
    });
    const prefix = `{${p.config.redisPrefix}}`;
    const queue = new Queue(p.config.queueName, { connection: p.redis, prefix });
    cleanupAfter(() => queue.close());
    const data = { paymentId: "n-removed", amount: "14.00", recipient: { type: "key", key: "fornecedor@example.com" } };
    await queue.add("payout", data, { jobId: "payment-n-removed", removeOnFail: true });
    // What BullMQ writes on a job that stalled more than maxStalledCount times: its next pick-up fails it,
    // before the processor runs (src/queue/worker/worker.ts says why this matters).
    await p.redis.hset(
      `${prefix}:${p.config.queueName}:payment-n-removed`,
      "defa",
      "job stalled more than allowable limit",
    );
    await p.worker.worker.resume();
    for (let i = 0; i < 100 && receiver.accepted.size < 1; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await queue.getJob("payment-n-removed")).toBeUndefined();
    const event = JSON.parse(receiver.requests[0]?.body ?? "{}") as PaymentEvent;
    expect(event).toMatchObject({ paymentId: "n-removed", type: "payment.failed", outcome: "failed", amount: "14.00" });
    expect(event.reason).toMatch(/job stalled more than allowable limit/);
    expect(p.lines.join("\n")).toMatch(
      /removed at once \(its producer set removeOnFail\); announced from the worker's copy/,
    );
  });
});
