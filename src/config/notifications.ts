// Signed notifications to upstream services (src/notifications/, docs/operating/notifications.md): the
// default destination, a secret per destination origin, and the delivery schedule.
import { z } from "zod";
import { DEFAULT_NOTIFY, parseNotifySecrets, type NotifySettings } from "../notifications/settings.js";
import { destinationProblem, originOf } from "../payments/destination.js";
import type { CredentialProblem } from "../tls/client-credentials.js";
import { readEnvironment } from "./environment.js";
import { ConfigError, withoutEmpty, zodProblems, type Environment } from "./problems.js";
import { positiveInt } from "./values.js";

export const notificationFields = z.object({
  PIXOUT_NOTIFY_URL: z
    .string()
    .superRefine((v, ctx) => {
      const problem = destinationProblem(v);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional()
    .meta({ takes: "https:// URL (http:// on loopback)" })
    .describe("Default destination of the signed outcome events, for payments without their own callbackUrl."),
  PIXOUT_NOTIFY_SECRETS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const parsed = parseNotifySecrets(v ?? "");
      for (const message of parsed.problems) ctx.addIssue({ code: "custom", message });
      return parsed.secrets;
    })
    .meta({ takes: "origin=secret, comma-separated (secrets ≥ 16 characters, no commas)" })
    .describe("Signing secret per destination origin; origins without one are never called."),
  PIXOUT_NOTIFY_MAX_ATTEMPTS: positiveInt(DEFAULT_NOTIFY.maxAttempts).describe(
    "Delivery attempts of one event; with the defaults the last comes about 11.4 hours after the first.",
  ),
  PIXOUT_NOTIFY_BACKOFF_MS: positiveInt(DEFAULT_NOTIFY.backoffMs).describe(
    "Wait before the second attempt, in ms; it doubles after every failure, up to 1 hour.",
  ),
  PIXOUT_NOTIFY_TIMEOUT_MS: positiveInt(DEFAULT_NOTIFY.timeoutMs).describe(
    "Time limit of one attempt (connect, answer and body), in ms.",
  ),
  PIXOUT_NOTIFY_CONCURRENCY: positiveInt(DEFAULT_NOTIFY.concurrency).describe(
    "Deliveries one notification worker makes at once.",
  ),
});

export type { NotifySettings } from "../notifications/settings.js";

export function notifySettingsOf(e: z.infer<typeof notificationFields>): NotifySettings {
  return {
    ...(e.PIXOUT_NOTIFY_URL === undefined ? {} : { url: e.PIXOUT_NOTIFY_URL }),
    secrets: e.PIXOUT_NOTIFY_SECRETS,
    maxAttempts: e.PIXOUT_NOTIFY_MAX_ATTEMPTS,
    backoffMs: e.PIXOUT_NOTIFY_BACKOFF_MS,
    timeoutMs: e.PIXOUT_NOTIFY_TIMEOUT_MS,
    concurrency: e.PIXOUT_NOTIFY_CONCURRENCY,
  };
}

const destinationFields = notificationFields.pick({ PIXOUT_NOTIFY_URL: true, PIXOUT_NOTIFY_SECRETS: true });

/** The default destination must have a secret: without one it would never be called (src/notifications/notifier.ts). */
export function notifyDestinationProblems(input: Record<string, string>): CredentialProblem[] {
  const parsed = destinationFields.safeParse(input);
  // A malformed URL or secrets list is already reported by the schema.
  if (!parsed.success || parsed.data.PIXOUT_NOTIFY_URL === undefined) return [];
  const origin = originOf(parsed.data.PIXOUT_NOTIFY_URL);
  if (parsed.data.PIXOUT_NOTIFY_SECRETS.has(origin)) return [];
  return [
    {
      setting: "PIXOUT_NOTIFY_URL",
      message: `has no secret for its origin ${origin}: add "${origin}=<secret>" to PIXOUT_NOTIFY_SECRETS`,
    },
  ];
}

/** Where upstream events go (PIXOUT_NOTIFY_*), for commands without bank credentials (`pixout resume`). */
export function loadNotifySettings(env: Environment = readEnvironment()): NotifySettings {
  const parsed = notificationFields.safeParse(withoutEmpty(env));
  if (!parsed.success) throw new ConfigError(zodProblems(parsed.error));
  return notifySettingsOf(parsed.data);
}
