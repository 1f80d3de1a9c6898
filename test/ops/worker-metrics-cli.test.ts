// `pixout worker` with PIXOUT_METRICS_PORT: the built command serves its metrics and health, and a port
// in use or a wrong setting is a clear message with exit code 78 (run `npm run build` first).
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { runCli } from "../helpers/cli.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { startPipeline } from "../helpers/pipeline.js";
import { sample } from "../helpers/prometheus.js";
import { startWorkerProcess } from "../helpers/worker-process.js";

/** The metrics URL the worker logs at start (a JSON log line on stdout). */
async function metricsUrl(child: ChildProcess): Promise<string> {
  if (!child.stdout) throw new Error("no stdout");
  for await (const line of createInterface({ input: child.stdout })) {
    let entry: { msg?: string; url?: string };
    try {
      entry = JSON.parse(line) as { msg?: string; url?: string };
    } catch {
      continue;
    }
    if (entry.msg?.startsWith("worker metrics at") === true && entry.url !== undefined) return entry.url;
  }
  throw new Error("the worker exited without logging its metrics URL");
}

describe("pixout worker metrics server", async () => {
  // The pipeline's own worker stays paused: the `pixout worker` process does the work.
  const p = await startPipeline({ worker: false });

  it("serves /metrics, /healthz and /readyz on PIXOUT_METRICS_PORT, and stops on SIGTERM", async () => {
    const child = startWorkerProcess({ ...p.env, LOG_LEVEL: "info", PIXOUT_METRICS_PORT: "0" }, [
      "ignore",
      "pipe",
      "pipe",
    ]);
    const url = await metricsUrl(child);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const base = url.replace(/\/metrics$/, "");

    const id = `cli-${randomUUID()}`;
    await p.producer.enqueue({
      paymentId: id,
      amount: "10.50",
      recipient: { type: "key", key: "fornecedor@example.com" },
    });
    expect((await p.producer.waitForResult(id, { timeoutMs: 20_000 })).outcome).toBe("paid");

    const metrics = await fetch(url);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(sample(text, "pixout_payments_total", { outcome: "paid" })).toBe(1);
    expect(sample(text, "pixout_token_requests_total", { result: "ok" })).toBe(1);
    expect(sample(text, "pixout_bank_call_duration_seconds_count", { operation: "send-pix", status: "200" })).toBe(1);
    // Each gated call is measured from its gate to its socket, once: the send and every status query.
    expect(sample(text, "pixout_bank_gate_to_socket_seconds_count", { operation: "send-pix" })).toBe(1);
    expect(sample(text, "pixout_bank_gate_to_socket_seconds_count", { operation: "get-pix" })).toBe(
      sample(text, "pixout_bank_call_duration_seconds_count", { operation: "get-pix", status: "200" }),
    );
    // The process metrics come with the server.
    expect(sample(text, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await expect.poll(async () => (await fetch(`${base}/readyz`)).status, { timeout: 5_000 }).toBe(200);

    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
  });

  it("a port in use is a clear error naming PIXOUT_METRICS_PORT, exit 78, no stack trace", async () => {
    const taken = createServer().listen(0, "127.0.0.1");
    await once(taken, "listening");
    cleanupAfter(() => {
      taken.close();
    });
    const port = (taken.address() as AddressInfo).port;
    const result = await runCli(["worker"], {
      env: { ...p.env, LOG_LEVEL: "warn", PIXOUT_METRICS_PORT: String(port) },
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`PIXOUT_METRICS_PORT: port ${String(port)} is in use on 127.0.0.1`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it("wrong metrics and tracing settings are listed with the other wrong settings, exit 78", async () => {
    const result = await runCli(["worker"], {
      env: {
        ...p.env,
        PIXOUT_METRICS_PORT: "http",
        PIXOUT_CONCURRENCY: "0",
        PIXOUT_TRACING: "true",
        OTEL_EXPORTER_OTLP_ENDPOINT: "grpc://collector:4317",
      },
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/3 settings are wrong/);
    expect(result.stderr).toMatch(/PIXOUT_CONCURRENCY: /);
    expect(result.stderr).toMatch(/PIXOUT_METRICS_PORT: must be a port number/);
    expect(result.stderr).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT: must be an http:\/\/ or https:\/\/ URL/);
  });

  it("--help names the metrics and tracing settings", async () => {
    const result = await runCli(["worker", "--help"], { env: p.env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/PIXOUT_METRICS_PORT/);
    expect(result.stdout).toMatch(/PIXOUT_TRACING=true/);
  });
});
