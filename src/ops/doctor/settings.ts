// Doctor: every setting parses. Reuses loadConfig (the same checks as at start); its problems become
// findings instead of an exit. Problems of the certificate settings are left to certificate.ts, which
// looks at the files in more detail.
import { ConfigError, loadConfig, type Config, type Environment } from "../../config.js";
import { maskText } from "../../payments/mask.js";
import type { CredentialProblem } from "../../tls/client-credentials.js";
import { failure, ok, type Check } from "./check.js";

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

export function checkSettings(env: Environment, now: Date): SettingsFindings {
  try {
    const { config } = loadConfig(env, now);
    const i = config.inter;
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
      ],
    };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const others = err.problems.filter((p) => !CERTIFICATE_SETTINGS.has(p.setting));
    const certificateProblems = err.problems.filter((p) => CERTIFICATE_SETTINGS.has(p.setting));
    const checks =
      others.length === 0
        ? [ok("settings", "settings", "every setting parses, apart from the certificate's (below)")]
        : others.map((p) => failure("settings", `setting ${p.setting}`, `${p.setting}: ${p.message}`, `correct ${p.setting} in the environment or ./.env (see .env.example)`));
    return { certificateProblems, checks };
  }
}
