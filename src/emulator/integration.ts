// The fake "integração" the emulator knows: what Inter's Internet Banking shows on an integration's
// page (client id and secret, the scopes ticked for it, the checking accounts linked to it).

export interface Integration {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  /** Checking accounts, as `x-conta-corrente` carries them (docs/reference/inter-api.md §2.4). */
  accounts: string[];
}

/** Development integration: the emulator's default, and what `pixout demo` uses. Not a secret. */
export const DEV_INTEGRATION: Readonly<Integration> = Object.freeze({
  clientId: "pixout-dev-client",
  clientSecret: "pixout-dev-secret-not-for-production",
  scopes: [
    "pagamento-pix.read",
    "pagamento-pix.write",
    "webhook-banking.read",
    "webhook-banking.write",
    "extrato.read",
  ],
  accounts: ["12345678"],
});

/** Scope each Inter route needs (docs/reference/inter-api.md §2.3). */
export const SCOPES = {
  pixWrite: "pagamento-pix.write",
  pixRead: "pagamento-pix.read",
  webhookWrite: "webhook-banking.write",
  webhookRead: "webhook-banking.read",
  /** Statement and balance. */
  statementRead: "extrato.read",
} as const;
