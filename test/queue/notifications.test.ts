// The pipeline announces every final outcome to upstream (issue #6 §2): the worker queues a signed event
// before it completes the payment's job; the delivery worker in the same process sends it.
import { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import type { PaymentEvent } from "../../src/notify/event.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { startPipeline } from "../helpers/pipeline.js";
import { startReceiver } from "../notify/support.js";

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
      emulator: { faults: [{ method: "POST", path: "/banking/v2/pix", bodyIncludes: "will-fail", fault: { type: "final-status", status: "FALHA" } }] },
    });
    const key = { type: "key" as const, key: "fornecedor@example.com" };
    await producer.enqueue({ paymentId: "n-paid", amount: "10.00", recipient: key, callbackUrl: receiver.url });
    await producer.enqueue({ paymentId: "n-failed", amount: "11.00", recipient: key, description: "will-fail" });
    // A foreign producer's job with data the worker refuses.
    const raw = new Queue(config.queueName, { connection: { url: config.redisUrl }, prefix: `{${config.redisPrefix}}` });
    await raw.add("payout", { paymentId: "n-bad", amount: "12.5", recipient: key }, { jobId: "payment-n-bad" });
    await raw.close();
    for (const id of ["n-paid", "n-failed", "n-bad"]) await producer.waitForResult(id, { timeoutMs: 15_000 });
    for (let i = 0; i < 100 && receiver.accepted.size < 3; i++) await new Promise((r) => setTimeout(r, 50));

    const events = receiver.requests.filter((r) => r.answer === 200).map((r) => ({ path: r.path, event: JSON.parse(r.body) as PaymentEvent }));
    const byPayment = Object.fromEntries(events.map((e) => [e.event.paymentId, e]));
    expect(Object.keys(byPayment).sort()).toEqual(["n-bad", "n-failed", "n-paid"]);
    expect(byPayment["n-paid"]?.event).toMatchObject({ type: "payment.paid", outcome: "paid", bankStatus: "PAGO", amount: "10.00", generation: 0 });
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
