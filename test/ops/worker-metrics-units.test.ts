// The pieces of a worker's metrics and health on their own: labels of real bank exchanges (the
// emulator), the metrics settings, and the readiness rules.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { createBank } from "../../src/inter/bank.js";
import {
  callStatusLabel,
  combineObservers,
  createWorkerMetrics,
  tokenResult,
} from "../../src/ops/metrics/worker-metrics.js";
import { DEFAULT_METRICS_HOST, loadMetricsSettings, loadWorkerSettings } from "../../src/ops/metrics/settings.js";
import { createWorkerReadiness } from "../../src/ops/worker-readiness.js";
import { settingsFor } from "../helpers/bank.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { NO_LIMITS, startTestEmulator } from "../helpers/emulator.js";
import { captureLogs } from "../helpers/log-capture.js";
import { sample } from "../helpers/prometheus.js";

const DAY = 86_400_000;

describe("bank-call labels", async () => {
  const emulator = await startTestEmulator({ limits: NO_LIMITS });

  it("a refused token request: status 400 (Inter's answer to wrong credentials) and result refused; an unreachable bank: status connection", async () => {
    const metrics = createWorkerMetrics({ certificateValidTo: new Date(Date.now() + 90 * DAY) });
    const refused = createBank({
      settings: settingsFor(emulator, { INTER_CLIENT_SECRET: "wrong-secret" }),
      ...captureLogs("silent"),
      observer: metrics.observer,
    });
    cleanupAfter(() => refused.close());
    await expect(refused.client.getPix("00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({
      code: "INTER_REJECTED",
      operation: "token",
    });
    // Nothing listens on port 9 of this machine.
    const away = createBank({
      settings: { ...settingsFor(emulator), baseUrl: "https://127.0.0.1:9" },
      ...captureLogs("silent"),
      observer: metrics.observer,
    });
    cleanupAfter(() => away.close());
    await expect(away.client.getPix("00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({
      code: "INTER_CONNECTION",
    });

    const text = (await metrics.scrape()).body;
    expect(sample(text, "pixout_bank_call_duration_seconds_count", { operation: "token", status: "400" })).toBe(1);
    expect(sample(text, "pixout_bank_call_duration_seconds_count", { operation: "token", status: "connection" })).toBe(
      1,
    );
    expect(sample(text, "pixout_token_requests_total", { result: "refused" })).toBe(1);
    expect(sample(text, "pixout_token_requests_total", { result: "error" })).toBe(1);
    expect(sample(text, "pixout_token_requests_total", { result: "ok" })).toBe(0);
    // Process metrics are off unless asked for (only a process that serves them starts their monitors).
    expect(text).not.toMatch(/^process_/m);
    const served = createWorkerMetrics({ certificateValidTo: new Date(Date.now() + 90 * DAY), processMetrics: true });
    expect(sample((await served.scrape()).body, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
  });

  it("maps statuses and transport errors to labels", () => {
    expect(callStatusLabel({ status: 200 })).toBe("200");
    expect(callStatusLabel({ errorCode: "INTER_TIMEOUT" })).toBe("timeout");
    expect(callStatusLabel({ status: 200, errorCode: "INTER_BAD_RESPONSE" })).toBe("bad_response");
    expect(tokenResult({ status: 200 })).toBe("ok");
    expect(tokenResult({ status: 429 })).toBe("rate_limited");
    expect(tokenResult({ status: 403 })).toBe("refused");
    expect(tokenResult({ status: 503 })).toBe("error");
    expect(tokenResult({ errorCode: "INTER_TIMEOUT" })).toBe("error");
  });

  it("two workers' metrics in one process do not collide (a registry each)", async () => {
    const a = createWorkerMetrics({ certificateValidTo: new Date(Date.now() + 90 * DAY) });
    const b = createWorkerMetrics({ certificateValidTo: new Date(Date.now() + 10 * DAY + 60_000) });
    a.onOutcome("paid");
    a.onRateLimitWait("status", 1500);
    expect(sample((await a.scrape()).body, "pixout_payments_total", { outcome: "paid" })).toBe(1);
    expect(sample((await a.scrape()).body, "pixout_rate_limit_wait_seconds_sum", { endpoint: "status" })).toBe(1.5);
    expect(sample((await b.scrape()).body, "pixout_payments_total", { outcome: "paid" })).toBe(0);
    expect(sample((await b.scrape()).body, "pixout_certificate_days_left")).toBe(10);
  });

  it("no entry point throws: a value prom-client refuses is dropped and logged at most once a minute", async () => {
    const { logger, lines } = captureLogs("warn");
    const metrics = createWorkerMetrics({ certificateValidTo: new Date(Date.now() + 90 * DAY), logger });
    expect(() => {
      metrics.observer({ operation: "send-pix", status: 200, ms: Number.NaN });
      metrics.observer({ operation: "token", status: 200, ms: Number.POSITIVE_INFINITY });
      metrics.onRateLimitWait("send", Number.NaN);
    }).not.toThrow();
    // What could be counted was; the refused durations were not.
    const text = (await metrics.scrape()).body;
    expect(sample(text, "pixout_token_requests_total", { result: "ok" })).toBe(1);
    expect(sample(text, "pixout_rate_limit_waits_total", { endpoint: "send" })).toBe(1);
    expect(
      sample(text, "pixout_bank_call_duration_seconds_count", { operation: "send-pix", status: "200" }),
    ).toBeUndefined();
    expect(lines.filter((l) => l.includes("a metric could not be recorded"))).toHaveLength(1);
    expect(lines[0]).toContain("Value is not a valid number");

    // Combined observers: one that throws stops neither the others nor the caller.
    let seen = 0;
    const combined = combineObservers(
      [
        () => {
          throw new Error("broken observer");
        },
        () => {
          seen++;
        },
      ],
      logger,
    );
    expect(() => {
      combined({ operation: "get-pix", status: 200, ms: 5 });
    }).not.toThrow();
    expect(seen).toBe(1);
  });
});

describe("metrics settings", () => {
  it("no port: no server; host 127.0.0.1 by default; 0 = any free port", () => {
    expect(loadMetricsSettings({})).toEqual({ port: undefined, host: DEFAULT_METRICS_HOST });
    expect(loadMetricsSettings({ PIXOUT_METRICS_PORT: "", PIXOUT_METRICS_HOST: "" })).toEqual({
      port: undefined,
      host: "127.0.0.1",
    });
    expect(loadMetricsSettings({ PIXOUT_METRICS_PORT: "0" })).toEqual({ port: 0, host: "127.0.0.1" });
    expect(loadMetricsSettings({ PIXOUT_METRICS_PORT: "9464", PIXOUT_METRICS_HOST: "0.0.0.0" })).toEqual({
      port: 9464,
      host: "0.0.0.0",
    });
  });

  it("refuses a port that is not one and a host with spaces, each named", () => {
    for (const port of ["65536", "-1", "9464x", "http"]) {
      expect(() => loadMetricsSettings({ PIXOUT_METRICS_PORT: port })).toThrow(
        /PIXOUT_METRICS_PORT: must be a port number/,
      );
    }
    expect(() => loadMetricsSettings({ PIXOUT_METRICS_HOST: "my host" })).toThrow(
      /PIXOUT_METRICS_HOST: must be a host name or IP address/,
    );
  });

  it("reports its problems with the configuration's and tracing's, in one ConfigError", () => {
    let error: unknown;
    try {
      loadWorkerSettings({ PIXOUT_METRICS_PORT: "x", PIXOUT_TRACING: "yes" }, (env) => loadConfig(env));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const settings = (error as ConfigError).problems.map((p) => p.setting);
    expect(settings).toContain("INTER_CLIENT_ID");
    expect(settings).toContain("PIXOUT_METRICS_PORT");
    expect(settings).toContain("PIXOUT_TRACING");
  });
});

describe("worker readiness rules", () => {
  const redis = { status: "ready", ping: () => Promise.resolve("PONG") } as const;
  const running = () => ({ running: true, detail: "taking jobs" });

  it("7 whole days left is ready, 6 is not", async () => {
    const now = Date.now();
    const at = (days: number) =>
      createWorkerReadiness({
        redis,
        certificateValidTo: new Date(now + days * DAY + 60_000),
        worker: running,
        now: () => now,
      });
    expect((await at(7)()).ready).toBe(true);
    const six = await at(6)();
    expect(six.ready).toBe(false);
    expect(six.checks.find((c) => c.name === "certificate")).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^6 days left/) as unknown,
    });
  });

  it("a PING that does not answer within the timeout fails the redis check", async () => {
    const hung = { status: "ready", ping: () => new Promise<string>(() => undefined) } as const;
    const readiness = createWorkerReadiness({
      redis: hung,
      certificateValidTo: new Date(Date.now() + 90 * DAY),
      worker: running,
      pingTimeoutMs: 50,
    });
    const result = await readiness();
    expect(result.ready).toBe(false);
    expect(result.checks[0]).toEqual({
      name: "redis",
      ok: false,
      detail: "Redis does not answer: no answer to PING within 50 ms",
    });
  });

  it("a connection that is not ready fails the redis check without sending a PING", async () => {
    let pinged = false;
    const away = {
      status: "reconnecting",
      ping: () => {
        pinged = true;
        return new Promise<string>(() => undefined);
      },
    } as const;
    const result = await createWorkerReadiness({
      redis: away,
      certificateValidTo: new Date(Date.now() + 90 * DAY),
      worker: running,
    })();
    expect(result.checks[0]).toEqual({
      name: "redis",
      ok: false,
      detail: "Redis does not answer: not connected (reconnecting); waiting for it to come back",
    });
    expect(pinged).toBe(false);
  });
});
