// Composition of the bank side from settings: mTLS agent → HTTP exchange → token broker (fleet cache in
// Redis when a connection is given) → client. One agent per process keeps TLS sessions warm, so a
// payment costs no handshake after warm-up.
import type { RedisClient } from "../redis/connections.js";
import type { InterSettings } from "../config.js";
import type { Logger, SecretRegistry } from "../logger.js";
import { createInterClient, type CallGate, type InterClient } from "./client.js";
import type { InterOperation } from "./errors.js";
import { createInterHttp, type CallObserver } from "./http.js";
import { createInterAgent } from "./tls-agent.js";
import { createTokenBroker } from "./token-broker.js";
import { createRedisTokenStore, tokenKey } from "./token-store.js";

export interface Bank {
  client: InterClient;
  /** A client on the same connections and tokens whose every call passes `gate` first (calls made outside a job). */
  gated(gate: CallGate): InterClient;
  close(): Promise<void>;
}

export interface BankOptions {
  settings: InterSettings;
  logger: Logger;
  secrets: SecretRegistry;
  /** Shares tokens with every process using the same Redis; without it, tokens are per process. */
  redis?: RedisClient;
  redisPrefix?: string;
  observer?: CallObserver;
  /** A gated request left the socket this long after its gate (see InterHttpOptions.onSent). */
  onSent?: (operation: InterOperation, gapMs: number) => void;
  /** The fleet's token budget (see TokenProviderOptions.tokenBudget). */
  tokenBudget?: () => Promise<number>;
  /** Passed before every API exchange (see CallGate): the fleet's budgets for calls made outside a job. */
  gate?: CallGate;
}

export function createBank(options: BankOptions): Bank {
  const { settings, logger, secrets, redis } = options;
  secrets.add(settings.clientSecret);
  secrets.add(settings.tls.key);
  secrets.add(settings.pfxPassphrase);
  const agent = createInterAgent(settings);
  const http = createInterHttp({
    baseUrl: settings.baseUrl,
    dispatcher: agent.dispatcher,
    tlsFailureOf: agent.tlsFailureOf,
    logger,
    ...(options.observer ? { observer: options.observer } : {}),
    ...(options.onSent ? { onSent: options.onSent } : {}),
  });
  const tokens = createTokenBroker({
    http,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    scopes: settings.scopes,
    marginMs: settings.tokenMarginMs,
    logger,
    secrets,
    // The lock outlives the slowest possible token call: connect plus answer timeouts.
    lockTtlMs: settings.connectTimeoutMs + settings.requestTimeoutMs + 5_000,
    maxCooldownMs: settings.maxBankWaitMs,
    ...(options.tokenBudget ? { tokenBudget: options.tokenBudget } : {}),
    ...(redis
      ? {
          storeFor: (scopes: readonly string[]) =>
            createRedisTokenStore(redis, tokenKey(settings, scopes), settings.clientSecret),
        }
      : {}),
  });
  const clientWith = (gate: CallGate | undefined): InterClient =>
    createInterClient({
      http,
      tokens,
      logger,
      statementAccountHeader: settings.statementAccountHeader,
      ...(settings.account === undefined ? {} : { account: settings.account }),
      ...(gate ? { gate } : {}),
    });
  const client = clientWith(options.gate);
  return {
    client,
    gated: (gate) => clientWith(gate),
    async close() {
      tokens.close();
      await agent.close();
    },
  };
}
