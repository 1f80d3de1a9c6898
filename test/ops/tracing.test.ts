// Optional OpenTelemetry tracing (docs/operating/observability.md). One trace per payment, from the producer's
// enqueue through every step of a `pixout worker` process to each call to the (emulated) bank, posted as OTLP/HTTP
// JSON to a real collector in the test; no personal data in it; nothing posted at all when tracing is off.
// Needs `npm run build` (the worker and `pixout pay` are the built command).
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import { ConfigError, type Environment } from "../../src/config.js";
import { parseFaultRule } from "../../src/emulator/emulator.js";
import { createBank } from "../../src/inter/bank.js";
import { routeOf } from "../../src/inter/http.js";
import { startTracing } from "../../src/ops/tracing.js";
import { DEFAULT_TRACES_ENDPOINT, loadTracingSettings, parseOtlpHeaders } from "../../src/ops/tracing-settings.js";
import { bullPrefix, jobIdFor } from "../../src/queue/names.js";
import { createPayoutProducer, producerOptionsFor } from "../../src/queue/producer/producer.js";
import { startPayoutWorker } from "../../src/queue/worker/worker.js";
import { settingsFor } from "../helpers/bank.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { runCli } from "../helpers/cli.js";
import { captureLogs } from "../helpers/log-capture.js";
import { OTLP_KIND, startOtlpCollector, type CollectedSpan, type OtlpCollector } from "../helpers/otlp-collector.js";
import { startPipeline } from "../helpers/pipeline.js";
import { startWorkerProcess } from "../helpers/worker-process.js";

// Personal data of the payments below: none of it may reach a span, an event or a resource.
const EMAIL = "tracing.pii@example.com";
const CPF = "52998224725";
const NAME = "Joana Rastreada Pereira";
const ACCOUNT = "48151623";
const PII = [EMAIL, CPF, NAME, ACCOUNT];

const id = (): string => `tr-${randomUUID().slice(0, 12)}`;
const keyPayment = (paymentId: string) => ({ paymentId, amount: "12.34", recipient: { type: "key", key: EMAIL } });
const bankPayment = (paymentId: string) => ({
  paymentId,
  amount: "7.89",
  recipient: {
    type: "bank",
    ispb: "00416968",
    branch: "0001",
    account: ACCOUNT,
    accountType: "CONTA_CORRENTE",
    document: CPF,
    name: NAME,
  },
});

/** A local port nothing listens on (a collector that is down). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

async function stop(worker: ChildProcess): Promise<void> {
  worker.kill("SIGTERM");
  const [code] = (await once(worker, "exit")) as [number | null];
  expect(code).toBe(0);
}

/**
 * The trace of one payment, checked: BullMQ's process spans of its job and the bank calls under them all
 * share one trace, which holds the producer's span. Returns the trace's spans.
 */
function checkPaymentTrace(spans: CollectedSpan[], paymentId: string, producerService: string): CollectedSpan[] {
  const jobId = jobIdFor(paymentId);
  const processSpans = spans.filter((s) => s.kind === OTLP_KIND.consumer && s.attributes["bullmq.job.id"] === jobId);
  const traceIds = new Set(processSpans.map((s) => s.traceId));
  expect(traceIds.size).toBe(1);
  const [traceId] = [...traceIds];
  const trace = spans.filter((s) => s.traceId === traceId);

  // The producer's enqueue: the root, from the producer process.
  const producer = trace.filter((s) => s.kind === OTLP_KIND.producer);
  expect(producer).toHaveLength(1);
  expect(producer[0]).toMatchObject({ service: producerService, scope: "bullmq" });
  expect(producer[0]?.name).toMatch(/^addBulk /);
  expect(producer[0]?.parentSpanId).toBeUndefined();

  // Every step of the job (a send, then at least one status query after moveToDelayed: the workers here have
  // two slots, none of which waits for a status query itself) is a worker span of this trace, a child of the enqueue.
  expect(processSpans.length).toBeGreaterThanOrEqual(2);
  for (const step of processSpans) {
    expect(step.service).toBe("pixout-worker");
    expect(step.name).toMatch(/^process /);
    expect(step.parentSpanId).toBe(producer[0]?.spanId);
  }
  const stepIds = new Set(processSpans.map((s) => s.spanId));

  // Each bank call a child of a step: one send, and status queries in later steps.
  const sends = trace.filter((s) => s.name === "inter send");
  const statuses = trace.filter((s) => s.name === "inter status");
  expect(sends).toHaveLength(1);
  expect(statuses.length).toBeGreaterThanOrEqual(1);
  for (const call of [...sends, ...statuses]) {
    expect(call).toMatchObject({ kind: OTLP_KIND.client, service: "pixout-worker", scope: "pixout", statusCode: 0 });
    expect(stepIds.has(call.parentSpanId ?? "")).toBe(true);
    expect(call.attributes["http.response.status_code"]).toBe(200);
    expect(call.attributes["server.address"]).toBe("127.0.0.1");
  }
  const send = sends[0];
  expect(send?.attributes).toMatchObject({ "http.request.method": "POST", "url.path": "/banking/v2/pix" });
  expect(send?.attributes["pixout.idempotency_key"]).toMatch(/^[0-9a-f-]{36}$/);
  for (const status of statuses)
    expect(status.attributes).toMatchObject({
      "http.request.method": "GET",
      "url.path": "/banking/v2/pix/{codigoSolicitacao}",
    });
  // The send step and a later status step are different steps.
  expect(sends[0]?.parentSpanId).not.toBe(statuses.at(-1)?.parentSpanId);
  return trace;
}

function expectNoPersonalData(collector: OtlpCollector): void {
  const everything = collector.raw.join("\n");
  for (const value of PII) expect(everything).not.toContain(value);
}

describe("tracing settings", () => {
  it("is off unless PIXOUT_TRACING=true, and then ignores the OTEL_* settings", () => {
    expect(loadTracingSettings({}).enabled).toBe(false);
    expect(loadTracingSettings({ PIXOUT_TRACING: "false", OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" }).enabled).toBe(
      false,
    );
    // Another tool's OTEL_* settings are none of pixout's business while its tracing is off.
    expect(
      loadTracingSettings({ OTEL_SERVICE_NAME: "x".repeat(300), OTEL_EXPORTER_OTLP_HEADERS: "garbage" }),
    ).toMatchObject({ enabled: false });
  });

  it("takes the standard endpoints: the traces one as is, the generic one + /v1/traces, else localhost", () => {
    expect(loadTracingSettings({ PIXOUT_TRACING: "true" })).toEqual({
      enabled: true,
      endpoint: DEFAULT_TRACES_ENDPOINT,
      headers: {},
    });
    expect(
      loadTracingSettings({ PIXOUT_TRACING: "true", OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318/" }).endpoint,
    ).toBe("http://jaeger:4318/v1/traces");
    const both = loadTracingSettings({
      PIXOUT_TRACING: "true",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://otel.example.com/custom/traces",
      OTEL_SERVICE_NAME: "payouts-eu",
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20abc, x-tenant=one",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-tenant=two",
    });
    expect(both).toEqual({
      enabled: true,
      endpoint: "https://otel.example.com/custom/traces",
      serviceName: "payouts-eu",
      headers: { authorization: "Bearer abc", "x-tenant": "two" },
    });
  });

  it("refuses wrong settings with a ConfigError listing each, never quoting a header's value", () => {
    const wrong = (env: Environment): ConfigError => {
      try {
        loadTracingSettings(env);
      } catch (err) {
        if (err instanceof ConfigError) return err;
        throw err;
      }
      throw new Error("no ConfigError");
    };
    expect(wrong({ PIXOUT_TRACING: "yes" }).problems).toEqual([
      { setting: "PIXOUT_TRACING", message: "must be true or false" },
    ]);
    const err = wrong({
      PIXOUT_TRACING: "true",
      OTEL_EXPORTER_OTLP_ENDPOINT: "grpc://collector:4317",
      OTEL_EXPORTER_OTLP_HEADERS: "s3cr3t-token-value",
      OTEL_SERVICE_NAME: "x".repeat(101),
    });
    expect(err.problems.map((p) => p.setting)).toEqual([
      "OTEL_SERVICE_NAME",
      "OTEL_EXPORTER_OTLP_ENDPOINT",
      "OTEL_EXPORTER_OTLP_HEADERS",
    ]);
    expect(err.message).toContain("must be an http:// or https:// URL");
    expect(err.message).not.toContain("s3cr3t");
    expect(
      wrong({ PIXOUT_TRACING: "true", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "collector:4318" }).problems[0]?.setting,
    ).toBe("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    expect(parseOtlpHeaders("a=%E0%A4%A").problems).toEqual(["entry 1 (a): its value is not valid URL-encoding"]);
  });

  it("templates identifiers out of span paths", () => {
    expect(routeOf("/banking/v2/pix/6f1c1f9e-5b0a-4c47-9d1e-3f1b2c3d4e5f")).toBe("/banking/v2/pix/{codigoSolicitacao}");
    expect(routeOf("/banking/v2/pix")).toBe("/banking/v2/pix");
    expect(routeOf("/oauth/v2/token")).toBe("/oauth/v2/token");
    expect(routeOf("/banking/v2/webhooks/pix-pagamento")).toBe("/banking/v2/webhooks/pix-pagamento");
    expect(routeOf(`/banking/v2/somewhere/${CPF}/x?chave=${EMAIL}`)).toBe("/banking/v2/somewhere/{id}/x");
    expect(routeOf(`/x/${EMAIL}`)).toBe("/x/{id}");
  });
});

describe("tracing end to end", async () => {
  // The pipeline's own worker stays paused: `pixout worker` processes do the work.
  const p = await startPipeline({ worker: false });
  // Two slots: no run waits in its slot for the status query (conclude.ts: none below 4), so it runs in a
  // later step, after moveToDelayed — the trace must cross that move.
  const env: Environment = { ...p.env, LOG_LEVEL: "warn", PIXOUT_CONCURRENCY: "2" };
  const tracingEnv = (collector: OtlpCollector): Environment => ({
    PIXOUT_TRACING: "true",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.url,
  });

  it("the SDK producer's enqueue and a `pixout worker`'s steps and bank calls form one trace per payment", async () => {
    const collector = await startOtlpCollector();
    const worker = startWorkerProcess({ ...env, ...tracingEnv(collector) });
    const tracing = await startTracing(loadTracingSettings(tracingEnv(collector)), "pixout-producer");
    cleanupAfter(() => tracing.shutdown());
    expect(tracing.telemetry).toBeDefined();
    const producer = createPayoutProducer({
      ...producerOptionsFor(p.config),
      ...(tracing.telemetry ? { telemetry: tracing.telemetry } : {}),
    });
    cleanupAfter(() => producer.close());

    const byKey = keyPayment(id());
    const byBank = bankPayment(id());
    expect((await producer.enqueue(byKey)).status).toBe("accepted");
    expect((await producer.enqueue(byBank)).status).toBe("accepted");
    const views = [
      await producer.waitForResult(byKey.paymentId, { timeoutMs: 20_000 }),
      await producer.waitForResult(byBank.paymentId, { timeoutMs: 20_000 }),
    ];
    expect(views.map((v) => v.outcome)).toEqual(["paid", "paid"]);
    // Flush both sides: the producer here, the worker on its graceful stop.
    await tracing.shutdown();
    await stop(worker);

    const spans = collector.spans();
    const keyTrace = checkPaymentTrace(spans, byKey.paymentId, "pixout-producer");
    const bankTrace = checkPaymentTrace(spans, byBank.paymentId, "pixout-producer");
    expect(keyTrace[0]?.traceId).not.toBe(bankTrace[0]?.traceId);
    // The bank key on the send span is the one the payment's result records.
    expect(keyTrace.find((s) => s.name === "inter send")?.attributes["pixout.idempotency_key"]).toBe(
      views[0]?.result?.idempotencyKey,
    );
    expectNoPersonalData(collector);
  });

  it("`pixout pay` starts the trace when PIXOUT_TRACING=true", async () => {
    const collector = await startOtlpCollector();
    const worker = startWorkerProcess({ ...env, ...tracingEnv(collector) });
    const paymentId = id();
    const paid = await runCli(
      ["pay", "--id", paymentId, "--amount", "3.21", "--key", EMAIL, "--wait", "--timeout", "20"],
      { env: { ...env, ...tracingEnv(collector) } },
    );
    expect(paid.stderr).toBe("");
    expect(paid.code).toBe(0);
    await stop(worker);
    checkPaymentTrace(collector.spans(), paymentId, "pixout-producer");
    expectNoPersonalData(collector);
  });

  it("with PIXOUT_TRACING unset nothing is posted, even with an OTLP endpoint configured", async () => {
    const collector = await startOtlpCollector();
    const otelOnly: Environment = {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url.replace("/v1/traces", ""),
    };
    const off = await startTracing(loadTracingSettings(otelOnly), "pixout-producer");
    expect(off.telemetry).toBeUndefined();
    await off.shutdown();
    const worker = startWorkerProcess({ ...env, ...otelOnly });
    const paymentId = id();
    const paid = await runCli(
      ["pay", "--id", paymentId, "--amount", "4.56", "--key", EMAIL, "--wait", "--timeout", "20"],
      { env: { ...env, ...otelOnly } },
    );
    expect(paid.code).toBe(0);
    expect(paid.stdout).toMatch(/outcome\s+paid/);
    // Both processes have ended, so any span they had made would have been flushed by now.
    await stop(worker);
    expect(collector.received).toEqual([]);
  });

  it("a collector that is down: the payment is paid, the worker warns and stops cleanly", async () => {
    const down: Environment = {
      PIXOUT_TRACING: "true",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${String(await closedPort())}/v1/traces`,
    };
    const worker = startWorkerProcess({ ...env, ...down }, ["ignore", "pipe", "pipe"]);
    let out = "";
    worker.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
    });
    const paymentId = id();
    await p.producer.enqueue(keyPayment(paymentId));
    expect((await p.producer.waitForResult(paymentId, { timeoutMs: 20_000 })).outcome).toBe("paid");
    // The worker's last spans cannot be sent: its stop waits for them at most 6 s, then exits 0.
    await stop(worker);
    expect(out).toMatch(
      /"msg":"tracing: (could not export spans|could not flush the last spans|the collector did not take the last spans in time)/,
    );
  });

  it("a bank call's span on a 5xx or a timeout has status ERROR and says whether the send may have executed", async () => {
    const collector = await startOtlpCollector();
    const tracing = await startTracing(loadTracingSettings(tracingEnv(collector)), "pixout-worker");
    cleanupAfter(() => tracing.shutdown());
    const bank = createBank({
      settings: settingsFor(p.emulator, { INTER_REQUEST_TIMEOUT_MS: "300" }),
      ...captureLogs("silent"),
    });
    cleanupAfter(() => bank.close());
    const order = { amountCents: 100, recipient: { type: "key" as const, key: EMAIL } };
    const sent = await bank.client.sendPix(order, randomUUID()); // the token first, and a codigo to query
    p.emulator.faults.add(parseFaultRule("POST /banking/v2/pix status status=504 times=1"));
    await expect(bank.client.sendPix(order, randomUUID())).rejects.toMatchObject({
      code: "INTER_UNAVAILABLE",
      ambiguous: true,
    });
    p.emulator.faults.add(parseFaultRule("POST /banking/v2/pix timeout-after ms=2000 times=1"));
    await expect(bank.client.sendPix(order, randomUUID())).rejects.toMatchObject({
      code: "INTER_TIMEOUT",
      ambiguous: true,
    });
    p.emulator.faults.add(parseFaultRule("GET /banking/v2/pix/* status status=502 times=1"));
    await expect(bank.client.getPix(sent.codigoSolicitacao)).rejects.toMatchObject({
      code: "INTER_UNAVAILABLE",
      ambiguous: false,
    });
    await tracing.shutdown();

    const calls = collector.spans().filter((s) => s.name === "inter send" || s.name === "inter status");
    const failed = calls.filter((s) => s.statusCode === 2); // OTLP: 2 = ERROR
    expect(failed.map((s) => [s.name, s.attributes["error.type"], s.attributes["pixout.ambiguous"]])).toEqual([
      ["inter send", "504", true],
      ["inter send", "INTER_TIMEOUT", true],
      ["inter status", "502", false],
    ]);
    expect(failed[0]?.attributes["http.response.status_code"]).toBe(504);
    expect(calls.filter((s) => s.statusCode !== 2).map((s) => s.name)).toEqual(["inter send"]);
  });

  it("a foreign producer's job with a malformed trace context (opts.tm) is still paid, in a trace of its own", async () => {
    const collector = await startOtlpCollector();
    const tracing = await startTracing(loadTracingSettings(tracingEnv(collector)), "pixout-worker");
    cleanupAfter(() => tracing.shutdown());
    // Two slots: the status query runs in a second step (no run waits in its slot below 4 slots).
    const worker = startPayoutWorker({
      config: p.config,
      concurrency: 2,
      ...captureLogs("silent"),
      ...(tracing.telemetry ? { telemetry: tracing.telemetry } : {}),
    });
    cleanupAfter(async () => {
      await worker.close();
    });
    // A BullMQ client of another language, say, writing its own `tm`: not the JSON bullmq-otel expects.
    const foreign = new Queue(p.config.queueName, { connection: p.redis, prefix: bullPrefix(p.config.redisPrefix) });
    cleanupAfter(() => foreign.close());
    const paymentId = id();
    await foreign.add("payout", keyPayment(paymentId), {
      jobId: jobIdFor(paymentId),
      telemetry: { metadata: "traceparent=not-json" },
    });
    expect(JSON.parse((await p.redis.hget(foreign.toKey(jobIdFor(paymentId)), "opts")) ?? "{}")).toMatchObject({
      tm: "traceparent=not-json",
    });
    expect((await p.producer.waitForResult(paymentId, { timeoutMs: 20_000 })).outcome).toBe("paid");
    await worker.close();
    await tracing.shutdown();
    const steps = collector
      .spans()
      .filter((s) => s.kind === OTLP_KIND.consumer && s.attributes["bullmq.job.id"] === jobIdFor(paymentId));
    expect(steps.length).toBeGreaterThanOrEqual(2);
    expect(steps.every((s) => s.parentSpanId === undefined)).toBe(true);
  });
});
