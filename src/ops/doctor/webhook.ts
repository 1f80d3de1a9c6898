// Doctor: the webhook receiver's settings, when this machine runs one (PIXOUT_WEBHOOK_CERT_FILE is set),
// and whether its callers are pinned — unpinned, a callback only wakes a status query (docs/operating/inter-webhooks.md).
import { ConfigError, loadWebhookReceiverSettings, type Environment } from "../../config.js";
import { failure, ok, warning, type Check } from "./check.js";

export function checkWebhookReceiver(env: Environment, now: Date): Check[] {
  if ((env["PIXOUT_WEBHOOK_CERT_FILE"] ?? "") === "") return [];
  try {
    const s = loadWebhookReceiverSettings(env, now);
    const pins = s.clientFingerprints.length + s.clientSubjects.length;
    return [
      pins > 0
        ? ok(
            "webhook.pinning",
            "webhook callers",
            `pinned (${String(s.clientFingerprints.length)} fingerprint(s), ${String(s.clientSubjects.length)} subject(s)): their callbacks finish payments when every field agrees`,
          )
        : warning(
            "webhook.pinning",
            "webhook callers",
            "not pinned: any certificate from PIXOUT_WEBHOOK_CLIENT_CA_FILE is accepted, so callbacks only wake status queries",
            "run `pixout webhook serve`, read the fingerprint it logs with Inter's first callback, and set PIXOUT_WEBHOOK_CLIENT_FINGERPRINTS to it",
          ),
    ];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) =>
      failure(
        "webhook.settings",
        `setting ${p.setting}`,
        `${p.setting}: ${p.message}`,
        `correct ${p.setting} in the environment or ./.env (see .env.example)`,
      ),
    );
  }
}
