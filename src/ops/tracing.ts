// Optional OpenTelemetry tracing (PIXOUT_TRACING=true): one trace per enqueue, from the producer's add
// through every step of the worker to each call to Inter. Off by default, and then nothing of the SDK
// is even loaded: the SDK modules are imported dynamically only when tracing is on, so a worker or a
// `pixout pay` without tracing starts as fast as before. (src/inter/http.ts uses @opentelemetry/api
// alone, whose tracer is a no-op until a provider is registered here.)
//
// What this relies on in BullMQ 6.7 (bullmq/dist/esm/utils/index.js `trace`, classes/queue.js, worker.js,
// job.js, redis-queue-backend.js) and bullmq-otel 2.0.1:
// - Queue.add/addBulk run in a PRODUCER span ("add <queue>.<name>" / "addBulk <queue>"; our producer
//   always uses addBulk) and store that span's context, as a W3C `traceparent` made by the globally
//   registered propagator, in the job's options (`opts.tm`).
// - Worker.processJob opens a CONSUMER span "process <queue>" whose parent is extracted from `opts.tm`,
//   and runs the processor inside `context.with(<that span>)`: with the AsyncLocalStorage context manager
//   registered below, spans started in the processor (our bank calls) are its children. A
//   "getNextJob <queue>" INTERNAL span is parented the same way.
// - Our steps end with job.moveToDelayed + DelayedError (docs/design.md §3). moveToDelayed does not touch
//   `opts.tm` and a DelayedError opens no span and writes no metadata, so the next step's "process" span
//   is again a child of the producer's span: every step of a payment lands in the one trace, as
//   siblings. (Only moveToFailed with a BullMQ retry writes a `tm` field, as a separate hash field
//   that the 6.7 job reader ignores — our retries are the same steps and do not go through it.)
//   test/ops/tracing.test.ts checks this end to end; if a BullMQ upgrade broke it, that test fails.
// - A `pixout retry` moves the same job back, so its steps join the payment's original trace.
// BullMQ's spans carry queue and job names and ids, the job's result (PaymentResult: no recipient
// data) and a failure's reason (the job's failedReason, masked as everywhere); never the job's data,
// so the Pix key and the recipient stay out of the traces.
// - bullmq-otel 2.0.1's fromMetadata JSON.parses `opts.tm` unguarded, and BullMQ 6.7 calls it before its
//   own try, outside the processor: a job whose `tm` is not JSON (a foreign producer's) would reject
//   processJob and never run — its lock is never renewed, it stalls until BullMQ fails it. The telemetry
//   handed to BullMQ is wrapped (tolerantTelemetry) so that such a job starts a trace of its own instead.
import type { ContextManager, Telemetry } from "bullmq";
import type { Logger } from "../logger.js";
import { PIXOUT_VERSION } from "../version.js";
import { safeEndpoint, type TracingSettings } from "./tracing-settings.js";

export interface Tracing {
  /** For the `telemetry` option of BullMQ's Queue and Worker; undefined when tracing is off. */
  telemetry: Telemetry | undefined;
  /** Sends the spans still buffered and stops tracing (at most SHUTDOWN_LIMIT_MS). Safe to call twice. */
  shutdown(): Promise<void>;
}

/** A collector that does not answer must not hold a process's exit for long. */
const EXPORT_TIMEOUT_MS = 5_000;
const SHUTDOWN_LIMIT_MS = 6_000;
/** Exporter complaints are logged at most once a minute (a collector that is down fails every batch). */
const COMPLAINT_EVERY_MS = 60_000;

/** OTel's error handler passes errors as JSON (with their stack): the message is what an operator needs. */
function otelMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === "string") return parsed.message.slice(0, 300);
  } catch {
    // a plain text message
  }
  return text.slice(0, 300);
}

const OFF: Tracing = { telemetry: undefined, shutdown: () => Promise.resolve() };

/**
 * The telemetry with a context manager that cannot throw on a job's propagation metadata: unreadable
 * metadata (a malformed `opts.tm`) means "no parent", and metadata that cannot be made is left out. Tracing
 * observes payments; it must never decide whether one runs.
 */
function tolerantTelemetry(telemetry: Telemetry): Telemetry {
  const cm: ContextManager<unknown> = telemetry.contextManager;
  const contextManager: ContextManager<unknown> = {
    with: (ctx, fn) => cm.with(ctx, fn),
    active: () => cm.active(),
    getMetadata(ctx) {
      try {
        return cm.getMetadata(ctx);
      } catch {
        return "";
      }
    },
    fromMetadata(active, metadata) {
      try {
        return cm.fromMetadata(active, metadata);
      } catch {
        return active;
      }
    },
    ...(cm.root === undefined ? {} : { root: () => cm.root?.() }),
  };
  return { ...telemetry, contextManager };
}

/**
 * Starts tracing as the settings say, for a process named `serviceName` unless OTEL_SERVICE_NAME says
 * otherwise. Registers the provider, the AsyncLocalStorage context manager and the W3C propagator
 * globally: BullMQ's telemetry propagates through them. One tracing per process at a time.
 */
export async function startTracing(settings: TracingSettings, serviceName: string, logger?: Logger): Promise<Tracing> {
  if (!settings.enabled) return OFF;
  const [
    api,
    { NodeTracerProvider, BatchSpanProcessor },
    { OTLPTraceExporter },
    { resourceFromAttributes },
    { BullMQOtel },
  ] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
    import("bullmq-otel"),
  ]);

  // Export failures reach OTel's diagnostic logger, silent by default: an operator whose collector is
  // unreachable should hear of it, once in a while. The messages name the URL, never the headers.
  if (logger) {
    let last = -Infinity;
    const complain = (message: string): void => {
      if (Date.now() - last < COMPLAINT_EVERY_MS) return;
      last = Date.now();
      logger.warn(
        { collector: safeEndpoint(settings.endpoint), otel: otelMessage(message) },
        "tracing: could not export spans (payments are not affected)",
      );
    };
    const ignore = (): void => undefined;
    api.diag.setLogger(
      { error: complain, warn: complain, info: ignore, debug: ignore, verbose: ignore },
      api.DiagLogLevel.WARN,
    );
  }

  const exporter = new OTLPTraceExporter({
    url: settings.endpoint,
    headers: settings.headers,
    timeoutMillis: EXPORT_TIMEOUT_MS,
  });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      "service.name": settings.serviceName ?? serviceName,
      "service.version": PIXOUT_VERSION,
    }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // Defaults: AsyncLocalStorageContextManager and the W3C trace-context + baggage propagator.
  provider.register();

  let stopped: Promise<void> | undefined;
  return {
    telemetry: tolerantTelemetry(new BullMQOtel({ tracerName: "bullmq" })),
    shutdown() {
      stopped ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const limit = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            logger?.warn(
              { collector: safeEndpoint(settings.endpoint), limitMs: SHUTDOWN_LIMIT_MS },
              "tracing: the collector did not take the last spans in time; they are dropped",
            );
            resolve();
          }, SHUTDOWN_LIMIT_MS);
          timer.unref();
        });
        try {
          await Promise.race([provider.shutdown(), limit]);
        } catch (err) {
          logger?.warn(
            { err: err instanceof Error ? err.message : String(err) },
            "tracing: could not flush the last spans",
          );
        } finally {
          clearTimeout(timer);
          // Unregistered, so that this process can start tracing again (tests do) and stray spans are no-ops.
          api.trace.disable();
          api.context.disable();
          api.propagation.disable();
          api.diag.disable();
        }
      })();
      return stopped;
    },
  };
}

/** Runs `run` with tracing for a short-lived command (pay, enqueue), then flushes the spans. */
export async function withTracing<T>(
  settings: TracingSettings,
  serviceName: string,
  run: (telemetry: Telemetry | undefined) => Promise<T>,
  logger?: Logger,
): Promise<T> {
  const tracing = await startTracing(settings, serviceName, logger);
  try {
    return await run(tracing.telemetry);
  } finally {
    await tracing.shutdown();
  }
}
