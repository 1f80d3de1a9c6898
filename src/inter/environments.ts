// Inter's two environments and the rate limits each one publishes (docs/reference/inter-api.md §6.2):
// INTER_ENV picks one, and with it the base URL and every fleet budget's default. Explicit
// INTER_BASE_URL and PIXOUT_*_PER_MINUTE settings still win (an emulator, a proxy, a negotiated limit).
export const INTER_ENVIRONMENT_NAMES = ["production", "sandbox"] as const;
export type InterEnvironment = (typeof INTER_ENVIRONMENT_NAMES)[number];

/** Calls a minute, per endpoint, as Inter publishes them. 0 = the endpoint does not exist there. */
export interface PublishedLimits {
  sendPerMinute: number;
  /** The least time between two sends (production: at most one a second). */
  sendMinIntervalMs: number;
  statusPerMinute: number;
  tokenPerMinute: number;
  /** PUT, GET and DELETE of the webhook: each has this limit of its own. */
  webhookPerMinute: number;
  /** GET …/webhooks/pix-pagamento/callbacks. */
  callbacksPerMinute: number;
  /** POST …/webhooks/pix-pagamento/callbacks/retry: production only. */
  callbackRetryPerMinute: number;
  /** GET /banking/v2/extrato/completo (reconciliation). */
  statementPerMinute: number;
  /** GET /banking/v2/saldo. */
  balancePerMinute: number;
}

export const INTER_ENVIRONMENTS: Readonly<
  Record<InterEnvironment, { baseUrl: string; limits: Readonly<PublishedLimits> }>
> = {
  production: {
    baseUrl: "https://cdpj.partners.bancointer.com.br",
    limits: {
      sendPerMinute: 60,
      sendMinIntervalMs: 1000,
      statusPerMinute: 20,
      tokenPerMinute: 5,
      webhookPerMinute: 10,
      callbacksPerMinute: 10,
      callbackRetryPerMinute: 5,
      statementPerMinute: 10,
      balancePerMinute: 10,
    },
  },
  sandbox: {
    baseUrl: "https://cdpj-sandbox.partners.uatinter.co",
    limits: {
      sendPerMinute: 10,
      // Not published for the sandbox; harmless at 10 a minute (6 s apart), kept so that no setting of
      // sends faster than production's rule can come from the environment alone.
      sendMinIntervalMs: 1000,
      statusPerMinute: 10,
      tokenPerMinute: 5,
      webhookPerMinute: 10,
      callbacksPerMinute: 10,
      callbackRetryPerMinute: 0,
      statementPerMinute: 10,
      balancePerMinute: 10,
    },
  },
};

/** Which of Inter's environments a base URL is, if it is one of them (an emulator or a proxy is neither). */
export function environmentOfUrl(baseUrl: string): InterEnvironment | undefined {
  const host = URL.canParse(baseUrl) ? new URL(baseUrl).host : "";
  return INTER_ENVIRONMENT_NAMES.find((name) => new URL(INTER_ENVIRONMENTS[name].baseUrl).host === host);
}
