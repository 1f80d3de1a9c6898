// The Prometheus metrics of one payout worker process (issue #5 §1), scraped from its own port
// (metrics-server.ts). Each process keeps its own counters and Prometheus sums them across targets: a
// worker that dies takes its counters with it without making a fleet-wide sum go backwards (rate() and
// increase() handle a target's reset), and no bank call costs a Redis write. Fleet-wide facts (queue
// depth, oldest waiting job, workers alive) are the dashboard's, computed from Redis.
//
// One Registry per worker, never prom-client's global one: two workers in one process (tests, the demo)
// must not share or collide on metric names.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { CallObserver } from "../../inter/http.js";
import type { Outcome } from "../../payments/lifecycle.js";
import type { PayoutMetrics } from "../../queue/processor.js";
import { daysLeft } from "../worker-heartbeat.js";

export interface WorkerMetrics extends PayoutMetrics {
  readonly registry: Registry;
  /** Feeds the bank-call histogram and the token counter; give it to the bank client (src/inter/http.ts). */
  readonly observer: CallObserver;
  /** The text exposition format, for GET /metrics. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

export interface WorkerMetricsOptions {
  /** The Inter certificate's validTo (config.inter.certificate.validTo). */
  certificateValidTo: Date;
  /** prom-client's default process metrics (CPU, memory, event loop, GC) on the same registry; default on. */
  processMetrics?: boolean;
  now?: () => number;
}

/** Seconds; Inter answers in tens to hundreds of milliseconds, the client gives up after 30 s by default. */
const CALL_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds; a backlog reserves slots up to 15 min ahead, beyond it a payment comes back later. */
const WAIT_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600];

export type TokenResult = "ok" | "refused" | "rate_limited" | "error";

/**
 * The `status` label of a bank call: the HTTP status as text, or, when the exchange failed in transport
 * (no answer, or an answer that could not be read), the error code without its prefix: "timeout",
 * "connection", "tls", "bad_response".
 */
export function callStatusLabel(event: { status?: number; errorCode?: string }): string {
  if (event.errorCode !== undefined) return event.errorCode.replace(/^INTER_/, "").toLowerCase();
  return event.status === undefined ? "unknown" : String(event.status);
}

/** What a token call's exchange says: issued, refused (bad credentials or scopes), rate limited, or neither. */
export function tokenResult(event: { status?: number; errorCode?: string }): TokenResult {
  if (event.errorCode !== undefined || event.status === undefined) return "error";
  if (event.status >= 200 && event.status < 300) return "ok";
  if (event.status === 429) return "rate_limited";
  if (event.status === 400 || event.status === 401 || event.status === 403) return "refused";
  return "error";
}

// Label values known in advance, so that every series exists (at 0) from the first scrape: an alert on
// increase(...[5m]) then works for the first failure too.
const OUTCOMES: readonly Outcome[] = ["paid", "failed", "rejected", "blocked", "needs-reconciliation"];
const TOKEN_RESULTS: readonly TokenResult[] = ["ok", "refused", "rate_limited", "error"];
const ENDPOINTS = ["send", "status"] as const;

export function createWorkerMetrics(options: WorkerMetricsOptions): WorkerMetrics {
  const now = options.now ?? Date.now;
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });

  const calls = new Histogram({
    name: "pixout_bank_call_duration_seconds",
    help: "Duration of each HTTP exchange with Inter, by operation and HTTP status (or transport error: timeout, connection, tls, bad_response)",
    labelNames: ["operation", "status"] as const,
    buckets: CALL_BUCKETS,
    registers: [registry],
  });
  const tokens = new Counter({
    name: "pixout_token_requests_total",
    help: "OAuth token requests made to Inter by this process, by result (ok, refused, rate_limited, error)",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  const waits = new Counter({
    name: "pixout_rate_limit_waits_total",
    help: "Times a payment step waited for a later slot of the fleet's send or status budget",
    labelNames: ["endpoint"] as const,
    registers: [registry],
  });
  const waited = new Histogram({
    name: "pixout_rate_limit_wait_seconds",
    help: "How long each budget wait was (pixout_rate_limit_waits_total counts them)",
    labelNames: ["endpoint"] as const,
    buckets: WAIT_BUCKETS,
    registers: [registry],
  });
  const payments = new Counter({
    name: "pixout_payments_total",
    help: "Payments this process concluded, by final outcome (paid, failed, rejected, blocked, needs-reconciliation)",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "pixout_certificate_days_left",
    help: "Whole days until this worker's Inter client certificate expires (negative once expired)",
    registers: [registry],
    collect() {
      this.set(daysLeft(options.certificateValidTo, now()));
    },
  });

  for (const outcome of OUTCOMES) payments.inc({ outcome }, 0);
  for (const result of TOKEN_RESULTS) tokens.inc({ result }, 0);
  for (const endpoint of ENDPOINTS) waits.inc({ endpoint }, 0);

  const observer: CallObserver = (event) => {
    calls.observe({ operation: event.operation, status: callStatusLabel(event) }, event.ms / 1000);
    if (event.operation === "token") tokens.inc({ result: tokenResult(event) });
  };

  return {
    registry,
    observer,
    onRateLimitWait(endpoint, ms) {
      waits.inc({ endpoint });
      waited.observe({ endpoint }, Math.max(0, ms) / 1000);
    },
    onOutcome(outcome) {
      payments.inc({ outcome });
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/** Both observers, in order (the metrics' and a caller's own). */
export function combineObservers(...observers: (CallObserver | undefined)[]): CallObserver {
  const present = observers.filter((o): o is CallObserver => o !== undefined);
  return (event) => {
    for (const observe of present) observe(event);
  };
}
