// The webhook receiver's TLS files (PIXOUT_WEBHOOK_*): its server certificate and key, and the CA that
// callers' client certificates must chain to (Inter's `ca.crt`, docs/reference/inter-api.md §5.2). Same checks as the
// bank client's files: present, readable, parsable, key private to its owner and matching, not expired.
import {
  isProblem,
  parseCertificate,
  parseKey,
  readSecretAwareFile,
  type CredentialProblem,
} from "./client-credentials.js";

export interface ServerCredentialFiles {
  certFile: string;
  keyFile: string;
  clientCaFile: string;
}

export interface ServerTlsMaterial {
  cert: string;
  key: string;
  clientCa: string;
}

const SETTINGS = {
  cert: "PIXOUT_WEBHOOK_CERT_FILE",
  key: "PIXOUT_WEBHOOK_KEY_FILE",
  ca: "PIXOUT_WEBHOOK_CLIENT_CA_FILE",
} as const;

export function loadServerCredentials(
  files: ServerCredentialFiles,
  now: Date = new Date(),
): { material?: ServerTlsMaterial; problems: CredentialProblem[] } {
  const problems: CredentialProblem[] = [];
  const cert = readSecretAwareFile(SETTINGS.cert, files.certFile, false);
  const key = readSecretAwareFile(SETTINGS.key, files.keyFile, true);
  const ca = readSecretAwareFile(SETTINGS.ca, files.clientCaFile, false);
  for (const r of [cert, key, ca]) if (!r.ok) problems.push(r.problem);
  if (!cert.ok || !key.ok || !ca.ok) return { problems };
  const x509 = parseCertificate(SETTINGS.cert, files.certFile, cert.data);
  const privateKey = parseKey(SETTINGS.key, files.keyFile, key.data);
  const caCert = parseCertificate(SETTINGS.ca, files.clientCaFile, ca.data);
  for (const r of [x509, privateKey, caCert]) if (isProblem(r)) problems.push(r);
  if (isProblem(x509) || isProblem(privateKey) || isProblem(caCert)) return { problems };
  if (new Date(x509.validTo).getTime() <= now.getTime()) {
    problems.push({
      setting: SETTINGS.cert,
      message: `certificate expired on ${new Date(x509.validTo).toISOString().slice(0, 10)} (${x509.subject}); Inter cannot call an endpoint with an expired certificate`,
    });
  }
  if (!x509.checkPrivateKey(privateKey))
    problems.push({
      setting: SETTINGS.key,
      message: `the private key does not match the certificate (${x509.subject})`,
    });
  if (problems.length > 0) return { problems };
  return {
    material: { cert: cert.data.toString("utf8"), key: key.data.toString("utf8"), clientCa: ca.data.toString("utf8") },
    problems,
  };
}
