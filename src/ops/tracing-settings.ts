// Settings of the optional OpenTelemetry tracing (src/ops/tracing.ts). PIXOUT_TRACING switches it on;
// the exporter is configured with the standard OTEL_* variables, read here (not by the SDK from
// process.env) so that ./.env works for them as for every other setting and mistakes are reported at
// start with the others. When tracing is off the OTEL_* variables are not looked at: another tool on
// the machine may set them for its own use. (The SDK's own knobs — OTEL_TRACES_SAMPLER, OTEL_BSP_* — are
// not ours: the SDK reads them from the process environment only, never from ./.env.)
import { z } from "zod";
import { ConfigError, withoutEmpty, zodProblems, type Environment } from "../config.js";
import type { CredentialProblem } from "../tls/client-credentials.js";

export const DEFAULT_TRACES_ENDPOINT = "http://localhost:4318/v1/traces";

export interface TracingSettings {
  enabled: boolean;
  /** Where spans are posted (OTLP over HTTP, JSON). */
  endpoint: string;
  /** OTEL_SERVICE_NAME; the caller's default (pixout-worker, pixout-producer) when unset. */
  serviceName?: string;
  /** OTEL_EXPORTER_OTLP_HEADERS (+ _TRACES_HEADERS), e.g. an API key of a hosted collector. Never logged. */
  headers: Record<string, string>;
}

const TRACING_OFF: TracingSettings = { enabled: false, endpoint: DEFAULT_TRACES_ENDPOINT, headers: {} };

const switchSchema = z.object({
  PIXOUT_TRACING: z
    .enum(["true", "false"], { error: "must be true or false" })
    .default("false")
    .transform((v) => v === "true"),
});

/** OTEL_SERVICE_NAME's limit (a resource attribute; collectors index it). */
const MAX_SERVICE_NAME = 100;

/** The endpoint for logs: without a user and password, if the URL carries any. */
export function safeEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    url.username = "";
    url.password = "";
    return url.href;
  } catch {
    return "(not a URL)";
  }
}

/** An http(s) URL, or what is wrong with it. */
function endpointProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "must be a URL such as http://localhost:4318/v1/traces (the collector's OTLP/HTTP port)";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `must be an http:// or https:// URL (OTLP over HTTP; gRPC on port 4317 is not supported), not ${url.protocol}//`;
  }
  return undefined;
}

/**
 * `key=value,key2=value2` with URL-encoded values, the OpenTelemetry format. Problems name the entry and
 * its key, never a value (a header is usually an API key).
 */
export function parseOtlpHeaders(text: string): { headers: Record<string, string>; problems: string[] } {
  const headers: Record<string, string> = {};
  const problems: string[] = [];
  text
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "")
    .forEach((entry, i) => {
      const eq = entry.indexOf("=");
      const key = eq < 0 ? entry : entry.slice(0, eq).trim();
      if (eq <= 0 || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) {
        problems.push(
          `entry ${String(i + 1)} must be name=value, e.g. authorization=Bearer%20<token> (values URL-encoded)`,
        );
        return;
      }
      try {
        headers[key.toLowerCase()] = decodeURIComponent(entry.slice(eq + 1).trim());
      } catch {
        problems.push(`entry ${String(i + 1)} (${key}): its value is not valid URL-encoding`);
      }
    });
  return { headers, problems };
}

/** Reads the tracing settings; throws ConfigError listing every problem (only when PIXOUT_TRACING=true). */
export function loadTracingSettings(env: Environment): TracingSettings {
  const input = withoutEmpty(env);
  const enabled = switchSchema.safeParse(input);
  if (!enabled.success) throw new ConfigError(zodProblems(enabled.error));
  if (!enabled.data.PIXOUT_TRACING) return TRACING_OFF;
  // The OTEL_* settings are read only now that tracing is on; every problem is listed at once.
  const e: Partial<Record<string, string>> = input;
  const problems: CredentialProblem[] = [];
  const serviceName = e["OTEL_SERVICE_NAME"]?.trim();
  if (serviceName !== undefined && (serviceName === "" || serviceName.length > MAX_SERVICE_NAME)) {
    problems.push({
      setting: "OTEL_SERVICE_NAME",
      message: `must be 1 to ${String(MAX_SERVICE_NAME)} characters, e.g. payouts-eu`,
    });
  }
  // The signal's own endpoint is used as given; the generic one gets /v1/traces appended (OTLP spec).
  const tracesEndpoint = e["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"];
  const genericEndpoint = e["OTEL_EXPORTER_OTLP_ENDPOINT"];
  const endpoint =
    tracesEndpoint ??
    (genericEndpoint === undefined ? DEFAULT_TRACES_ENDPOINT : `${genericEndpoint.replace(/\/+$/, "")}/v1/traces`);
  const setting = tracesEndpoint !== undefined ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" : "OTEL_EXPORTER_OTLP_ENDPOINT";
  const problem = endpointProblem(tracesEndpoint ?? genericEndpoint ?? DEFAULT_TRACES_ENDPOINT);
  if (problem !== undefined) problems.push({ setting, message: problem });
  const headers: Record<string, string> = {};
  for (const name of ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"] as const) {
    const text = e[name];
    if (text === undefined) continue;
    const h = parseOtlpHeaders(text);
    problems.push(...h.problems.map((message) => ({ setting: name, message })));
    Object.assign(headers, h.headers); // the signal's own headers win, as in the SDK
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { enabled: true, endpoint, headers, ...(serviceName === undefined ? {} : { serviceName }) };
}
