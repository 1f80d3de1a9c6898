// Where a worker process serves its /metrics, /healthz and /readyz (README "Metrics and health of
// workers"). Unset port = no server: a worker needs none to pay.
import { z } from "zod";
import { ConfigError, type Environment } from "../../config.js";
import type { CredentialProblem } from "../../tls/client-credentials.js";

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
    .regex(/^[A-Za-z0-9.:_-]+$/, "must be a host name or IP address to listen on, e.g. 127.0.0.1 or 0.0.0.0 (in a container)")
    .default(DEFAULT_METRICS_HOST),
});

function problemsOf(error: z.ZodError): CredentialProblem[] {
  return error.issues.map((issue) => ({ setting: issue.path.map(String).join(".") || "environment", message: issue.message }));
}

/** Throws ConfigError listing every wrong metrics setting. Empty values count as unset. */
export function loadMetricsSettings(env: Environment): MetricsSettings {
  const input = Object.fromEntries(
    Object.entries({ PIXOUT_METRICS_PORT: env["PIXOUT_METRICS_PORT"], PIXOUT_METRICS_HOST: env["PIXOUT_METRICS_HOST"] }).filter((e) => e[1] !== undefined && e[1] !== ""),
  );
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ConfigError(problemsOf(parsed.error));
  return { port: parsed.data.PIXOUT_METRICS_PORT, host: parsed.data.PIXOUT_METRICS_HOST };
}

/**
 * Runs `load` (the main configuration) and reads the metrics settings, reporting the problems of both in
 * one ConfigError, so that one run shows every wrong setting.
 */
export function loadWithMetricsSettings<T>(env: Environment, load: (env: Environment) => T): { loaded: T; metrics: MetricsSettings } {
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
  if (loaded === undefined || metrics === undefined) throw new ConfigError(problems);
  return { loaded, metrics };
}
