import type { Command } from "commander";
import { readEnvironment } from "../../config.js";
import { certificateReport, readCertificate, type CertificateReport } from "../../tls/certificate-report.js";
import { isProblem, loadClientCredentials, summarize } from "../../tls/client-credentials.js";
import { writeDevCertificates } from "../../tls/dev-certs.js";
import { EXIT, UserError } from "./exit-codes.js";
import { positiveInteger } from "./options.js";

export const DEFAULT_DEV_CERT_DIR = "certs/dev";

/** The certificate of FILE, or of the configured INTER_CERT_FILE / INTER_PFX_FILE. */
function reportFor(file: string | undefined, now: Date): CertificateReport {
  const env = readEnvironment();
  const setting = (name: string): string | undefined => (env[name] === "" ? undefined : env[name]);
  const certFile = file ?? setting("INTER_CERT_FILE");
  if (certFile !== undefined) {
    const cert = readCertificate(file === undefined ? "INTER_CERT_FILE" : "FILE", certFile);
    if (isProblem(cert)) {
      const pfx = /\.(pfx|p12)$/i.test(certFile)
        ? " (for a .pfx, set INTER_PFX_FILE and INTER_PFX_PASSPHRASE and give no FILE)"
        : "";
      throw new UserError(`${cert.setting}: ${cert.message}${pfx}`);
    }
    return certificateReport(certFile, summarize(cert, now), now);
  }
  const pfxFile = setting("INTER_PFX_FILE");
  if (pfxFile === undefined) {
    throw new UserError(
      "give a certificate FILE, or set INTER_CERT_FILE (or INTER_PFX_FILE + INTER_PFX_PASSPHRASE)",
      EXIT.usage,
    );
  }
  const loaded = loadClientCredentials({ pfxFile, pfxPassphrase: env["INTER_PFX_PASSPHRASE"] ?? "" }, now);
  // An expired bundle still has a certificate to show; an unreadable one has only its problems.
  if (!loaded.certificate) throw new UserError(loaded.problems.map((p) => `${p.setting}: ${p.message}`).join("\n  "));
  return certificateReport(pfxFile, loaded.certificate, now);
}

function describe(r: CertificateReport): string {
  const rows: [string, string][] = [
    ["file", r.file],
    ["subject", r.subject],
    ["issuer", r.issuer],
    ["serial", r.serialNumber],
    ["valid from", r.validFrom],
    ["valid to", r.validTo],
    ["days left", String(r.daysLeft)],
    ["status", `${r.status}: ${r.advice}`],
  ];
  return rows.map(([k, v]) => `${k.padEnd(11)} ${v}`).join("\n");
}

export function registerCertsCommand(program: Command): void {
  const certs = program
    .command("certs")
    .description("Certificates: show the integration's certificate, make development certificates for the emulator")
    .addHelpText(
      "after",
      `
Examples:
  pixout certs show                 # the certificate of INTER_CERT_FILE (or INTER_PFX_FILE)
  pixout certs dev                  # dev CA and certificates for the emulator, in certs/dev/`,
    );
  certs
    .command("show")
    .description("Show a certificate: subject, issuer, serial, validity, days left and status")
    .argument(
      "[file]",
      "a certificate file, PEM or DER (default: INTER_CERT_FILE, or INTER_PFX_FILE with INTER_PFX_PASSPHRASE)",
    )
    .option("--json", "print one JSON object")
    .addHelpText(
      "after",
      `
Status: valid; renewable (Inter's renewal window is open: 90 days or fewer left); expiring (fewer than 30
days: pixout warns at start); expired or not-yet-valid (pixout refuses to start). Exit code 1 for these
last two, and when the file cannot be read.

Examples:
  pixout certs show
  pixout certs show certs/inter.crt --json`,
    )
    .action((file: string | undefined, flags: { json?: boolean }) => {
      const report = reportFor(file, new Date());
      process.stdout.write(flags.json === true ? `${JSON.stringify(report)}\n` : `${describe(report)}\n`);
      if (report.status === "expired" || report.status === "not-yet-valid") process.exitCode = EXIT.failed;
    });
  certs
    .command("dev")
    .description("Make a dev CA, the emulator's server certificate and a client certificate (no openssl needed)")
    .option("--dir <dir>", "where to write them", DEFAULT_DEV_CERT_DIR)
    .option("--days <days>", "validity in days", positiveInteger, 365)
    .option("--force", "replace an existing set", false)
    .addHelpText(
      "after",
      "\nExample:\n  pixout certs dev            # writes certs/dev/{ca,server,client,callback}.{crt,key}",
    )
    .action(async (opts: { dir: string; days: number; force: boolean }) => {
      const { paths, created } = await writeDevCertificates(opts.dir, { force: opts.force, days: opts.days });
      process.stdout.write(
        created
          ? `Wrote dev certificates to ${paths.dir}/ (keys mode 0600). They are for the emulator only.\n`
          : `Dev certificates already exist in ${paths.dir}/ (use --force to make new ones).\n`,
      );
    });
}
