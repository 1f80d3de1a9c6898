// `pixout worker`: runs payout jobs until SIGTERM/SIGINT, then shuts down gracefully.
import { once } from "node:events";
import type { Command } from "commander";
import { loadConfig, readEnvironment } from "../../config.js";
import { createLogger, SecretRegistry } from "../../logger.js";
import { serveWorkerMetrics } from "../../ops/metrics/metrics-server.js";
import { loadWorkerSettings } from "../../ops/metrics/settings.js";
import { startTracing } from "../../ops/tracing.js";
import { safeEndpoint } from "../../ops/tracing-settings.js";
import { budgetIntervals } from "../../queue/worker/budgets.js";
import { describeRedis } from "../../redis/connections.js";
import { startPayoutWorker } from "../../queue/worker/worker.js";
import { EXIT } from "./exit-codes.js";
import { positiveInteger } from "./options.js";

export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description("Process payout jobs: send each Pix to Inter and follow it until it is final")
    .option(
      "--concurrency <n>",
      "jobs processed at once by this process (default PIXOUT_CONCURRENCY, 8)",
      positiveInteger,
    )
    .addHelpText(
      "after",
      `
Settings come from the environment and ./.env (see .env.example): INTER_* for the bank, REDIS_URL (or
REDIS_SENTINELS + REDIS_SENTINEL_NAME, or REDIS_CLUSTER_NODES) and PIXOUT_QUEUE for the queue, PIXOUT_*_PER_MINUTE for the fleet-wide budgets (Inter's limits by default).
Run as many workers as you like, on any machine: they share the budgets and one token through Redis.
PIXOUT_METRICS_PORT (and PIXOUT_METRICS_HOST, default 127.0.0.1) serves this process's Prometheus
/metrics, /healthz and /readyz. PIXOUT_TRACING=true sends OpenTelemetry traces to
OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318).

Example:
  pixout worker --concurrency 4`,
    )
    .action(async (flags: { concurrency?: number }) => {
      // Listening from the start: a SIGTERM that arrives while the worker starts (tracing, the metrics
      // port) is a request to stop like any other, not the end of the process in the middle of a step.
      const signalled = Promise.race([
        once(process, "SIGTERM").then(() => "SIGTERM"),
        once(process, "SIGINT").then(() => "SIGINT"),
      ]);
      // One message lists every wrong setting, the metrics server's (PIXOUT_METRICS_*) and tracing's included.
      const {
        loaded: { config, warnings },
        metrics: metricsSettings,
        tracing: tracingSettings,
      } = loadWorkerSettings(readEnvironment(), (env) => loadConfig(env));
      const secrets = new SecretRegistry();
      const logger = createLogger({ level: config.logLevel, name: "pixout-worker", secrets });
      for (const warning of warnings) logger.warn(warning);
      // Before the worker: its Worker and Queue take the telemetry at construction.
      const tracing = await startTracing(tracingSettings, "pixout-worker", logger);
      // Before the worker too: a port in use must stop the process before it takes a job.
      const metricsServer = await serveWorkerMetrics(metricsSettings, logger).catch(async (err: unknown) => {
        await tracing.shutdown();
        throw err;
      });
      const worker = startPayoutWorker({
        config,
        logger,
        secrets,
        ...(flags.concurrency === undefined ? {} : { concurrency: flags.concurrency }),
        ...(tracing.telemetry === undefined ? {} : { telemetry: tracing.telemetry }),
        // Process metrics only where they are served: their monitors run until the process ends.
        processMetrics: metricsSettings.port !== undefined,
      });
      const intervals = budgetIntervals(config.worker.budgets);
      logger.info(
        {
          queue: config.queueName,
          redis: describeRedis(config.redis.target),
          bank: config.inter.baseUrl,
          concurrency: flags.concurrency ?? config.worker.concurrency,
          spacingMs: { sends: intervals.send, statusQueries: intervals.status, tokenCalls: intervals.token },
          certificateDaysLeft: config.inter.certificate.daysLeft,
          ...(tracingSettings.enabled ? { tracing: safeEndpoint(tracingSettings.endpoint) } : {}),
        },
        "payout worker started",
      );
      metricsServer?.attach(worker);
      const signal = await signalled;
      logger.info(
        { signal, timeoutMs: config.worker.shutdownTimeoutMs },
        "shutting down: finishing the running steps (signal again to stop now)",
      );
      const again = (): void => {
        logger.warn("stopping now; running steps resume on another worker with the same bank key");
        logger.flush();
        process.exit(EXIT.failed);
      };
      process.once("SIGTERM", again).once("SIGINT", again);
      const clean = await worker.close();
      // Closed after the worker: /readyz says 503 ("closing") while the last steps finish.
      await metricsServer?.close();
      // The last steps' spans; bounded, so a collector that is down cannot hold the exit.
      await tracing.shutdown();
      logger.info({ clean }, "payout worker stopped");
      logger.flush();
      // Sockets of a forced stop would keep the process alive: leave now.
      process.exit(clean ? EXIT.ok : EXIT.failed);
    });
}
