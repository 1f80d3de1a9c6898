// What happens when things go wrong around a payment: a worker killed in the middle of a send, a
// worker that cannot stop in time, a wrong configuration, data edited after the payment reached the bank.
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import type { Environment } from "../../src/config.js";
import { bankIdempotencyKey } from "../../src/payments/idempotency.js";
import { startPipeline } from "../helpers/pipeline.js";
import { startWorkerProcess } from "../helpers/worker-process.js";

const worker = (env: Environment): ChildProcess => startWorkerProcess(env);

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  explain?: () => Promise<unknown>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await explain?.())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const payment = (paymentId: string) => ({
  paymentId,
  amount: "10.50",
  description: paymentId,
  recipient: { type: "key", key: "fornecedor@example.com" },
});

describe("failure modes", async () => {
  const p = await startPipeline({
    worker: false,
    env: { PIXOUT_LOCK_DURATION_MS: "2000", PIXOUT_STALLED_INTERVAL_MS: "500" },
  });
  const env: Environment = { ...p.env, LOG_LEVEL: "warn" };

  /** Enqueues `id`; the bank executes its send and holds the answer; the worker is SIGKILLed meanwhile. */
  async function killMidSend(id: string): Promise<string> {
    const key = bankIdempotencyKey(id);
    p.emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: id,
      times: 1,
      fault: { type: "timeout-after", ms: 20_000 },
    });
    const first = worker(env);
    await p.producer.enqueue(payment(id));
    await until("the send to execute", () =>
      Promise.resolve((p.emulator.ledger.snapshot().executions.byIdempotencyKey[key] ?? 0) >= 1 ? true : undefined),
    );
    first.kill("SIGKILL");
    await once(first, "exit");
    return key;
  }

  it("a worker killed while its send is at the bank: never failed nor rejected after; resent with the same key, executed once", async () => {
    const id = "crash-1";
    const key = await killMidSend(id);
    expect((await p.producer.get(id))?.outcome).toBe("pending"); // the send left evidence before going out
    // When the payment comes back, the bank (say, a gateway in front of it) answers the resend with a 422.
    p.emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: id,
      times: 1,
      fault: { type: "status", status: 422 },
    });

    const second = worker(env);
    const view = await p.producer.waitForResult(id, { timeoutMs: 30_000 });
    expect(view.outcome).toBe("needs-reconciliation");
    expect(view.reason).toMatch(/earlier send may have been executed/);
    expect(view.idempotencyKey).toBe(key);
    expect(p.emulator.ledger.snapshot().executions.byIdempotencyKey[key]).toBe(1);
    second.kill("SIGTERM");
    await once(second, "exit");
  }, 60_000);

  it("a worker killed mid-send, resumed by another: the resend is answered by the bank's idempotency and paid", async () => {
    const id = "crash-2";
    const key = await killMidSend(id);
    const second = worker(env);
    const view = await p.producer.waitForResult(id, { timeoutMs: 30_000 });
    expect(view).toMatchObject({ outcome: "paid", bankStatus: "PAGO", idempotencyKey: key });
    expect(p.emulator.ledger.snapshot().executions.byIdempotencyKey[key]).toBe(1);
    second.kill("SIGTERM");
    await once(second, "exit");
  }, 60_000);

  it("a worker that cannot finish within the shutdown timeout stops anyway; its step resumes elsewhere", async () => {
    const id = "slow-1";
    p.emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: id,
      times: 1,
      fault: { type: "latency", ms: 8_000 },
    });
    const slow = worker({ ...env, PIXOUT_SHUTDOWN_TIMEOUT_MS: "1000" });
    await p.producer.enqueue(payment(id));
    await until("the send to start", () =>
      Promise.resolve((p.emulator.ledger.snapshot().faults["latency"] ?? 0) >= 1 ? true : undefined),
    );
    const started = Date.now();
    slow.kill("SIGTERM");
    const [code] = (await once(slow, "exit")) as [number | null];
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(code).toBe(1);
    const next = worker(env);
    const view = await p.producer.waitForResult(id, { timeoutMs: 40_000 });
    expect(view.outcome).toBe("paid");
    expect(p.emulator.ledger.snapshot().executions.byIdempotencyKey[bankIdempotencyKey(id)]).toBe(1);
    next.kill("SIGTERM");
    await once(next, "exit");
  }, 60_000);

  it("a wrong configuration makes payments wait for the fix, with the reason — never fails them", async () => {
    // (Another client id: the fleet's cached token of the right one would otherwise still serve.)
    const broken = worker({
      ...env,
      INTER_CLIENT_ID: "integration-removed",
      INTER_CLIENT_SECRET: "a-rotated-out-secret",
    });
    const ids = ["conf-1", "conf-2", "conf-3"];
    for (const id of ids) await p.producer.enqueue(payment(id));
    for (const id of ids) {
      const view = await until(
        `${id} to wait`,
        async () => {
          const v = await p.producer.get(id);
          return v?.jobState === "delayed" && v.lastError ? v : undefined;
        },
        20_000,
        () => p.producer.get(id),
      );
      // Inter's token endpoint refuses wrong credentials with a 400 (its spec documents no 401).
      expect(view).toMatchObject({ outcome: "queued", attempts: 0, lastError: { code: "INTER_REJECTED" } });
      expect(view.lastError?.message).toMatch(/INTER_CLIENT_ID and INTER_CLIENT_SECRET/);
    }
    broken.kill("SIGTERM");
    await once(broken, "exit");
  }, 60_000);

  it("data made invalid after the payment reached the bank is parked with its state, never rejected", async () => {
    const id = "edited-1";
    // The bank holds it for an approval nobody gives: the job sleeps in its poll step, its state written by the worker.
    p.emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: id,
      fault: { type: "approval-required" },
    });
    const w = worker(env);
    await p.producer.enqueue(payment(id));
    const raw = new Queue(p.config.queueName, { connection: p.redis, prefix: `{${p.config.redisPrefix}}` });
    const polled = await until("the payment to await approval", async () => {
      const job = await raw.getJob(`payment-${id}`);
      const state = (job?.data as { state?: { step?: string; codigoSolicitacao?: string } } | undefined)?.state;
      return job && state?.step === "poll" && (await job.isDelayed()) ? { codigo: state.codigoSolicitacao } : undefined;
    });
    // Someone edits the job's data in Redis (a stricter rule would do the same): the amount is no longer valid.
    // The poll's sleep may end between a look and the promotion (CI met it), and an edit made while the worker
    // holds the job is overwritten by its next save: edit and promote a sleeping job until one promotion takes
    // or the worker has finished it with the edited data.
    await until("the edited job to run", async () => {
      const job = await raw.getJob(`payment-${id}`);
      if (!job || (await job.isCompleted())) return job ? true : undefined;
      if (!(await job.isDelayed())) return undefined;
      await job.updateData({ ...(job.data as Record<string, unknown>), amount: "10.5" });
      return job.promote().then(
        () => true,
        () => undefined,
      );
    });
    await raw.close();
    const view = await p.producer.waitForResult(id, { timeoutMs: 20_000 });
    expect(view).toMatchObject({
      outcome: "needs-reconciliation",
      codigoSolicitacao: polled.codigo,
      jobState: "completed",
    });
    expect(view.reason).toMatch(/^invalid payment data: amount: .*the bank may already have this payment$/);
    p.emulator.faults.clear();
    w.kill("SIGTERM");
    await once(w, "exit");
  }, 40_000);
});
