import type { Command } from "commander";
import { writeDevCertificates } from "../tls/dev-certs.js";
import { positiveInteger } from "./options.js";

export const DEFAULT_DEV_CERT_DIR = "certs/dev";

export function registerCertsCommand(program: Command): void {
  const certs = program.command("certs").description("Certificates: development certificates for the emulator");
  certs
    .command("dev")
    .description("Make a dev CA, the emulator's server certificate and a client certificate (no openssl needed)")
    .option("--dir <dir>", "where to write them", DEFAULT_DEV_CERT_DIR)
    .option("--days <days>", "validity in days", positiveInteger, 365)
    .option("--force", "replace an existing set", false)
    .addHelpText("after", "\nExample:\n  pixout certs dev            # writes certs/dev/{ca,server,client,callback}.{crt,key}")
    .action(async (opts: { dir: string; days: number; force: boolean }) => {
      const { paths, created } = await writeDevCertificates(opts.dir, { force: opts.force, days: opts.days });
      process.stdout.write(
        created
          ? `Wrote dev certificates to ${paths.dir}/ (keys mode 0600). They are for the emulator only.\n`
          : `Dev certificates already exist in ${paths.dir}/ (use --force to make new ones).\n`,
      );
    });
}
