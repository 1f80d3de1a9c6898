// The bank: which of Inter's environments, where its API is, the integration's credentials and account,
// and how pixout's HTTP client talks to it. The client certificate is inter-certificate.ts's.
import { z } from "zod";
import {
  INTER_ENVIRONMENTS,
  INTER_ENVIRONMENT_NAMES,
  environmentOfUrl,
  type InterEnvironment,
} from "../inter/environments.js";
import type { CertificateSummary, ClientTlsMaterial } from "../tls/client-credentials.js";
import { nonNegativeInt, positiveInt } from "./values.js";

export const INTER_PRODUCTION_URL = INTER_ENVIRONMENTS.production.baseUrl;
export const INTER_SANDBOX_URL = INTER_ENVIRONMENTS.sandbox.baseUrl;
/** The scopes a payout worker needs (docs/reference/inter-api.md §2.3). */
export const DEFAULT_SCOPES = "pagamento-pix.write pagamento-pix.read";

export const interFields = z.object({
  INTER_ENV: z
    .enum(INTER_ENVIRONMENT_NAMES, { error: `must be ${INTER_ENVIRONMENT_NAMES.join(" or ")}` })
    .default("production")
    .meta({ unset: "`production`, or the environment INTER_BASE_URL names" })
    .describe(
      "Inter's environment: it picks the base URL and the published limits every budget defaults to (Bank budgets).",
    ),
  INTER_BASE_URL: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || /^https:\/\/[^\s/]+(\/[^\s]*)?$/.test(v),
      "must be an https:// URL (Inter requires mTLS)",
    )
    .transform((v) => v?.replace(/\/+$/, ""))
    .meta({
      takes: "https:// URL",
      unset: `INTER_ENV's: ${INTER_ENVIRONMENT_NAMES.map((n) => `${n} ${INTER_ENVIRONMENTS[n].baseUrl}`).join(", ")}`,
    })
    .describe("Inter API base URL. Set it for the emulator or a proxy."),
  INTER_CLIENT_ID: z
    .string({ error: "is required (the Client Id of the integration in Inter's Internet Banking)" })
    .min(1)
    .describe("Client Id of the integration (Internet Banking → Integrações)."),
  INTER_CLIENT_SECRET: z
    .string({ error: "is required (the Client Secret of the integration)" })
    .min(1)
    .describe("Client Secret of the integration. Never logged."),
  INTER_ACCOUNT: z
    .string()
    .regex(
      /^[1-9][0-9]*$/,
      "must be the checking account number, digits only with the check digit and no leading zeros",
    )
    .optional()
    .meta({ takes: "digits with the check digit, no leading zeros" })
    .describe("The x-conta-corrente header: only when the integration has more than one checking account."),
  /**
   * The account header of the statement and balance calls: Inter's spec names `x-conta-corrente`, its
   * examples send `x-inter-conta-corrente` (UNVERIFIED which it reads).
   */
  INTER_STATEMENT_ACCOUNT_HEADER: z
    .enum(["x-conta-corrente", "x-inter-conta-corrente"])
    .default("x-conta-corrente")
    .describe(
      "The account header of the statement and balance calls (pixout reconcile): x-conta-corrente as Inter's spec names it, or x-inter-conta-corrente as Inter's own examples send it (which one Inter reads is unverified).",
    ),
  INTER_SCOPES: z
    .string()
    .default(DEFAULT_SCOPES)
    .transform((v) => v.split(/\s+/).filter(Boolean))
    .refine((v) => v.length > 0, "must name at least one scope")
    .meta({ takes: "scopes, space-separated" })
    .describe("OAuth scopes of the shared token (they must be enabled for the integration)."),
  INTER_TOKEN_MARGIN_SECONDS: nonNegativeInt(60).describe(
    "Refresh the token this many seconds before it expires (capped at half its lifetime).",
  ),
  INTER_CONNECT_TIMEOUT_MS: positiveInt(10_000).describe("TCP + TLS connect timeout to the bank, in milliseconds."),
  INTER_REQUEST_TIMEOUT_MS: positiveInt(30_000).describe(
    "Longest wait for the bank's answer (headers, then between body chunks), in milliseconds.",
  ),
  INTER_MAX_CONNECTIONS: positiveInt(8).describe("Keep-alive connections per worker process to the bank."),
});

type InterFields = z.infer<typeof interFields>;

export interface InterSettings {
  /** INTER_ENV: whose published limits the budgets default to. */
  environment: InterEnvironment;
  /** INTER_STATEMENT_ACCOUNT_HEADER. */
  statementAccountHeader: "x-conta-corrente" | "x-inter-conta-corrente";
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  account?: string;
  tls: ClientTlsMaterial;
  certificate: CertificateSummary;
  /** Kept only so that logs can scrub it; the .pfx is already converted to PEM in `tls`. */
  pfxPassphrase?: string;
  tokenMarginMs: number;
  /** PIXOUT_MAX_BANK_WAIT_SECONDS: the longest wait a Retry-After (a 429, a 503) can impose. */
  maxBankWaitMs: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxConnections: number;
}

/** INTER_ENV, or — left out, with INTER_BASE_URL at one of Inter's environments — that environment. */
export function environmentOf(e: InterFields, input: Record<string, string>): InterEnvironment {
  return input["INTER_ENV"] === undefined && e.INTER_BASE_URL !== undefined
    ? (environmentOfUrl(e.INTER_BASE_URL) ?? e.INTER_ENV)
    : e.INTER_ENV;
}

export function baseUrlOf(e: InterFields, environment: InterEnvironment): string {
  return e.INTER_BASE_URL ?? INTER_ENVIRONMENTS[environment].baseUrl;
}

/** The bank's settings, once the certificate is read (inter-certificate.ts) and the budgets known (budgets.ts). */
export function interSettingsOf(
  e: InterFields,
  at: { environment: InterEnvironment; baseUrl: string; maxBankWaitMs: number },
  credentials: { tls: ClientTlsMaterial; certificate: CertificateSummary; pfxPassphrase?: string | undefined },
): InterSettings {
  return {
    environment: at.environment,
    baseUrl: at.baseUrl,
    clientId: e.INTER_CLIENT_ID,
    clientSecret: e.INTER_CLIENT_SECRET,
    scopes: e.INTER_SCOPES,
    ...(e.INTER_ACCOUNT === undefined ? {} : { account: e.INTER_ACCOUNT }),
    statementAccountHeader: e.INTER_STATEMENT_ACCOUNT_HEADER,
    tls: credentials.tls,
    certificate: credentials.certificate,
    ...(credentials.pfxPassphrase === undefined ? {} : { pfxPassphrase: credentials.pfxPassphrase }),
    tokenMarginMs: e.INTER_TOKEN_MARGIN_SECONDS * 1000,
    maxBankWaitMs: at.maxBankWaitMs,
    connectTimeoutMs: e.INTER_CONNECT_TIMEOUT_MS,
    requestTimeoutMs: e.INTER_REQUEST_TIMEOUT_MS,
    maxConnections: e.INTER_MAX_CONNECTIONS,
  };
}
