// Development certificates for the emulator and the client, made with node-forge (installed by `npm ci`;
// no openssl binary assumed). Keys come from Node's own crypto (fast, native) and are signed by forge.
// These certificates are for the local emulator only; real Inter certificates are never generated here.
import { X509Certificate, generateKeyPairSync, randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { join } from "node:path";
import forge from "node-forge";

export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

export interface CertificateSpec {
  commonName: string;
  /** Issue a CA certificate (may sign others). */
  isCa?: boolean;
  /** Host names and IP addresses for a server certificate's subjectAltName. */
  altNames?: string[];
  serverAuth?: boolean;
  clientAuth?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  /** Signer; omitted for a self-signed certificate. */
  issuer?: KeyPairPem;
}

const DAY_MS = 86_400_000;

export function generateKeyPem(): string {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return privateKey;
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01; // positive and without a leading zero byte
  return bytes.toString("hex");
}

export function issueCertificate(spec: CertificateSpec, keyPem: string = generateKeyPem()): KeyPairPem {
  const privateKey = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e);
  cert.serialNumber = serialNumber();
  const now = Date.now();
  cert.validity.notBefore = spec.notBefore ?? new Date(now - 60_000);
  cert.validity.notAfter = spec.notAfter ?? new Date(now + 365 * DAY_MS);
  const subject = [
    { name: "commonName", value: spec.commonName },
    { name: "organizationName", value: "pixout development" },
  ];
  cert.setSubject(subject);

  const issuerCert = spec.issuer ? forge.pki.certificateFromPem(spec.issuer.certPem) : undefined;
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : subject);

  const extensions: object[] = [
    { name: "basicConstraints", cA: spec.isCa === true, critical: true },
    spec.isCa
      ? { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true }
      : { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ];
  if (!spec.isCa) {
    extensions.push({
      name: "extKeyUsage",
      serverAuth: spec.serverAuth === true,
      clientAuth: spec.clientAuth === true,
    });
  }
  if (spec.altNames && spec.altNames.length > 0) {
    extensions.push({
      name: "subjectAltName",
      altNames: spec.altNames.map((n) => (isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })),
    });
  }
  if (issuerCert) {
    extensions.push({
      name: "authorityKeyIdentifier",
      keyIdentifier: issuerCert.generateSubjectKeyIdentifier().getBytes(),
    });
  }
  cert.setExtensions(extensions);

  const signerKey = spec.issuer ? forge.pki.privateKeyFromPem(spec.issuer.keyPem) : privateKey;
  cert.sign(signerKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** PKCS#12 bundle, as Inter's official SDKs expect (`openssl pkcs12 -export`), with AES-256 and a MAC. */
export function toPfx(pair: KeyPairPem, passphrase: string, chain: string[] = []): Buffer {
  const key = forge.pki.privateKeyFromPem(pair.keyPem);
  const certs = [pair.certPem, ...chain].map((pem) => forge.pki.certificateFromPem(pem));
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, certs, passphrase, { algorithm: "aes256", generateLocalKeyId: true });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary");
}

/** Everything the emulator and a dev client need: one CA, the emulator's server and webhook-caller
 * identities, and the company's client certificate. */
export interface DevCertificateSet {
  ca: KeyPairPem;
  server: KeyPairPem;
  client: KeyPairPem;
  /** The identity the emulator presents when it calls a webhook receiver (Inter calls with mTLS). */
  callback: KeyPairPem;
}

export function generateDevCertificateSet(options: { days?: number; hosts?: string[] } = {}): DevCertificateSet {
  const notAfter = new Date(Date.now() + (options.days ?? 365) * DAY_MS);
  const ca = issueCertificate({
    commonName: "pixout dev CA",
    isCa: true,
    notAfter: new Date(notAfter.getTime() + DAY_MS),
  });
  const server = issueCertificate({
    commonName: "localhost",
    // "emulator" is the emulator's host name in docker-compose.yml's dev profile.
    altNames: options.hosts ?? ["localhost", "127.0.0.1", "::1", "emulator"],
    serverAuth: true,
    issuer: ca,
    notAfter,
  });
  const client = issueCertificate({ commonName: "pixout dev integration", clientAuth: true, issuer: ca, notAfter });
  const callback = issueCertificate({ commonName: "inter emulator webhooks", clientAuth: true, issuer: ca, notAfter });
  return { ca, server, client, callback };
}

export const DEV_CERT_FILES = {
  caCert: "ca.crt",
  caKey: "ca.key",
  serverCert: "server.crt",
  serverKey: "server.key",
  clientCert: "client.crt",
  clientKey: "client.key",
  callbackCert: "callback.crt",
  callbackKey: "callback.key",
} as const;

export type DevCertPaths = { dir: string } & { [K in keyof typeof DEV_CERT_FILES]: string };

export function devCertPaths(dir: string): DevCertPaths {
  const entries = Object.entries(DEV_CERT_FILES).map(([k, file]) => [k, join(dir, file)]);
  return { dir, ...Object.fromEntries(entries) } as DevCertPaths;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** True when every certificate of the set in `dir` stays valid for another week. */
async function stillValid(paths: DevCertPaths): Promise<boolean> {
  const weekFromNow = Date.now() + 7 * DAY_MS;
  try {
    const certs = await Promise.all(
      [paths.caCert, paths.serverCert, paths.clientCert, paths.callbackCert].map(
        async (p) => new X509Certificate(await readFile(p)),
      ),
    );
    return certs.every((c) => new Date(c.validTo).getTime() > weekFromNow);
  } catch {
    return false;
  }
}

/** Writes a dev certificate set into `dir` (keys 0600, folder 0700). Keeps an existing complete set
 * that stays valid for another week, unless `force`; returns whether it wrote. */
export async function writeDevCertificates(
  dir: string,
  options: { force?: boolean; days?: number } = {},
): Promise<{ paths: DevCertPaths; created: boolean }> {
  const paths = devCertPaths(dir);
  const files = Object.values(DEV_CERT_FILES).map((f) => join(dir, f));
  if (!options.force && (await Promise.all(files.map(exists))).every(Boolean) && (await stillValid(paths))) {
    return { paths, created: false };
  }
  const set = generateDevCertificateSet(options.days === undefined ? {} : { days: options.days });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const writes: [string, string, number][] = [
    [paths.caCert, set.ca.certPem, 0o644],
    [paths.caKey, set.ca.keyPem, 0o600],
    [paths.serverCert, set.server.certPem, 0o644],
    [paths.serverKey, set.server.keyPem, 0o600],
    [paths.clientCert, set.client.certPem, 0o644],
    [paths.clientKey, set.client.keyPem, 0o600],
    [paths.callbackCert, set.callback.certPem, 0o644],
    [paths.callbackKey, set.callback.keyPem, 0o600],
  ];
  for (const [path, content, mode] of writes) {
    await writeFile(path, content, { mode });
    await chmod(path, mode); // writeFile's mode only applies to new files
  }
  return { paths, created: true };
}
