// The HTTP endpoint of one worker process (docs/operating/observability.md): GET /metrics for
// Prometheus, /healthz for liveness (the process answers), /readyz for readiness (worker-readiness.ts).
// node:http is enough for three read-only routes and keeps the worker free of a web framework.
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { isIPv6 } from "node:net";
import { ConfigError } from "../../config.js";
import type { Logger } from "../../logger.js";
import type { Readiness } from "../readiness-checks.js";
import type { MetricsSettings } from "./settings.js";
import type { WorkerMetrics } from "./worker-metrics.js";

export interface MetricsServerOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  metrics: Pick<WorkerMetrics, "scrape">;
  readiness: () => Promise<Readiness>;
  logger?: Logger;
}

export interface MetricsServer {
  /** Base URL, e.g. http://127.0.0.1:9464 */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const ROUTES = new Set(["/metrics", "/healthz", "/readyz"]);

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

async function handle(req: IncomingMessage, res: ServerResponse, options: MetricsServerOptions): Promise<void> {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  if (!ROUTES.has(path)) {
    json(res, 404, { error: "not found: this worker serves /metrics, /healthz and /readyz" });
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    json(res, 405, { error: "method not allowed: use GET" });
    return;
  }
  if (path === "/healthz") {
    json(res, 200, { status: "ok" });
    return;
  }
  if (path === "/readyz") {
    const readiness = await options.readiness();
    json(res, readiness.ready ? 200 : 503, readiness);
    return;
  }
  const { contentType, body } = await options.metrics.scrape();
  res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
  res.end(body);
}

function listenProblem(err: NodeJS.ErrnoException, host: string, port: number): ConfigError | undefined {
  if (err.code === "EADDRINUSE") {
    return new ConfigError([
      {
        setting: "PIXOUT_METRICS_PORT",
        message: `port ${String(port)} is in use on ${host} (another worker on this machine?): give each worker process its own port, or leave PIXOUT_METRICS_PORT unset`,
      },
    ]);
  }
  if (err.code === "EACCES") {
    return new ConfigError([
      {
        setting: "PIXOUT_METRICS_PORT",
        message: `port ${String(port)} needs privileges this process lacks: use a port above 1023, e.g. 9464`,
      },
    ]);
  }
  if (err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND" || err.code === "EAI_AGAIN") {
    return new ConfigError([
      {
        setting: "PIXOUT_METRICS_HOST",
        message: `cannot listen on ${host} (${err.code}): use an address of this machine, e.g. 127.0.0.1, or 0.0.0.0 in a container`,
      },
    ]);
  }
  return undefined;
}

/**
 * Listens on host:port and serves the worker's metrics and health. A port in use (or a host that is not
 * this machine's) rejects with a ConfigError naming the setting, for the CLI to print without a stack trace.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch((err: unknown) => {
      options.logger?.error(
        { err: err instanceof Error ? err.message : String(err), path: req.url },
        "metrics server could not answer",
      );
      if (!res.headersSent) json(res, 500, { error: "internal error; see the worker's log" });
      else res.destroy();
    });
  });
  try {
    server.listen(options.port, options.host);
    await once(server, "listening");
  } catch (err) {
    const problem = listenProblem(err as NodeJS.ErrnoException, options.host, options.port);
    throw problem ?? err;
  }
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the metrics server has no TCP address");
  const host = isIPv6(options.host) ? `[${options.host}]` : options.host;
  const url = `http://${host}:${String(address.port)}`;
  return {
    url,
    port: address.port,
    async close() {
      const closed = new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      // A scraper's kept-alive connection must not hold the shutdown.
      server.closeAllConnections();
      await closed;
    },
  };
}

/** What `pixout worker`'s server answers for, once the worker runs. */
export interface MetricsTarget {
  metrics: Pick<WorkerMetrics, "scrape">;
  readiness: () => Promise<Readiness>;
}

export interface WorkerMetricsServer extends MetricsServer {
  /** From now on /metrics and /readyz answer for this worker. */
  attach(target: MetricsTarget): void;
}

/**
 * `pixout worker`'s server (none when PIXOUT_METRICS_PORT is unset), bound BEFORE the worker starts: a port
 * in use stops the process (ConfigError, exit 78) before it takes any job, instead of a worker that starts a
 * step, drains it and exits — a loop under a restart policy. Until `attach`, /metrics is empty and /readyz
 * answers 503 "starting".
 */
export async function serveWorkerMetrics(
  settings: MetricsSettings,
  logger: Logger,
): Promise<WorkerMetricsServer | undefined> {
  if (settings.port === undefined) return undefined;
  let target: MetricsTarget | undefined;
  const starting: Readiness = { ready: false, checks: [{ name: "worker", ok: false, detail: "starting" }] };
  const server = await startMetricsServer({
    host: settings.host,
    port: settings.port,
    metrics: {
      scrape: () =>
        target
          ? target.metrics.scrape()
          : Promise.resolve({ contentType: "text/plain; version=0.0.4; charset=utf-8", body: "" }),
    },
    readiness: () => (target ? target.readiness() : Promise.resolve(starting)),
    logger,
  });
  logger.info(
    { url: `${server.url}/metrics`, health: `${server.url}/healthz`, readiness: `${server.url}/readyz` },
    `worker metrics at ${server.url}/metrics`,
  );
  return {
    ...server,
    attach(t) {
      target = t;
    },
  };
}
