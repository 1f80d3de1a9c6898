// Where a worker process serves its /metrics, /healthz and /readyz (docs/operating/
// observability.md). Unset port = no server: a worker needs none to pay.
import { z } from "zod";
import { ConfigError, withoutEmpty, zodProblems, type Environment } from "../../config.js";
import type { CredentialProblem } from "../../tls/client-credentials.js";
import { loadTracingSettings, type TracingSettings } from "../tracing-settings.js";

export interface MetricsSettings {
  /** undefined: no server. 0: any free port (tests). */
  port: number | undefined;
  host: string;
}

export const DEFAULT_METRICS_HOST = "127.0.0.1";

const schema = z.object({
  PIXOUT_METRICS_PORT: z
    .string()
    .regex(/^[0-9]{1,5}$/, "must be a port number (0-65535), e.g. 9464; leave it unset for no metrics server")
    .transform(Number)
    .refine((v) => v <= 65_535, "must be a port number (0-65535), e.g. 9464")
    .optional(),
  PIXOUT_METRICS_HOST: z
    .string()
    .regex(
      /^[A-Za-z0-9.:_-]+$/,
      "must be a host name or IP address to listen on, e.g. 127.0.0.1 or 0.0.0.0 (in a container)",
    )
    .default(DEFAULT_METRICS_HOST),
});

/** Throws ConfigError listing every wrong metrics setting. Empty values count as unset. */
export function loadMetricsSettings(env: Environment): MetricsSettings {
  const parsed = schema.safeParse(
    withoutEmpty({ PIXOUT_METRICS_PORT: env["PIXOUT_METRICS_PORT"], PIXOUT_METRICS_HOST: env["PIXOUT_METRICS_HOST"] }),
  );
  if (!parsed.success) throw new ConfigError(zodProblems(parsed.error));
  return { port: parsed.data.PIXOUT_METRICS_PORT, host: parsed.data.PIXOUT_METRICS_HOST };
}

/**
 * `pixout worker`'s settings: runs `load` (the main configuration) and reads the metrics server's and
 * tracing's settings, reporting the problems of all three in one ConfigError, so that one run shows every
 * wrong setting.
 */
export function loadWorkerSettings<T>(
  env: Environment,
  load: (env: Environment) => T,
): { loaded: T; metrics: MetricsSettings; tracing: TracingSettings } {
  const problems: CredentialProblem[] = [];
  const attempt = <R>(fn: () => R): R | undefined => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
      return undefined;
    }
  };
  const loaded = attempt(() => load(env));
  const metrics = attempt(() => loadMetricsSettings(env));
  const tracing = attempt(() => loadTracingSettings(env));
  if (loaded === undefined || metrics === undefined || tracing === undefined) throw new ConfigError(problems);
  return { loaded, metrics, tracing };
}
