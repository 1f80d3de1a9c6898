// A certificate as an operator reads it: who it names, who issued it, its serial, validity, days left and
// status. Reading and parsing reuse the checks of client-credentials.ts, so the messages are the same as
// when pixout starts.
import type { X509Certificate } from "node:crypto";
import {
  parseCertificate,
  readSecretAwareFile,
  type CertificateSummary,
  type CredentialProblem,
} from "./client-credentials.js";
import { certificateAdvice, certificateStatus, type CertificateStatus } from "./certificate-status.js";

export interface CertificateReport {
  file: string;
  subject: string;
  issuer: string;
  serialNumber: string;
  validFrom: string;
  validTo: string;
  /** Whole days until validTo (negative once expired). */
  daysLeft: number;
  status: CertificateStatus;
  /** What to do about it, one line. */
  advice: string;
}

export function certificateReport(file: string, summary: CertificateSummary, now: Date): CertificateReport {
  const status = certificateStatus(summary, now);
  return {
    file,
    subject: summary.subject,
    issuer: summary.issuer,
    serialNumber: summary.serialNumber,
    validFrom: summary.validFrom.toISOString(),
    validTo: summary.validTo.toISOString(),
    daysLeft: summary.daysLeft,
    status,
    advice: certificateAdvice(status, summary.validTo),
  };
}

/** A certificate file (PEM or DER), read and parsed; a problem names `setting` and says what is wrong. */
export function readCertificate(setting: string, path: string): X509Certificate | CredentialProblem {
  const read = readSecretAwareFile(setting, path, false);
  if (!read.ok) return read.problem;
  return parseCertificate(setting, path, read.data);
}
