import type { Redis } from "ioredis";
import { cleanupAfter } from "./cleanup.js";
import { loadConfig, type Environment, type InterSettings } from "../../src/config.js";
import type { Emulator } from "../../src/emulator/emulator.js";
import { DEV_INTEGRATION } from "../../src/emulator/integration.js";
import { createBank, type Bank } from "../../src/inter/bank.js";
import type { Logger, SecretRegistry } from "../../src/logger.js";
import { testCertPaths } from "./certs.js";
import { captureLogs } from "./log-capture.js";

/** Client settings for a test emulator, through the real configuration loader and certificate files. */
export function clientEnvFor(emulator: Emulator, overrides: Environment = {}): Environment {
  const paths = testCertPaths();
  return {
    INTER_BASE_URL: emulator.url,
    INTER_CLIENT_ID: DEV_INTEGRATION.clientId,
    INTER_CLIENT_SECRET: DEV_INTEGRATION.clientSecret,
    INTER_CERT_FILE: paths.clientCert,
    INTER_KEY_FILE: paths.clientKey,
    INTER_CA_FILE: paths.caCert,
    INTER_CONNECT_TIMEOUT_MS: "3000",
    INTER_REQUEST_TIMEOUT_MS: "5000",
    ...overrides,
  };
}

export function settingsFor(emulator: Emulator, overrides: Environment = {}): InterSettings {
  return loadConfig(clientEnvFor(emulator, overrides)).config.inter;
}

export interface TestBank extends Bank {
  logger: Logger;
  lines: string[];
  secrets: SecretRegistry;
}

/** A real bank client (agent, tokens, client) for the emulator, with captured logs; closed after the file. */
export function bankFor(
  emulator: Emulator,
  options: { env?: Environment; settings?: Partial<InterSettings>; redis?: Redis; redisPrefix?: string } = {},
): TestBank {
  const { logger, lines, secrets } = captureLogs();
  const settings = { ...settingsFor(emulator, options.env), ...options.settings };
  const bank = createBank({
    settings,
    logger,
    secrets,
    ...(options.redis ? { redis: options.redis } : {}),
    ...(options.redisPrefix === undefined ? {} : { redisPrefix: options.redisPrefix }),
  });
  cleanupAfter(() => bank.close());
  return { ...bank, logger, lines, secrets };
}
