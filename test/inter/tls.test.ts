// mTLS both ways: pfx and crt/key both work; a wrong CA, an expired or foreign client certificate, a
// missing client certificate and a host name mismatch are all refused with clear errors.
import { randomUUID } from "node:crypto";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createInterAgent } from "../../src/inter/tls-agent.js";
import { createInterHttp } from "../../src/inter/http.js";
import { InterTlsError } from "../../src/inter/errors.js";
import { createLogger } from "../../src/logger.js";
import { generateDevCertificateSet, issueCertificate, toPfx } from "../../src/tls/dev-certs.js";
import { startEmulator } from "../../src/emulator/emulator.js";
import { bankFor } from "../helpers/bank.js";
import { testCerts } from "../helpers/certs.js";
import { NO_LIMITS, startTestEmulator } from "../helpers/emulator.js";
import { tempDir } from "../helpers/temp-dir.js";

const DAY = 86_400_000;
const certs = testCerts();
const ca = { certPem: certs.ca, keyPem: readFileSync(certs.paths.caKey, "utf8") };
const emulator = await startTestEmulator({ limits: NO_LIMITS });
const order = { amountCents: 100, recipient: { type: "key" as const, key: "fornecedor@example.com" } };
const silent = createLogger({ level: "silent" });

/** A raw token call through our agent and HTTP layer, with any client TLS material. */
async function tokenCallWith(tls: { cert: string; key: string; ca?: string }, url = emulator.url): Promise<unknown> {
  const agent = createInterAgent({ tls, connectTimeoutMs: 3000, requestTimeoutMs: 3000, maxConnections: 1 });
  try {
    const http = createInterHttp({
      baseUrl: url,
      dispatcher: agent.dispatcher,
      tlsFailureOf: agent.tlsFailureOf,
      logger: silent,
    });
    return await http.exchange({ operation: "token", method: "POST", path: "/oauth/v2/token", body: "" });
  } catch (err) {
    return err;
  } finally {
    await agent.close();
  }
}

describe("mutual TLS", () => {
  it("works with a crt/key pair and reuses the TLS session (one handshake for many calls)", async () => {
    const before = emulator.ledger.snapshot().tls.handshakes.full;
    const { client } = bankFor(emulator);
    for (let i = 0; i < 5; i++) await client.sendPix(order, randomUUID());
    expect(emulator.ledger.snapshot().tls.handshakes.full - before).toBe(1);
  });

  it("works with a .pfx bundle", async () => {
    const dir = tempDir("pfx");
    const pfx = join(dir, "client.pfx");
    writeFileSync(pfx, toPfx({ certPem: certs.clientCert, keyPem: certs.clientKey }, "pfx-pass-123", [certs.ca]));
    chmodSync(pfx, 0o600);
    const { client } = bankFor(emulator, {
      env: {
        INTER_CERT_FILE: undefined,
        INTER_KEY_FILE: undefined,
        INTER_PFX_FILE: pfx,
        INTER_PFX_PASSPHRASE: "pfx-pass-123",
      },
    });
    expect((await client.sendPix(order, randomUUID())).tipoRetorno).toBe("PROCESSADO");
  });

  it("refuses a bank certificate we do not trust, and says how to trust the emulator", async () => {
    const other = generateDevCertificateSet();
    const err = await tokenCallWith({ cert: certs.clientCert, key: certs.clientKey, ca: other.ca.certPem });
    expect(err).toBeInstanceOf(InterTlsError);
    expect((err as InterTlsError).message).toMatch(/bank's TLS certificate was not accepted .*INTER_CA_FILE/);
    // Without INTER_CA_FILE only the system roots are trusted: the dev CA is refused as well.
    const { client } = bankFor(emulator, { env: { INTER_CA_FILE: undefined } });
    await expect(client.sendPix(order, randomUUID())).rejects.toBeInstanceOf(InterTlsError);
  });

  it("refuses a server whose certificate is for another host name", async () => {
    const wrongHost = issueCertificate({
      commonName: "bank.example",
      altNames: ["bank.example"],
      serverAuth: true,
      issuer: ca,
    });
    const impostor = await startEmulator({
      limits: NO_LIMITS,
      tls: { cert: wrongHost.certPem, key: wrongHost.keyPem, ca: certs.ca },
    });
    try {
      const err = await tokenCallWith({ cert: certs.clientCert, key: certs.clientKey, ca: certs.ca }, impostor.url);
      expect(err).toBeInstanceOf(InterTlsError);
      expect((err as InterTlsError).message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
    } finally {
      await impostor.close();
    }
  });

  it("is refused by the bank without a client certificate", async () => {
    const agent = createInterAgent({
      tls: { ca: certs.ca },
      connectTimeoutMs: 3000,
      requestTimeoutMs: 3000,
      maxConnections: 1,
    });
    const rejectedBefore = emulator.ledger.snapshot().tls.rejected;
    try {
      const http = createInterHttp({
        baseUrl: emulator.url,
        dispatcher: agent.dispatcher,
        tlsFailureOf: agent.tlsFailureOf,
        logger: silent,
      });
      const err = await http
        .exchange({ operation: "send-pix", method: "POST", path: "/banking/v2/pix", body: "{}" })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InterTlsError);
      expect(err).toMatchObject({ code: "INTER_TLS", ambiguous: false, retryable: false });
      expect((err as Error).message).toMatch(/refused our client certificate/);
    } finally {
      await agent.close();
    }
    expect(emulator.ledger.snapshot().tls.rejected).toBeGreaterThan(rejectedBefore);
  });

  // Node's TLS server (the emulator) drops a connection whose certificate fails verification without a
  // TLS alert, so the client cannot be sure why; it says what to check.
  it("is refused by the bank with an expired client certificate or one from another CA", async () => {
    const expired = issueCertificate({
      commonName: "expired",
      clientAuth: true,
      issuer: ca,
      notBefore: new Date(Date.now() - 100 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const rejected = emulator.ledger.snapshot().tls.rejected;
    const expiredErr = await tokenCallWith({ cert: expired.certPem, key: expired.keyPem, ca: certs.ca });
    expect(expiredErr).toMatchObject({ code: "INTER_CONNECTION", operation: "token" });
    expect((expiredErr as Error).message).toMatch(/may be refusing our client certificate \(check INTER_CERT_FILE/);

    const foreign = generateDevCertificateSet();
    const foreignErr = await tokenCallWith({ cert: foreign.client.certPem, key: foreign.client.keyPem, ca: certs.ca });
    expect((foreignErr as Error).message).toMatch(/may be refusing our client certificate/);
    expect(emulator.ledger.snapshot().tls.rejected).toBe(rejected + 2);
  });
});
