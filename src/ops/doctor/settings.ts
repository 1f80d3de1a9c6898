// Doctor: every setting parses. Reuses loadConfig (the same checks as at start); its problems become
// findings instead of an exit. Problems of the certificate settings are left to certificate.ts, which
// looks at the files in more detail.
import {
  ConfigError,
  environmentWarnings,
  loadConfig,
  type BudgetSettings,
  type Config,
  type Environment,
} from "../../config.js";
import { maskText } from "../../payments/mask.js";
import type { CredentialProblem } from "../../tls/client-credentials.js";
import { failure, ok, warning, type Check } from "./check.js";

export const CERTIFICATE_SETTINGS: ReadonlySet<string> = new Set([
  "INTER_CERT_FILE",
  "INTER_KEY_FILE",
  "INTER_PFX_FILE",
  "INTER_PFX_PASSPHRASE",
  "INTER_CA_FILE",
]);

export interface SettingsFindings {
  /** Present when every setting, the certificate included, is usable. */
  config?: Config;
  /** loadConfig's problems with the certificate settings (certificate.ts reports them). */
  certificateProblems: CredentialProblem[];
  checks: Check[];
}

/** The fleet's budgets a minute, as `pixout doctor` shows them ("none": the environment has no such endpoint). */
export function describeBudgets(b: BudgetSettings): string {
  const n = (perMinute: number): string => (perMinute > 0 ? String(perMinute) : "none");
  return (
    `send ${n(b.sendPerMinute)}${b.sendMinIntervalMs > 0 ? ` (≥ ${String(b.sendMinIntervalMs)} ms apart)` : ""}, status ${n(b.statusPerMinute)}, ` +
    `token ${n(b.tokenPerMinute)}, webhook ${n(b.webhookPerMinute)} each, callbacks ${n(b.callbacksPerMinute)}, callback re-send ${n(b.callbackRetryPerMinute)}, statement ${n(b.statementPerMinute)}, balance ${n(b.balancePerMinute)}; ` +
    `${String(b.marginPercent)} % margin`
  );
}

export function checkSettings(env: Environment, now: Date): SettingsFindings {
  try {
    const { config } = loadConfig(env, now);
    const i = config.inter;
    // The certificate's warnings are the certificate checks' (below).
    const mismatch = environmentWarnings(i.environment, i.baseUrl, config.worker.budgets);
    return {
      config,
      certificateProblems: [],
      checks: [
        ok(
          "settings",
          "settings",
          `every setting parses: bank ${i.baseUrl}, client id ${maskText(i.clientId)}, scopes ${i.scopes.join(" ")}` +
            `${i.account === undefined ? "" : `, account ${i.account}`}, queue ${config.queueName}`,
        ),
        ok(
          "settings.environment",
          "environment",
          `INTER_ENV=${i.environment}; fleet budgets a minute: ${describeBudgets(config.worker.budgets)}`,
        ),
        ...mismatch.map((w) =>
          w.startsWith("INTER_BASE_URL")
            ? warning(
                "settings.environment-url",
                "environment and URL",
                w,
                "set INTER_ENV to the environment of INTER_BASE_URL (or leave INTER_BASE_URL unset)",
              )
            : warning(
                "settings.budget",
                "budget above Inter's limit",
                w,
                "leave the setting unset: the budgets default to the environment's published limits",
              ),
        ),
      ],
    };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const others = err.problems.filter((p) => !CERTIFICATE_SETTINGS.has(p.setting));
    const certificateProblems = err.problems.filter((p) => CERTIFICATE_SETTINGS.has(p.setting));
    const checks =
      others.length === 0
        ? [ok("settings", "settings", "every setting parses, apart from the certificate's (below)")]
        : others.map((p) =>
            failure(
              "settings",
              `setting ${p.setting}`,
              `${p.setting}: ${p.message}`,
              `correct ${p.setting} in the environment or ./.env (see .env.example)`,
            ),
          );
    return { certificateProblems, checks };
  }
}
