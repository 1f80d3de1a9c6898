// A worker's /metrics, /healthz and /readyz over HTTP, and its heartbeat: the real worker, the real
// emulator, the shared Redis (a private one where Redis must die).
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Queue } from "bullmq";
import { describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { parseFaultRule } from "../../src/emulator/emulator.js";
import { startMetricsServer, type MetricsServer } from "../../src/ops/metrics/metrics-server.js";
import type { Readiness } from "../../src/ops/readiness-checks.js";
import { daysLeft, liveWorkers } from "../../src/ops/worker-heartbeat.js";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { bullPrefix, jobIdFor } from "../../src/queue/names.js";
import { createPayoutProducer, producerOptionsFor } from "../../src/queue/producer/producer.js";
import { retryPayment } from "../../src/queue/producer/retry.js";
import { startPayoutWorker, type PayoutWorker } from "../../src/queue/worker/worker.js";
import { issueCertificate } from "../../src/tls/dev-certs.js";
import { clientEnvFor } from "../helpers/bank.js";
import { testCerts } from "../helpers/certs.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { NO_LIMITS, startTestEmulator } from "../helpers/emulator.js";
import { captureLogs } from "../helpers/log-capture.js";
import { FAST_WORKER, startPipeline, redisUrlOf } from "../helpers/pipeline.js";
import { startPrivateRedis } from "../helpers/private-redis.js";
import { sample } from "../helpers/prometheus.js";
import { tempDir } from "../helpers/temp-dir.js";

async function serve(worker: PayoutWorker): Promise<MetricsServer> {
  const server = await startMetricsServer({
    host: "127.0.0.1",
    port: 0,
    metrics: worker.metrics,
    readiness: () => worker.readiness(),
  });
  cleanupAfter(() => server.close());
  return server;
}

async function readyz(server: MetricsServer): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(`${server.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness };
}

const payment = (paymentId: string, amount = "10.50") => ({
  paymentId,
  amount,
  recipient: { type: "key", key: "fornecedor@example.com" },
});

describe("worker metrics over HTTP", async () => {
  // A send budget of 600/min spaces sends ~100 ms apart: of three payments queued together, two wait.
  const p = await startPipeline({
    emulator: { balanceCents: 1_000_00 },
    env: { PIXOUT_SEND_PER_MINUTE: "600", PIXOUT_ON_INSUFFICIENT_BALANCE: "fail" },
  });
  const server = await serve(p.worker);

  it("counts payments by outcome, bank calls by operation and status, token requests, budget waits and certificate days", async () => {
    const [a, b, broke] = [`m-${randomUUID()}`, `m-${randomUUID()}`, `m-${randomUUID()}`];
    // One 429 from Inter on a send (Retry-After: 0): counted once, as status="429", and the send is redone.
    p.emulator.faults.add(parseFaultRule("POST /banking/v2/pix rate-limit retryAfter=0 times=1"));
    await p.producer.enqueue(payment(a));
    await p.producer.enqueue(payment(b));
    await p.producer.enqueue(payment(broke, "2000.00")); // more than the balance: CANCELADO_SEM_SALDO
    expect((await p.producer.waitForResult(a, { timeoutMs: 15_000 })).outcome).toBe("paid");
    expect((await p.producer.waitForResult(b, { timeoutMs: 15_000 })).outcome).toBe("paid");
    expect(await p.producer.waitForResult(broke, { timeoutMs: 15_000 })).toMatchObject({
      outcome: "failed",
      bankStatus: "CANCELADO_SEM_SALDO",
    });

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();

    expect(sample(text, "pixout_payments_total", { outcome: "paid" })).toBe(2);
    expect(sample(text, "pixout_payments_total", { outcome: "failed" })).toBe(1);
    for (const outcome of ["rejected", "blocked", "needs-reconciliation"])
      expect(sample(text, "pixout_payments_total", { outcome })).toBe(0);

    expect(p.emulator.ledger.snapshot().faults["rate-limit"]).toBe(1);
    expect(sample(text, "pixout_bank_call_duration_seconds_count", { operation: "send-pix", status: "429" })).toBe(1);
    expect(sample(text, "pixout_bank_call_duration_seconds_count", { operation: "send-pix", status: "200" })).toBe(3);
    expect(
      sample(text, "pixout_bank_call_duration_seconds_count", { operation: "get-pix", status: "200" }),
    ).toBeGreaterThanOrEqual(3);
    expect(sample(text, "pixout_bank_call_duration_seconds_count", { operation: "token", status: "200" })).toBe(1);
    expect(
      sample(text, "pixout_bank_call_duration_seconds_bucket", { operation: "send-pix", status: "200", le: "+Inf" }),
    ).toBe(3);

    expect(sample(text, "pixout_token_requests_total", { result: "ok" })).toBe(1);
    for (const result of ["refused", "rate_limited", "error"])
      expect(sample(text, "pixout_token_requests_total", { result })).toBe(0);

    const waits = sample(text, "pixout_rate_limit_waits_total", { endpoint: "send" }) ?? 0;
    expect(waits).toBeGreaterThanOrEqual(1);
    expect(sample(text, "pixout_rate_limit_wait_seconds_count", { endpoint: "send" })).toBe(waits);

    expect(sample(text, "pixout_certificate_days_left")).toBe(daysLeft(p.config.inter.certificate.validTo));
    // Process metrics only where they are served (`pixout worker` with PIXOUT_METRICS_PORT): not here.
    expect(sample(text, "process_cpu_user_seconds_total")).toBeUndefined();
  });

  it("/healthz answers 200 and /readyz 200 with every check passing", async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await readyz(server);
    expect(ready.status).toBe(200);
    expect(ready.body.ready).toBe(true);
    expect(ready.body.checks.map((c) => [c.name, c.ok])).toEqual([
      ["redis", true],
      ["certificate", true],
      ["worker", true],
    ]);
  });

  it("answers 404 for other paths and 405 for other methods", async () => {
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics/x`)).status).toBe(404);
    const post = await fetch(`${server.url}/metrics`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  it("counts a final outcome once when its step re-runs after a lost completion, and again after an operator's retry", async () => {
    const scrape = async (): Promise<string> => (await fetch(`${server.url}/metrics`)).text();
    const queue = new Queue(p.config.queueName, { connection: p.redis, prefix: bullPrefix(p.config.redisPrefix) });
    cleanupAfter(() => queue.close());
    const finished = async (jobId: string, state: "completed" | "failed"): Promise<void> => {
      await expect.poll(() => queue.getJobState(jobId), { timeout: 15_000 }).toBe(state);
    };

    const paidId = `m-${randomUUID()}`;
    await p.producer.enqueue(payment(paidId));
    expect((await p.producer.waitForResult(paidId, { timeoutMs: 15_000 })).outcome).toBe("paid");
    const paid = sample(await scrape(), "pixout_payments_total", { outcome: "paid" }) ?? 0;
    // The final step runs again with the outcome it saved, as after a crash between the save and BullMQ's
    // completion: the same outcome of the same generation is not counted again.
    await (await queue.getJob(jobIdFor(paidId)))?.retry("completed");
    await finished(jobIdFor(paidId), "completed");
    expect(sample(await scrape(), "pixout_payments_total", { outcome: "paid" })).toBe(paid);

    // A foreign producer's invalid job is rejected: counted once, not again on a re-run, again after an
    // operator's retry (which starts from a state without an outcome).
    const badId = `m-${randomUUID()}`;
    const rejected = sample(await scrape(), "pixout_payments_total", { outcome: "rejected" }) ?? 0;
    await queue.add(
      "payout",
      { paymentId: badId, amount: "1.5", recipient: { type: "key", key: "fornecedor@example.com" } },
      { jobId: jobIdFor(badId) },
    );
    await finished(jobIdFor(badId), "failed");
    expect(sample(await scrape(), "pixout_payments_total", { outcome: "rejected" })).toBe(rejected + 1);
    await (await queue.getJob(jobIdFor(badId)))?.retry("failed");
    await finished(jobIdFor(badId), "failed");
    expect(sample(await scrape(), "pixout_payments_total", { outcome: "rejected" })).toBe(rejected + 1);
    expect(
      await retryPayment(queue, p.redis, p.config.redisPrefix, badId, { actor: "test", reason: "producer fixed" }),
    ).toMatchObject({ status: "retried" });
    await finished(jobIdFor(badId), "failed");
    await expect
      .poll(async () => sample(await scrape(), "pixout_payments_total", { outcome: "rejected" }))
      .toBe(rejected + 2);
  });

  it("heartbeat: a paused worker writes no beat, and is taken off the list at its close()", async () => {
    const other = startPayoutWorker({ config: p.config, ...captureLogs("warn"), concurrency: 2 });
    let closed = false;
    cleanupAfter(async () => {
      if (!closed) await other.close();
    });
    await other.heartbeat.beat();
    const live = await liveWorkers(p.redis, p.config.redisPrefix, p.config.queueName);
    expect(live.map((w) => w.instance).sort()).toEqual([p.worker.heartbeat.instance, other.heartbeat.instance].sort());
    expect(live.find((w) => w.instance === other.heartbeat.instance)).toMatchObject({
      pid: process.pid,
      concurrency: 2,
      certificateValidTo: p.config.inter.certificate.validTo.toISOString(),
    });

    // Paused: it takes no jobs, so it vouches for nothing. Its entry is removed here to see that the next
    // beat does not write it again (left alone, it would expire within HEARTBEAT_TTL_MS).
    await other.worker.pause(true);
    expect((await other.readiness()).checks.find((c) => c.name === "worker")).toMatchObject({
      ok: false,
      detail: "paused: takes no new jobs",
    });
    const base = `${bullPrefix(p.config.redisPrefix)}:${p.config.queueName}`;
    await p.redis
      .multi()
      .zrem(`${base}:workers`, other.heartbeat.instance)
      .del(`${base}:worker:${other.heartbeat.instance}`)
      .exec();
    await other.heartbeat.beat();
    expect((await liveWorkers(p.redis, p.config.redisPrefix, p.config.queueName)).map((w) => w.instance)).toEqual([
      p.worker.heartbeat.instance,
    ]);

    closed = true;
    expect(await other.close()).toBe(true);
    const after = await liveWorkers(p.redis, p.config.redisPrefix, p.config.queueName);
    expect(after.map((w) => w.instance)).toEqual([p.worker.heartbeat.instance]);
  });
});

describe("worker readiness failing", () => {
  it("/readyz is 503 naming the certificate when it has fewer than 7 days left", async () => {
    const certs = testCerts();
    const dir = tempDir("metrics-cert");
    const soon = issueCertificate({
      commonName: "pixout dev integration",
      clientAuth: true,
      issuer: { certPem: certs.ca, keyPem: readFileSync(certs.paths.caKey, "utf8") },
      notAfter: new Date(Date.now() + 3 * 86_400_000 + 3_600_000),
    });
    writeFileSync(join(dir, "client.crt"), soon.certPem);
    writeFileSync(join(dir, "client.key"), soon.keyPem, { mode: 0o600 });
    const p = await startPipeline({
      env: { INTER_CERT_FILE: join(dir, "client.crt"), INTER_KEY_FILE: join(dir, "client.key") },
    });
    const server = await serve(p.worker);

    // Until the worker's connection is up, the redis check fails too.
    await expect
      .poll(async () => (await readyz(server)).body.checks.find((c) => c.name === "redis")?.ok, { timeout: 5_000 })
      .toBe(true);
    const ready = await readyz(server);
    expect(ready.status).toBe(503);
    expect(ready.body.ready).toBe(false);
    expect(ready.body.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(["certificate"]);
    expect(ready.body.checks.find((c) => c.name === "certificate")?.detail).toMatch(
      /^3 days left \(expires .*\), fewer than 7: download a new certificate/,
    );
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(sample(text, "pixout_certificate_days_left")).toBe(3);
    // The certificate still works: the worker pays (readiness is a warning to the orchestrator, not a stop).
    const id = `m-${randomUUID()}`;
    await p.producer.enqueue(payment(id));
    expect((await p.producer.waitForResult(id, { timeoutMs: 15_000 })).outcome).toBe("paid");
  });

  it("/readyz is 503 naming redis when Redis is gone, and the worker check while it closes", async () => {
    const redis = await startPrivateRedis();
    cleanupAfter(() => redis.stop("SIGKILL"));
    const emulator = await startTestEmulator({ limits: NO_LIMITS });
    const { config } = loadConfig({
      ...clientEnvFor(emulator),
      ...FAST_WORKER,
      REDIS_URL: redis.url,
      PIXOUT_QUEUE: "readyz",
    });
    const { logger, secrets } = captureLogs("silent");
    const worker = startPayoutWorker({ config, logger, secrets });
    let closed = false;
    cleanupAfter(async () => {
      if (!closed) await worker.close();
    });
    const server = await serve(worker);
    await expect.poll(async () => (await readyz(server)).status, { timeout: 5_000 }).toBe(200);

    await redis.stop("SIGKILL");
    const down = await readyz(server);
    expect(down.status).toBe(503);
    expect(down.body.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(["redis"]);
    expect(down.body.checks.find((c) => c.name === "redis")?.detail).toMatch(
      /^Redis does not answer: (not connected|no answer to PING|PING failed)/,
    );

    const closing = worker.close();
    closed = true;
    const during = await readyz(server);
    expect(during.body.checks.find((c) => c.name === "worker")).toMatchObject({
      ok: false,
      detail: "closing: takes no new jobs",
    });
    await closing;
  });
});

describe("metrics never change a payment", () => {
  it("a CallObserver that throws changes neither the payment's outcome nor its number of sends", async () => {
    const emulator = await startTestEmulator({ limits: NO_LIMITS, timing: { sentAfterMs: 20, paidAfterMs: 60 } });
    const env = {
      ...clientEnvFor(emulator),
      ...FAST_WORKER,
      REDIS_URL: inject("redisUrl"),
      PIXOUT_QUEUE: `test-${randomUUID().slice(0, 8)}`,
      PIXOUT_REDIS_PREFIX: `pixout-test-${randomUUID().slice(0, 8)}`,
    };
    const { config } = loadConfig(env);
    const { logger, lines, secrets } = captureLogs("warn");
    let calls = 0;
    const worker = startPayoutWorker({
      config,
      logger,
      secrets,
      // prom-client throws like this on a value that is not a finite number.
      observer: () => {
        calls++;
        throw new TypeError("Value is not a valid number: NaN");
      },
    });
    const producer = createPayoutProducer(producerOptionsFor(config));
    cleanupAfter(async () => {
      await producer.close();
      await worker.close();
      await removeQueueKeys(redisUrlOf(config), config.redisPrefix);
    });
    const server = await serve(worker);

    const id = `m-${randomUUID()}`;
    await producer.enqueue(payment(id));
    expect(await producer.waitForResult(id, { timeoutMs: 15_000 })).toMatchObject({ outcome: "paid", attempts: 0 });
    const ledger = emulator.ledger.snapshot();
    expect(ledger.requests["POST /banking/v2/pix"]?.total).toBe(1);
    expect(ledger.executions.total).toBe(1);
    // Told of the token, the send and at least one status query, and thrown every time.
    expect(calls).toBeGreaterThanOrEqual(3);
    // The worker's own metrics still counted (they come first), and the problem was logged once.
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(sample(text, "pixout_payments_total", { outcome: "paid" })).toBe(1);
    expect(sample(text, "pixout_bank_call_duration_seconds_count", { operation: "send-pix", status: "200" })).toBe(1);
    expect(lines.filter((l) => l.includes("a metric could not be recorded"))).toHaveLength(1);
  });
});
