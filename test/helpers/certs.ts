import { readFileSync } from "node:fs";
import { inject } from "vitest";
import { devCertPaths, type DevCertPaths } from "../../src/tls/dev-certs.js";

/** Paths of the dev certificate set made once for the whole test run (see global-setup.ts). */
export function testCertPaths(): DevCertPaths {
  return devCertPaths(inject("certDir"));
}

export interface TestCerts {
  paths: DevCertPaths;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  callbackCert: string;
  callbackKey: string;
}

export function testCerts(): TestCerts {
  const paths = testCertPaths();
  const read = (p: string): string => readFileSync(p, "utf8");
  return {
    paths,
    ca: read(paths.caCert),
    serverCert: read(paths.serverCert),
    serverKey: read(paths.serverKey),
    clientCert: read(paths.clientCert),
    clientKey: read(paths.clientKey),
    callbackCert: read(paths.callbackCert),
    callbackKey: read(paths.callbackKey),
  };
}
