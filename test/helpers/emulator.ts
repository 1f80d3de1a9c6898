import { cleanupAfter } from "./cleanup.js";
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
  cleanupAfter(() => emulator.close());
  return emulator;
}

/** Inter's production limits lifted, for tests that are not about limits. */
export const NO_LIMITS = { token: 0, send: 0, sendPerSecond: 0, status: 0, webhook: 0, callbacks: 0, callbackRetry: 0 };
