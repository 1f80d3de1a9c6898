// The settings that src/ops parses itself — the metrics server's (src/ops/metrics/settings.ts), the
// dashboard's (src/ops/dashboard/settings.ts) and tracing's (src/ops/tracing-settings.ts) — described for
// the settings reference. Their defaults are checked against those loaders by test/config-settings-doc.test.ts.
import { DEFAULT_METRICS_HOST } from "../ops/metrics/settings.js";
import { DEFAULT_TRACES_ENDPOINT } from "../ops/tracing-settings.js";
import type { SettingNotes } from "./values.js";

const otlpHeaders = "`name=value`, comma-separated, values URL-encoded (e.g. `authorization=Bearer%20<token>`)";

export const metricsNotes: Record<string, SettingNotes> = {
  PIXOUT_METRICS_PORT: {
    description:
      "Serve this worker process's /metrics, /healthz and /readyz on this port. One port per process on a machine.",
    takes: "port, 0 to 65535",
    unset: "no server",
  },
  PIXOUT_METRICS_HOST: {
    description:
      "Address the metrics server listens on: 127.0.0.1 (this machine only); 0.0.0.0 in a container, for Prometheus and the healthcheck.",
    takes: "host name or IP address",
    unset: `\`${DEFAULT_METRICS_HOST}\``,
  },
};

export const dashboardNotes: Record<string, SettingNotes> = {
  PIXOUT_DASHBOARD_HOST: {
    description:
      "Address the dashboard listens on; 127.0.0.1 keeps it on this machine (in a container: 0.0.0.0). `--host` wins.",
    takes: "host name or IP address",
    unset: "`127.0.0.1`",
  },
  PIXOUT_DASHBOARD_PORT: { description: "Dashboard port. `--port` wins.", takes: "port, 0 to 65535", unset: "`3000`" },
  PIXOUT_DASHBOARD_USERS: {
    description: "Dashboard users; the hash comes from `pixout dashboard hash-password`.",
    takes: "name:role:hash, comma-separated (role viewer or operator)",
    unset: "required, unless `--no-auth` on loopback",
  },
  PIXOUT_DASHBOARD_SECRET: {
    description: "Signs the dashboard's CSRF tokens; several replicas need the same one. Never logged.",
    takes: "at least 32 characters, e.g. from `openssl rand -base64 32`",
    unset: "random per process",
  },
  PIXOUT_DASHBOARD_ORIGIN: {
    description:
      "The dashboard's public origin behind a TLS-terminating proxy, for the CSRF Origin check. Empty when browsers reach it directly.",
    takes: "scheme://host[:port], e.g. https://ops.example.com",
  },
  PIXOUT_DASHBOARD_TRUSTED_PROXIES: {
    description:
      "The reverse proxies whose X-Forwarded-For names the client: the sign-in throttle counts per client address.",
    takes: "addresses, CIDRs, or loopback, linklocal, uniquelocal; comma-separated",
    unset: "the connection's address is the client's",
  },
};

export const tracingNotes: Record<string, SettingNotes> = {
  PIXOUT_TRACING: {
    description: "OpenTelemetry traces of every payment (producer → worker steps → bank calls).",
    takes: "`true` or `false`",
    unset: "`false`",
  },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    description: "The collector's OTLP/HTTP base URL; /v1/traces is appended. Only read when PIXOUT_TRACING=true.",
    takes: "http:// or https:// URL",
    unset: `\`${DEFAULT_TRACES_ENDPOINT.replace(/\/v1\/traces$/, "")}\``,
  },
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: {
    description: "Or the full traces URL, used as it is (it wins over OTEL_EXPORTER_OTLP_ENDPOINT).",
    takes: "http:// or https:// URL",
    unset: "OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces",
  },
  OTEL_SERVICE_NAME: {
    description: "Service name in the traces.",
    takes: "1 to 100 characters",
    unset: "pixout-worker for workers, pixout-producer for pay and enqueue",
  },
  OTEL_EXPORTER_OTLP_HEADERS: { description: "Headers for the collector. Never logged.", takes: otlpHeaders },
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: {
    description:
      "Headers for the traces only, added to OTEL_EXPORTER_OTLP_HEADERS (they win on the same name). Never logged.",
    takes: otlpHeaders,
  },
};
