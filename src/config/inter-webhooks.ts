// Inter's pix-pagamento callbacks (src/inter-callbacks/, docs/operating/inter-webhooks.md): where
// `pixout webhook serve` listens, its HTTPS certificate, which callers it believes, and how often the
// worker still polls while it runs. Phase 1 parses; phase 2 (loadServerCredentials) reads the files.
import { z } from "zod";
import type { CredentialProblem } from "../tls/client-credentials.js";
import { loadServerCredentials, type ServerTlsMaterial } from "../tls/server-credentials.js";
import { redisSettingsOf } from "../redis/settings.js";
import { readEnvironment } from "./environment.js";
import { ConfigError, withoutEmpty, zodProblems, type Environment } from "./problems.js";
import { queueAndRedisFields, queueSettingsOf, type QueueSettings } from "./queue.js";
import { filePath, positiveInt, wholeNumber } from "./values.js";

const forServe = { unset: "required by `pixout webhook serve`" };

export const interWebhookFields = z.object({
  PIXOUT_WEBHOOK_POLL_MS: positiveInt(300_000).describe(
    "While a receiver runs, a payment the bank is processing is polled at most this often (ms): Inter's callbacks finish it, the poll is the safety net.",
  ),
  PIXOUT_WEBHOOK_HOST: z
    .string()
    .min(1)
    .default("0.0.0.0")
    .meta({ takes: "host name or IP address" })
    .describe("Address the receiver listens on."),
  PIXOUT_WEBHOOK_PORT: wholeNumber()
    .pipe(z.number().max(65_535))
    .default(8443)
    .meta({ takes: "whole number, 0 to 65535" })
    .describe("Port the receiver listens on."),
  PIXOUT_WEBHOOK_PATH: z
    .string()
    .default("/inter/pix-pagamento")
    .refine((v) => /^\/[^\s?#]*$/.test(v), "must be a path starting with / (the path of the URL registered with Inter)")
    .meta({ takes: "a path starting with /" })
    .describe("The path of the URL registered with `pixout webhook register` (Inter POSTs to that exact URL)."),
  PIXOUT_WEBHOOK_CERT_FILE: filePath()
    .meta(forServe)
    .describe(
      "The receiver's HTTPS certificate (from a public CA in production; certs/dev/server.crt with the emulator).",
    ),
  PIXOUT_WEBHOOK_KEY_FILE: filePath().meta(forServe).describe("The private key of PIXOUT_WEBHOOK_CERT_FILE."),
  PIXOUT_WEBHOOK_CLIENT_CA_FILE: filePath()
    .meta(forServe)
    .describe(
      "The CA callers must chain to: Inter's ca.crt (downloaded with the webhook certificate); certs/dev/ca.crt with the emulator.",
    ),
  PIXOUT_WEBHOOK_CLIENT_FINGERPRINTS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const list = (v ?? "")
        .split(",")
        .map((f) => f.trim().replace(/:/g, "").toUpperCase())
        .filter(Boolean);
      for (const f of list)
        if (!/^[0-9A-F]{64}$/.test(f))
          ctx.addIssue({
            code: "custom",
            message: `"${f}" is not a SHA-256 fingerprint (64 hex digits, colons allowed)`,
          });
      return list;
    })
    .meta({ takes: "SHA-256 fingerprints (64 hex digits, colons allowed), comma-separated" })
    .describe(
      "Pinned callers: the only client certificates the receiver accepts, and whose callbacks may finish payments. Empty (and no subjects): any certificate from the CA is heard, but a callback then only wakes the payment's status query. The receiver logs each caller's fingerprint and subject on its first call.",
    ),
  /** Caller subjects pinned instead of fingerprints (`CN=…, O=…` as the receiver logs them), `;`-separated. */
  PIXOUT_WEBHOOK_CLIENT_SUBJECTS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const list = (v ?? "")
        .split(";")
        .map((x) => x.trim())
        .filter(Boolean);
      for (const x of list)
        if (!/^[A-Za-z.0-9]+=/.test(x))
          ctx.addIssue({
            code: "custom",
            message: `"${x}" is not a certificate subject such as "CN=Inter Webhook, O=Banco Inter"`,
          });
      return list;
    })
    .meta({ takes: "subjects (`CN=…, O=…`), `;`-separated" })
    .describe("Or pin callers by subject, exactly as the receiver logs it."),
  PIXOUT_WEBHOOK_MAX_CONNECTIONS_PER_ADDRESS: positiveInt(32).describe(
    "Open connections one address may hold on the receiver's port (which faces the internet); more are closed at once. Handshakes, headers and whole requests have their own timeouts (10 s, 10 s, 30 s).",
  ),
});

/** `pixout webhook serve`: the queue, and where and how to listen for Inter's callbacks. */
export interface WebhookReceiverSettings extends QueueSettings {
  host: string;
  port: number;
  path: string;
  tls: ServerTlsMaterial;
  /** SHA-256 fingerprints (upper-case hex, no colons) of the only client certificates accepted; empty = any from the CA. */
  clientFingerprints: string[];
  /** Pinned caller subjects (`CN=…, O=…`). With neither, callbacks only wake status queries. */
  clientSubjects: string[];
  maxConnectionsPerAddress: number;
}

/** The receiver's settings: the worker's poll interval is not among them. */
const receiverFields = z.object({
  ...queueAndRedisFields.shape,
  ...interWebhookFields.omit({ PIXOUT_WEBHOOK_POLL_MS: true }).shape,
});

const REQUIRED_FILES = {
  PIXOUT_WEBHOOK_CERT_FILE:
    "is required: the receiver's HTTPS certificate (Inter calls only a certificate from a public CA)",
  PIXOUT_WEBHOOK_KEY_FILE: "is required: the private key of PIXOUT_WEBHOOK_CERT_FILE",
  PIXOUT_WEBHOOK_CLIENT_CA_FILE:
    "is required: Inter's CA (ca.crt from the webhook certificate download), which callers must chain to",
} as const;

/** Phase 1 (every value and the three files named), then phase 2 (Redis's CA, the certificate, key and CA read). */
export function loadWebhookReceiverSettings(
  env: Environment = readEnvironment(),
  now: Date = new Date(),
): WebhookReceiverSettings {
  const parsed = receiverFields.safeParse(withoutEmpty(env));
  const problems: CredentialProblem[] = parsed.success ? [] : zodProblems(parsed.error);
  const e = parsed.success ? parsed.data : undefined;
  if (e)
    for (const [name, message] of Object.entries(REQUIRED_FILES))
      if (e[name as keyof typeof REQUIRED_FILES] === undefined) problems.push({ setting: name, message });
  const checked = e ? redisSettingsOf(e) : { problems: [] };
  problems.push(...checked.problems);
  const redis = checked.settings;
  let tls: ServerTlsMaterial | undefined;
  if (
    e?.PIXOUT_WEBHOOK_CERT_FILE !== undefined &&
    e.PIXOUT_WEBHOOK_KEY_FILE !== undefined &&
    e.PIXOUT_WEBHOOK_CLIENT_CA_FILE !== undefined
  ) {
    const loaded = loadServerCredentials(
      {
        certFile: e.PIXOUT_WEBHOOK_CERT_FILE,
        keyFile: e.PIXOUT_WEBHOOK_KEY_FILE,
        clientCaFile: e.PIXOUT_WEBHOOK_CLIENT_CA_FILE,
      },
      now,
    );
    problems.push(...loaded.problems);
    tls = loaded.material;
  }
  if (!e || !tls || !redis || problems.length > 0) throw new ConfigError(problems);
  return {
    ...queueSettingsOf(e, redis),
    host: e.PIXOUT_WEBHOOK_HOST,
    port: e.PIXOUT_WEBHOOK_PORT,
    path: e.PIXOUT_WEBHOOK_PATH,
    tls,
    clientFingerprints: e.PIXOUT_WEBHOOK_CLIENT_FINGERPRINTS,
    clientSubjects: e.PIXOUT_WEBHOOK_CLIENT_SUBJECTS,
    maxConnectionsPerAddress: e.PIXOUT_WEBHOOK_MAX_CONNECTIONS_PER_ADDRESS,
  };
}
