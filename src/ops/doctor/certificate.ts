// Doctor: the integration's certificate. Each property is its own finding — readable, private key not
// readable by others, key matching the certificate, validity and days left (Inter's renewal window opens
// 90 days before expiry) — so that one run shows every problem. Reading, parsing and the permission rule
// are client-credentials.ts's, the same as at start.
import { statSync, type Stats } from "node:fs";
import type { KeyObject, X509Certificate } from "node:crypto";
import type { Environment } from "../../config.js";
import { readCertificate } from "../../tls/certificate-report.js";
import { certificateAdvice, certificateStatus } from "../../tls/certificate-status.js";
import {
  isProblem,
  loadClientCredentials,
  parseKey,
  readSecretAwareFile,
  summarize,
  type CertificateSummary,
  type CredentialProblem,
} from "../../tls/client-credentials.js";
import { failure, ok, skipped, warning, type Check } from "./check.js";

function setting(env: Environment, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

function modeOf(path: string): string {
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    return "?";
  }
  return (st.mode & 0o777).toString(8).padStart(4, "0");
}

/** The secret file's permission finding: readSecretAwareFile refuses it as a secret but reads it as a plain file. */
function permissions(name: string, path: string): Check {
  const id = "certificate.key-permissions";
  const title = name === "INTER_PFX_FILE" ? "pfx permissions" : "key permissions";
  const asSecret = readSecretAwareFile(name, path, true);
  if (asSecret.ok) return ok(id, title, `${path} is readable by its owner only (mode ${modeOf(path)})`);
  if (!readSecretAwareFile(name, path, false).ok) return skipped(id, title, `${name} cannot be read (see above)`);
  const [detail, command] = asSecret.problem.message.split("; run: ");
  return failure(id, title, detail ?? asSecret.problem.message, command ?? `chmod 600 ${path}`);
}

function validity(summary: CertificateSummary, now: Date): Check {
  const status = certificateStatus(summary, now);
  const detail = `${status}: ${String(summary.daysLeft)} days left (valid ${summary.validFrom.toISOString().slice(0, 10)} to ${summary.validTo.toISOString().slice(0, 10)})`;
  const advice = certificateAdvice(status, summary.validTo);
  if (status === "valid")
    return ok("certificate.validity", "certificate validity", `${detail}; Inter opens its renewal 90 days before`);
  if (status === "renewable" || status === "expiring")
    return warning("certificate.validity", "certificate validity", detail, advice);
  return failure("certificate.validity", "certificate validity", detail, advice);
}

function pemChecks(certFile: string, keyFile: string, now: Date): Check[] {
  const checks: Check[] = [];
  const cert = readCertificate("INTER_CERT_FILE", certFile);
  let x509: X509Certificate | undefined;
  if (isProblem(cert)) {
    checks.push(
      failure(
        "certificate.file",
        "certificate file",
        cert.message,
        "point INTER_CERT_FILE at the integration's .crt, as downloaded from Inter's Internet Banking",
      ),
    );
  } else {
    x509 = cert;
    const s = summarize(cert, now);
    checks.push(
      ok(
        "certificate.file",
        "certificate file",
        `${certFile}: ${s.subject}; issued by ${s.issuer}; serial ${s.serialNumber}`,
      ),
    );
  }

  let key: KeyObject | undefined;
  const read = readSecretAwareFile("INTER_KEY_FILE", keyFile, false);
  const parsed = read.ok ? parseKey("INTER_KEY_FILE", keyFile, read.data) : read.problem;
  if (isProblem(parsed)) {
    checks.push(
      failure(
        "certificate.key",
        "private key file",
        parsed.message,
        "point INTER_KEY_FILE at the integration's .key, unencrypted",
      ),
    );
  } else {
    key = parsed;
    checks.push(ok("certificate.key", "private key file", `${keyFile}: ${parsed.asymmetricKeyType ?? "private"} key`));
  }
  checks.push(permissions("INTER_KEY_FILE", keyFile));

  if (x509 && key) {
    checks.push(
      x509.checkPrivateKey(key)
        ? ok("certificate.key-match", "key matches certificate", "the private key belongs to the certificate")
        : failure(
            "certificate.key-match",
            "key matches certificate",
            `${keyFile} is not the private key of ${certFile}`,
            "use the .key downloaded together with this .crt (Inter issues them as a pair)",
          ),
    );
  } else {
    checks.push(
      skipped("certificate.key-match", "key matches certificate", "needs a readable certificate and key (see above)"),
    );
  }
  checks.push(
    x509
      ? validity(summarize(x509, now), now)
      : skipped("certificate.validity", "certificate validity", "needs a readable certificate (see above)"),
  );
  return checks;
}

// client-credentials.ts reports an expired or not yet valid certificate as a problem; validity() says it here.
const VALIDITY_PROBLEM = /^certificate (expired|is not valid before)/;

function pfxChecks(pfxFile: string, passphrase: string, now: Date): Check[] {
  const access = permissions("INTER_PFX_FILE", pfxFile);
  const read = readSecretAwareFile("INTER_PFX_FILE", pfxFile, false);
  if (!read.ok) {
    return [
      failure("certificate.file", "pfx file", read.problem.message, "point INTER_PFX_FILE at the integration's .pfx"),
      access,
      skipped("certificate.validity", "certificate validity", "needs a readable .pfx (see above)"),
    ];
  }
  if (access.status !== "ok") {
    // pixout never opens a key bundle that others can read; neither does doctor.
    return [
      access,
      skipped("certificate.file", "pfx file", "fix its permissions first"),
      skipped("certificate.validity", "certificate validity", "fix its permissions first"),
    ];
  }
  const loaded = loadClientCredentials({ pfxFile, pfxPassphrase: passphrase }, now);
  const problems = loaded.problems.filter((p) => !VALIDITY_PROBLEM.test(p.message));
  const s = loaded.certificate;
  return [
    problems.length > 0
      ? failure(
          "certificate.file",
          "pfx file",
          problems.map((p) => `${p.setting}: ${p.message}`).join("; "),
          "check INTER_PFX_FILE and INTER_PFX_PASSPHRASE: the .pfx must hold the integration's certificate and its key",
        )
      : ok(
          "certificate.file",
          "pfx file",
          `${pfxFile}: ${s?.subject ?? "?"}; issued by ${s?.issuer ?? "?"}; serial ${s?.serialNumber ?? "?"}; key matches`,
        ),
    access,
    s ? validity(s, now) : skipped("certificate.validity", "certificate validity", "needs a readable .pfx (see above)"),
  ];
}

function caCheck(caFile: string): Check {
  const ca = readCertificate("INTER_CA_FILE", caFile);
  return isProblem(ca)
    ? failure(
        "certificate.ca",
        "extra CA",
        ca.message,
        "point INTER_CA_FILE at the CA certificate to trust (the emulator's certs/dev/ca.crt), or leave it empty for Inter",
      )
    : ok(
        "certificate.ca",
        "extra CA",
        `${caFile}: ${ca.subject.replace(/\n/g, ", ")}, trusted besides the system's CAs`,
      );
}

/**
 * @param choiceProblems loadConfig's problems with the certificate settings: shown as they are when the
 * settings do not name one usable set of files (cert + key, or pfx + passphrase).
 */
export function checkCertificate(env: Environment, now: Date, choiceProblems: CredentialProblem[]): Check[] {
  const certFile = setting(env, "INTER_CERT_FILE");
  const keyFile = setting(env, "INTER_KEY_FILE");
  const pfxFile = setting(env, "INTER_PFX_FILE");
  const passphrase = setting(env, "INTER_PFX_PASSPHRASE");
  const caFile = setting(env, "INTER_CA_FILE");
  const pem = certFile !== undefined && keyFile !== undefined && pfxFile === undefined && passphrase === undefined;
  const pfx = pfxFile !== undefined && passphrase !== undefined && certFile === undefined && keyFile === undefined;
  const checks: Check[] = pem
    ? pemChecks(certFile, keyFile, now)
    : pfx
      ? pfxChecks(pfxFile, passphrase, now)
      : [
          failure(
            "certificate.file",
            "certificate settings",
            choiceProblems.map((p) => `${p.setting}: ${p.message}`).join("; ") || "no certificate configured",
            "set INTER_CERT_FILE + INTER_KEY_FILE (the integration's .crt and .key), or INTER_PFX_FILE + INTER_PFX_PASSPHRASE",
          ),
        ];
  if (caFile !== undefined) checks.push(caCheck(caFile));
  return checks;
}
