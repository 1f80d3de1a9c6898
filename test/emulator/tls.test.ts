// Mutual TLS on every route (docs/reference/inter-api.md §2.1, §9): no client certificate, or one from another CA,
// and nothing is answered — not even the token endpoint or the admin routes.
import { connect, type ConnectionOptions } from "node:tls";
import { Agent, request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { issueCertificate } from "../../src/tls/dev-certs.js";
import { testCerts } from "../helpers/certs.js";
import { apiFor, emulatorFor, NO_LIMITS } from "./support.js";

const emulator = await emulatorFor({ limits: NO_LIMITS });
const certs = testCerts();

function agent(connect: { ca: string; cert?: string; key?: string }): Agent {
  const a = new Agent({ connect });
  afterAll(async () => {
    await a.destroy();
  });
  return a;
}

describe("client certificates", () => {
  const paths = ["/oauth/v2/token", "/banking/v2/pix", "/_emulator/ledger"];

  it("refuses a client without a certificate on every route", async () => {
    const before = emulator.ledger.snapshot().tls.rejected;
    const noCert = agent({ ca: certs.ca });
    for (const path of paths) {
      await expect(
        request(`${emulator.url}${path}`, { method: "POST", dispatcher: noCert, body: "" }),
      ).rejects.toThrow();
    }
    const after = emulator.ledger.snapshot();
    expect(after.tls.rejected).toBeGreaterThan(before);
    // Nothing reached the routes.
    expect(after.requests["POST /oauth/v2/token"]).toBeUndefined();
  });

  it("refuses a certificate signed by another CA", async () => {
    const otherCa = issueCertificate({ commonName: "someone else's CA", isCa: true });
    const stranger = issueCertificate({ commonName: "stranger", clientAuth: true, issuer: otherCa });
    const foreign = agent({ ca: certs.ca, cert: stranger.certPem, key: stranger.keyPem });
    await expect(request(`${emulator.url}/_emulator/ledger`, { dispatcher: foreign })).rejects.toThrow();
    expect(emulator.ledger.snapshot().requests["POST /oauth/v2/token"]).toBeUndefined();
  });

  it("serves a client with a certificate from the CA, over TLS 1.2 or later only", async () => {
    const api = apiFor(emulator);
    expect((await api.admin("GET", "/ledger")).status).toBe(200);
    const { port } = emulator;
    const protocol = (options: ConnectionOptions): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect({
          host: "127.0.0.1",
          port,
          ca: certs.ca,
          cert: certs.clientCert,
          key: certs.clientKey,
          ...options,
        });
        socket.once("secureConnect", () => {
          resolve(socket.getProtocol() ?? "");
          socket.destroy();
        });
        socket.once("error", reject);
      });
    expect(await protocol({ maxVersion: "TLSv1.2" })).toBe("TLSv1.2");
    expect(await protocol({})).toBe("TLSv1.3");
    // A client that offers at most TLS 1.1 (security level lowered so that it may) is refused.
    await expect(
      protocol({ minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0" }),
    ).rejects.toThrow(/protocol|version/i);
  });
});

describe("keep-alive", () => {
  it("reuses one connection and one handshake for many requests", async () => {
    const em = await emulatorFor({ limits: NO_LIMITS });
    const one = new Agent({ connect: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey }, connections: 1 });
    afterAll(async () => {
      await one.close();
    });
    const api = apiFor(em, one);
    for (let i = 0; i < 10; i++) expect((await api.admin("GET", "/ledger")).status).toBe(200);
    const tls = em.ledger.snapshot().tls;
    expect(tls.connections).toBe(1);
    expect(tls.handshakes).toEqual({ full: 1, resumed: 0 });
  });
});
