// Where a certificate stands in its life, for `pixout certs show` and `pixout doctor`. Pure: the instant
// is a parameter. Inter opens an integration certificate's renewal 90 days before it expires
// (edusouza/inter-pj-cli; UNVERIFIED); the official SDKs warn when fewer than 30 days remain
// (docs/reference/inter-api.md §2.1, §7).
import { EXPIRY_WARNING_DAYS, type CertificateSummary } from "./client-credentials.js";

export const RENEWAL_WINDOW_DAYS = 90;
const DAY_MS = 86_400_000;

/**
 * - `valid`: more than 90 days left;
 * - `renewable`: Inter's renewal window is open (90 days or fewer left);
 * - `expiring`: fewer than 30 days left (pixout warns at start);
 * - `expired` / `not-yet-valid`: pixout refuses to start.
 */
export type CertificateStatus = "valid" | "renewable" | "expiring" | "expired" | "not-yet-valid";

export function certificateStatus(
  certificate: Pick<CertificateSummary, "validFrom" | "validTo">,
  now: Date,
): CertificateStatus {
  const left = certificate.validTo.getTime() - now.getTime();
  if (certificate.validFrom.getTime() > now.getTime()) return "not-yet-valid";
  if (left <= 0) return "expired";
  if (left < EXPIRY_WARNING_DAYS * DAY_MS) return "expiring";
  if (left <= RENEWAL_WINDOW_DAYS * DAY_MS) return "renewable";
  return "valid";
}

/** One line on what the status means for the operator (the fix, when there is one). */
export function certificateAdvice(status: CertificateStatus, validTo: Date): string {
  const day = validTo.toISOString().slice(0, 10);
  switch (status) {
    case "valid":
      return `valid until ${day}; Inter opens its renewal ${String(RENEWAL_WINDOW_DAYS)} days before`;
    case "renewable":
      return `renew it in Inter's Internet Banking (renewal window open; expires ${day}), then replace the files`;
    case "expiring":
      return `renew it now in Inter's Internet Banking: it expires ${day} and pixout stops working then`;
    case "expired":
      return `download a new certificate from Inter's Internet Banking: this one expired ${day}`;
    case "not-yet-valid":
      return "check this machine's clock, or wait until the certificate's start date";
  }
}
