// Starting the emulator with the dev certificates (made when missing), and the settings a client needs
// to talk to it. Shared by `pixout emulator` and `pixout demo`.
import { readFile } from "node:fs/promises";
import type { Environment } from "../../config.js";
import { DEV_INTEGRATION } from "../../emulator/integration.js";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../emulator/emulator.js";
import { writeDevCertificates, type DevCertPaths } from "../../tls/dev-certs.js";

export interface DevEmulator {
  emulator: Emulator;
  certs: DevCertPaths;
  /** Settings for a pixout client of this emulator (the dev integration's credentials). */
  clientEnv: Environment;
}

export async function startDevEmulator(
  certDir: string,
  options: Omit<EmulatorOptions, "tls"> = {},
): Promise<DevEmulator> {
  const { paths } = await writeDevCertificates(certDir);
  const read = (p: string): Promise<string> => readFile(p, "utf8");
  const [cert, key, ca, callbackCert, callbackKey] = await Promise.all([
    read(paths.serverCert),
    read(paths.serverKey),
    read(paths.caCert),
    read(paths.callbackCert),
    read(paths.callbackKey),
  ]);
  const emulator = await startEmulator({
    ...options,
    tls: { cert, key, ca, callbackCert, callbackKey, callbackCa: ca },
  });
  const integration = options.integration ?? DEV_INTEGRATION;
  return {
    emulator,
    certs: paths,
    clientEnv: {
      // The client's budgets follow the limits the emulator enforces.
      INTER_ENV: options.environment ?? "production",
      INTER_BASE_URL: emulator.url,
      INTER_CLIENT_ID: integration.clientId,
      INTER_CLIENT_SECRET: integration.clientSecret,
      INTER_CERT_FILE: paths.clientCert,
      INTER_KEY_FILE: paths.clientKey,
      INTER_CA_FILE: paths.caCert,
    },
  };
}
