// The Prometheus metrics of one payout worker process, scraped from its own port
// (metrics-server.ts). Each process keeps its own counters and Prometheus sums them across targets: a
// worker that dies takes its counters with it without making a fleet-wide sum go backwards (rate() and
// increase() handle a target's reset), and no bank call costs a Redis write. Fleet-wide facts (queue
// depth, oldest waiting job, workers alive) are the dashboard's, computed from Redis.
//
// One Registry per worker, never prom-client's global one: two workers in one process (tests, the demo)
// must not share or collide on metric names.
//
// These functions run on the payment path (after a send, before a step's decision is saved): none of them
// may ever throw — prom-client throws on a value that is not a finite number, and a throw after a
// successful send would turn a 200 into an ambiguous error. Each entry point is guarded; a problem is
// logged at most once a minute and the sample is dropped.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { CallObserver } from "../../inter/http.js";
import type { Logger } from "../../logger.js";
import type { Outcome } from "../../payments/lifecycle.js";
import type { PayoutMetrics } from "../../queue/worker/processor.js";
import { daysLeft } from "../worker-heartbeat.js";

export interface WorkerMetrics extends PayoutMetrics {
  readonly registry: Registry;
  /** Feeds the bank-call histogram and the token counter; give it to the bank client (src/inter/http.ts). */
  readonly observer: CallObserver;
  /** A gated request left the socket `gapMs` after its gate (give it to the bank, createBank's onSent). */
  onSent(operation: string, gapMs: number): void;
  /** The text exposition format, for GET /metrics. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

export interface WorkerMetricsOptions {
  /** The Inter certificate's validTo (config.inter.certificate.validTo). */
  certificateValidTo: Date;
  /**
   * prom-client's default process metrics (CPU, memory, event loop, GC) on the same registry; default off.
   * They start an event-loop monitor and a GC observer that are never stopped: only for a process that
   * serves them (`pixout worker` with PIXOUT_METRICS_PORT).
   */
  processMetrics?: boolean;
  /** Where a metrics problem is reported (at most once a minute); none: dropped silently. */
  logger?: Logger;
  now?: () => number;
}

/** A metrics problem is logged at most this often: one per bank call would drown the log. */
const COMPLAINT_EVERY_MS = 60_000;

/**
 * `fn`, made unable to throw: a throw is reported through `complain` and swallowed. For every function the
 * payment path calls for metrics' sake.
 */
function neverThrowing<A extends unknown[]>(
  fn: (...args: A) => void,
  complain: (err: unknown) => void,
): (...args: A) => void {
  return (...args) => {
    try {
      fn(...args);
    } catch (err) {
      try {
        complain(err);
      } catch {
        // even the report must not reach the payment
      }
    }
  };
}

/** Logs a metrics problem at most once a minute (per returned function). */
function metricsComplainer(logger: Logger | undefined, now: () => number = Date.now): (err: unknown) => void {
  let last = -Infinity;
  return (err) => {
    if (!logger || now() - last < COMPLAINT_EVERY_MS) return;
    last = now();
    logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      "a metric could not be recorded (payments are not affected; further problems are logged at most once a minute)",
    );
  };
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
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });
  const complain = metricsComplainer(options.logger);

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
    help: "Payments this process concluded, by final outcome (paid, failed, rejected, blocked, needs-reconciliation); counted once per final outcome of a generation, at-least-once across crashes",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const gaps = new Histogram({
    name: "pixout_bank_gate_to_socket_seconds",
    help: "Time from the fleet's rate gate letting a send or status query go to its request leaving the socket (a TLS handshake shows here): what must stay under the budgets' margin",
    labelNames: ["operation"] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
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

  const observer: CallObserver = neverThrowing((event) => {
    if (event.operation === "token") tokens.inc({ result: tokenResult(event) });
    calls.observe({ operation: event.operation, status: callStatusLabel(event) }, event.ms / 1000);
  }, complain);

  return {
    registry,
    observer,
    onRateLimitWait: neverThrowing((endpoint: "send" | "status", ms: number) => {
      waits.inc({ endpoint });
      waited.observe({ endpoint }, Math.max(0, ms) / 1000);
    }, complain),
    onOutcome: neverThrowing((outcome: Outcome) => {
      payments.inc({ outcome });
    }, complain),
    onSent: neverThrowing((operation: string, gapMs: number) => {
      gaps.observe({ operation }, Math.max(0, gapMs) / 1000);
    }, complain),
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/**
 * The observers, in order (the metrics' and a caller's own), each unable to throw: one that fails neither
 * stops the others nor reaches the bank call (a problem goes to `logger`, at most once a minute).
 */
export function combineObservers(observers: (CallObserver | undefined)[], logger?: Logger): CallObserver {
  const complain = metricsComplainer(logger);
  const present = observers.filter((o): o is CallObserver => o !== undefined).map((o) => neverThrowing(o, complain));
  return (event) => {
    for (const observe of present) observe(event);
  };
}
