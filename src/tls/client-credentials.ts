// Loads and checks the company's Inter certificate before anything talks to the bank. Every problem is
// reported with the setting that caused it and what to do, never as a stack trace.
// A .pfx is converted to PEM in memory with node-forge: Node's OpenSSL 3 refuses the RC2-40 encryption
// that `openssl pkcs12 -export` of OpenSSL 1.x used, which is how many users made their .pfx
// (docs/reference/inter-api.md §2.1: the official SDKs take .pfx + password).
import { readSettingFile } from "../setting-file.js";
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { createRequire } from "node:module";
import type Forge from "node-forge";

/** PEM material ready for a TLS client. */
export interface ClientTlsMaterial {
  cert: string;
  key: string;
  /** Extra CA(s) to trust besides the system roots (INTER_CA_FILE), PEM. */
  ca?: string;
}

export interface CertificateSummary {
  subject: string;
  issuer: string;
  serialNumber: string;
  validFrom: Date;
  validTo: Date;
  /** Whole days until validTo (negative once expired). */
  daysLeft: number;
}

export interface CredentialFiles {
  certFile?: string;
  keyFile?: string;
  pfxFile?: string;
  pfxPassphrase?: string;
  caFile?: string;
}

export interface CredentialProblem {
  setting: string;
  message: string;
}

export interface LoadedCredentials {
  material?: ClientTlsMaterial;
  certificate?: CertificateSummary;
  problems: CredentialProblem[];
  warnings: string[];
}

export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export type ReadResult = { ok: true; data: Buffer } | { ok: false; problem: CredentialProblem };

export function readSecretAwareFile(setting: string, path: string, secret: boolean): ReadResult {
  const file = readSettingFile(path);
  if (!file.ok) return { ok: false, problem: { setting, message: file.message } };
  // A private key readable by other users can be copied by any process on the machine.
  if (secret && (file.stats.mode & 0o077) !== 0) {
    const mode = (file.stats.mode & 0o777).toString(8).padStart(4, "0");
    return {
      ok: false,
      problem: { setting, message: `${path} is readable by group or others (mode ${mode}); run: chmod 600 ${path}` },
    };
  }
  return { ok: true, data: file.data };
}

export function summarize(cert: X509Certificate, now: Date): CertificateSummary {
  const validTo = new Date(cert.validTo);
  return {
    subject: cert.subject.replace(/\n/g, ", "),
    issuer: cert.issuer.replace(/\n/g, ", "),
    serialNumber: cert.serialNumber,
    validFrom: new Date(cert.validFrom),
    validTo,
    daysLeft: Math.floor((validTo.getTime() - now.getTime()) / DAY_MS),
  };
}

export function parseCertificate(setting: string, path: string, data: Buffer): X509Certificate | CredentialProblem {
  try {
    return new X509Certificate(data);
  } catch {
    const hint = data.includes("PRIVATE KEY")
      ? " (it holds a private key: did you swap the certificate and key files?)"
      : "";
    return { setting, message: `not a PEM or DER certificate: ${path}${hint}` };
  }
}

export function parseKey(setting: string, path: string, data: Buffer): KeyObject | CredentialProblem {
  try {
    return createPrivateKey(data);
  } catch (err) {
    const text = (err as Error).message;
    if (/passphrase|encrypted/i.test(text) || data.includes("ENCRYPTED")) {
      return {
        setting,
        message: `${path} is an encrypted private key; pixout needs it unencrypted (protect it with file permissions), or use INTER_PFX_FILE + INTER_PFX_PASSPHRASE`,
      };
    }
    const hint = data.includes("CERTIFICATE")
      ? " (it holds a certificate: did you swap the certificate and key files?)"
      : "";
    return { setting, message: `not a PEM private key: ${path}${hint}` };
  }
}

export function isProblem(v: unknown): v is CredentialProblem {
  return typeof v === "object" && v !== null && "setting" in v && "message" in v;
}

// node-forge is loaded only to read a .pfx: a producer importing the SDK (which reads settings) never loads it.
let forgeModule: typeof Forge | undefined;
function loadForge(): typeof Forge {
  forgeModule ??= createRequire(import.meta.url)("node-forge") as typeof Forge;
  return forgeModule;
}

function fromPfx(path: string, data: Buffer, passphrase: string): { cert: string; key: string } | CredentialProblem {
  const forge = loadForge();
  let p12: Forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(data.toString("binary")), passphrase);
  } catch (err) {
    const text = (err as Error).message;
    if (/mac|password|decrypt|invalid/i.test(text) && !/too few bytes|asn\.?1/i.test(text)) {
      return { setting: "INTER_PFX_PASSPHRASE", message: `wrong passphrase for ${path}` };
    }
    return { setting: "INTER_PFX_FILE", message: `not a PKCS#12 (.pfx/.p12) file: ${path}` };
  }
  const bags = (oid: string | undefined): Forge.pkcs12.Bag[] =>
    oid === undefined ? [] : (p12.getBags({ bagType: oid })[oid] ?? []);
  const keyBags = [...bags(forge.pki.oids["pkcs8ShroudedKeyBag"]), ...bags(forge.pki.oids["keyBag"])];
  const certBags = bags(forge.pki.oids["certBag"]);
  const keyBag = keyBags.find((b) => b.key);
  if (!keyBag?.key) return { setting: "INTER_PFX_FILE", message: `${path} holds no private key` };
  const key = forge.pki.privateKeyToPem(keyBag.key);
  // The leaf is the certificate whose local key id matches the key's; fall back to the first one.
  const localKeyId = (bag: Forge.pkcs12.Bag): unknown =>
    (bag.attributes as Record<string, unknown[] | undefined>)["localKeyId"]?.[0];
  const keyId = localKeyId(keyBag);
  const leaf = certBags.find((b) => keyId !== undefined && localKeyId(b) === keyId) ?? certBags[0];
  if (!leaf?.cert) return { setting: "INTER_PFX_FILE", message: `${path} holds no certificate` };
  return { cert: forge.pki.certificateToPem(leaf.cert), key };
}

/**
 * Reads and checks cert + key (or pfx + passphrase) and the optional extra CA. Refuses (as problems)
 * missing, unreadable or unparsable files, a key readable by group/others, a key that does not match
 * the certificate, and a certificate that is expired or not yet valid. Warns when it expires within
 * 30 days (the official SDKs do the same, docs/reference/inter-api.md §2.1).
 */
export function loadClientCredentials(files: CredentialFiles, now: Date = new Date()): LoadedCredentials {
  const problems: CredentialProblem[] = [];
  const warnings: string[] = [];
  let certPem: string | undefined;
  let keyPem: string | undefined;
  let certSetting = "INTER_CERT_FILE";
  let keySetting = "INTER_KEY_FILE";

  if (files.pfxFile !== undefined) {
    certSetting = keySetting = "INTER_PFX_FILE";
    const read = readSecretAwareFile("INTER_PFX_FILE", files.pfxFile, true);
    if (!read.ok) problems.push(read.problem);
    else {
      const pem = fromPfx(files.pfxFile, read.data, files.pfxPassphrase ?? "");
      if (isProblem(pem)) problems.push(pem);
      else ({ cert: certPem, key: keyPem } = pem);
    }
  } else if (files.certFile !== undefined && files.keyFile !== undefined) {
    const cert = readSecretAwareFile("INTER_CERT_FILE", files.certFile, false);
    const key = readSecretAwareFile("INTER_KEY_FILE", files.keyFile, true);
    if (!cert.ok) problems.push(cert.problem);
    if (!key.ok) problems.push(key.problem);
    if (cert.ok) certPem = cert.data.toString("utf8");
    if (key.ok) keyPem = key.data.toString("utf8");
  }

  let x509: X509Certificate | undefined;
  let keyObject: KeyObject | undefined;
  if (certPem !== undefined) {
    const parsed = parseCertificate(certSetting, files.certFile ?? files.pfxFile ?? "", Buffer.from(certPem));
    if (isProblem(parsed)) problems.push(parsed);
    else x509 = parsed;
  }
  if (keyPem !== undefined) {
    const parsed = parseKey(keySetting, files.keyFile ?? files.pfxFile ?? "", Buffer.from(keyPem));
    if (isProblem(parsed)) problems.push(parsed);
    else keyObject = parsed;
  }

  let certificate: CertificateSummary | undefined;
  if (x509) {
    certificate = summarize(x509, now);
    const day = (d: Date): string => d.toISOString().slice(0, 10);
    if (certificate.validTo.getTime() <= now.getTime()) {
      problems.push({
        setting: certSetting,
        message: `certificate expired on ${day(certificate.validTo)} (${certificate.subject}); download a new one from Inter's Internet Banking`,
      });
    } else if (certificate.validFrom.getTime() > now.getTime()) {
      problems.push({
        setting: certSetting,
        message: `certificate is not valid before ${certificate.validFrom.toISOString()} (check the machine's clock)`,
      });
    } else if (certificate.daysLeft < EXPIRY_WARNING_DAYS) {
      warnings.push(
        `${certSetting}: certificate expires on ${day(certificate.validTo)} (${String(certificate.daysLeft)} days left); renew it in Inter's Internet Banking`,
      );
    }
    if (keyObject && !x509.checkPrivateKey(keyObject)) {
      problems.push({
        setting: keySetting,
        message: `the private key does not match the certificate (${certificate.subject})`,
      });
    }
  }

  let ca: string | undefined;
  if (files.caFile !== undefined) {
    const read = readSecretAwareFile("INTER_CA_FILE", files.caFile, false);
    if (!read.ok) problems.push(read.problem);
    else {
      const parsed = parseCertificate("INTER_CA_FILE", files.caFile, read.data);
      if (isProblem(parsed)) problems.push(parsed);
      else ca = read.data.toString("utf8");
    }
  }

  const material =
    problems.length === 0 && certPem !== undefined && keyPem !== undefined
      ? { cert: certPem, key: keyPem, ...(ca === undefined ? {} : { ca }) }
      : undefined;
  return { ...(material ? { material } : {}), ...(certificate ? { certificate } : {}), problems, warnings };
}
