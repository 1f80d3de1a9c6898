// The integration's client certificate for Inter's mTLS: a .crt and its .key, or a .pfx and its
// passphrase, and an extra CA for the bank's server. Phase 1 checks which files are set; phase 2
// (loadClientCredentials) reads and checks them: found, regular, private, matching, not expired.
import { z } from "zod";
import {
  loadClientCredentials,
  type CredentialFiles,
  type CredentialProblem,
  type LoadedCredentials,
} from "../tls/client-credentials.js";
import { filePath } from "./values.js";

const eitherPair = "required, unless INTER_PFX_FILE is set";

export const interCertificateFields = z.object({
  INTER_CERT_FILE: filePath().meta({ unset: eitherPair }).describe("The integration's certificate (.crt, PEM or DER)."),
  INTER_KEY_FILE: filePath()
    .meta({ unset: eitherPair })
    .describe("The integration's private key (.key), readable by the owner only (chmod 600)."),
  INTER_PFX_FILE: filePath().describe(
    "Or, instead of INTER_CERT_FILE and INTER_KEY_FILE: a PKCS#12 bundle (.pfx or .p12, chmod 600).",
  ),
  INTER_PFX_PASSPHRASE: z
    .string()
    .optional()
    .meta({ unset: "required with INTER_PFX_FILE" })
    .describe("The passphrase of INTER_PFX_FILE. Never logged."),
  INTER_CA_FILE: filePath().describe(
    "Extra CA to trust for the bank's server certificate (the emulator's: certs/dev/ca.crt). Empty for Inter.",
  ),
});

type CertificateFields = z.infer<typeof interCertificateFields>;

/** Phase 1: the files to read, or why the settings name no usable combination. */
export function certificateChoice(e: CertificateFields): { files?: CredentialFiles; problems: CredentialProblem[] } {
  const pem = e.INTER_CERT_FILE !== undefined || e.INTER_KEY_FILE !== undefined;
  const pfx = e.INTER_PFX_FILE !== undefined || e.INTER_PFX_PASSPHRASE !== undefined;
  const problems: CredentialProblem[] = [];
  if (pem && pfx) {
    problems.push({
      setting: "INTER_PFX_FILE",
      message: "set either INTER_CERT_FILE + INTER_KEY_FILE or INTER_PFX_FILE + INTER_PFX_PASSPHRASE, not both",
    });
  } else if (pfx) {
    if (e.INTER_PFX_FILE === undefined)
      problems.push({
        setting: "INTER_PFX_FILE",
        message: "is required with INTER_PFX_PASSPHRASE (path of the .pfx file)",
      });
    else if (e.INTER_PFX_PASSPHRASE === undefined)
      problems.push({ setting: "INTER_PFX_PASSPHRASE", message: "is required with INTER_PFX_FILE" });
  } else {
    if (e.INTER_CERT_FILE === undefined) {
      problems.push({
        setting: "INTER_CERT_FILE",
        message: "is required (the integration's .crt), or use INTER_PFX_FILE + INTER_PFX_PASSPHRASE",
      });
    }
    if (e.INTER_KEY_FILE === undefined)
      problems.push({ setting: "INTER_KEY_FILE", message: "is required (the integration's .key)" });
  }
  if (problems.length > 0) return { problems };
  return {
    files: {
      ...(e.INTER_CERT_FILE === undefined ? {} : { certFile: e.INTER_CERT_FILE }),
      ...(e.INTER_KEY_FILE === undefined ? {} : { keyFile: e.INTER_KEY_FILE }),
      ...(e.INTER_PFX_FILE === undefined ? {} : { pfxFile: e.INTER_PFX_FILE }),
      ...(e.INTER_PFX_PASSPHRASE === undefined ? {} : { pfxPassphrase: e.INTER_PFX_PASSPHRASE }),
      ...(e.INTER_CA_FILE === undefined ? {} : { caFile: e.INTER_CA_FILE }),
    },
    problems,
  };
}

/** Phase 2: the files read and checked; warns of a certificate expiring within 30 days. */
export function readInterCertificate(files: CredentialFiles, now: Date): LoadedCredentials {
  return loadClientCredentials(files, now);
}
