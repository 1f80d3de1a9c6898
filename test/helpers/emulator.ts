import { inject } from "vitest";
import { cleanupAfter } from "./cleanup.js";
import { DEV_INTEGRATION } from "../../src/emulator/integration.js";
import { removeIntegrationKeys } from "../../src/queue/cleanup.js";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../src/emulator/emulator.js";
import { createLogger } from "../../src/logger.js";
import { testCerts } from "./certs.js";

/** The real emulator over mTLS with the test run's certificates; closed after the file's tests. */
export async function startTestEmulator(options: Omit<EmulatorOptions, "tls"> = {}): Promise<Emulator> {
  const certs = testCerts();
  const emulator = await startEmulator({
    logger: createLogger({ level: "silent" }),
    ...options,
    tls: {
      cert: certs.serverCert,
      key: certs.serverKey,
      ca: certs.ca,
      callbackCert: certs.callbackCert,
      callbackKey: certs.callbackKey,
      callbackCa: certs.ca,
    },
  });
  cleanupAfter(async () => {
    await emulator.close();
    // Budgets and tokens are keyed by integration (the emulator's URL is the test's own): removed with it.
    await removeIntegrationKeys(inject("redisUrl"), {
      baseUrl: emulator.url,
      clientId: (options.integration ?? DEV_INTEGRATION).clientId,
    });
  });
  return emulator;
}

/** Inter's production limits lifted, for tests that are not about limits. */
export const NO_LIMITS = {
  token: 0,
  send: 0,
  sendPerSecond: 0,
  status: 0,
  webhook: 0,
  callbacks: 0,
  callbackRetry: 0,
  statement: 0,
  balance: 0,
};
