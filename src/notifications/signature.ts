// The signature of an outcome event, shaped like the well-known payment providers' (Stripe's
// `t=…,v1=…`): HMAC-SHA256 with the destination's secret over "<unix seconds>.<raw body>". The timestamp
// is signed, so a receiver that refuses old timestamps refuses replays of a captured request.
import { createHmac, timingSafeEqual } from "node:crypto";

/** Header names of a notification request (lower case, as Node's http server presents them). */
export const SIGNATURE_HEADER = "pixout-signature";
export const DELIVERY_ID_HEADER = "pixout-delivery-id";
export const EVENT_TYPE_HEADER = "pixout-event";

export const DEFAULT_TOLERANCE_SECONDS = 300;
/** The widest tolerance accepted: beyond it, a captured request could be replayed for too long. */
export const MAX_TOLERANCE_SECONDS = 3600;

const V1 = /^[0-9a-f]{64}$/;

function v1Digest(secret: string, timestamp: string, rawBody: string | Buffer): Buffer {
  return createHmac("sha256", secret).update(`${timestamp}.`, "utf8").update(rawBody).digest();
}

/** `t=<timestampSeconds>,v1=<hex HMAC-SHA256(secret, "<t>.<rawBody>")>`. */
export function signatureHeader(rawBody: string, secret: string, timestampSeconds: number): string {
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError(`timestampSeconds must be a non-negative integer (got ${String(timestampSeconds)})`);
  }
  const t = String(timestampSeconds);
  return `t=${t},v1=${v1Digest(secret, t, rawBody).toString("hex")}`;
}

export interface VerifyOptions {
  /**
   * Largest accepted distance between the signed timestamp and now, either way (default 300 s): a finite
   * number of seconds above 0 and at most 3600. Anything else (NaN, Infinity, 0, a day) fails every check.
   */
  toleranceSeconds?: number;
  /** The current time in milliseconds, like Date.now (the default). */
  now?: () => number;
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * Checks a notification: `rawBody` exactly as received (before any JSON parsing), the `pixout-signature`
 * header and your secret. Any of several `v1=` entries may match (a sender signing with two secrets while
 * one is rotated); other schemes are ignored. The comparison is constant-time.
 */
export function verifySignature(
  rawBody: string | Buffer,
  header: string | undefined,
  secret: string,
  options: VerifyOptions = {},
): VerifyResult {
  if (secret === "") return { ok: false, reason: "no secret to verify with" };
  // Fails closed: a tolerance that is no number of seconds would accept any timestamp.
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (
    typeof tolerance !== "number" ||
    !Number.isFinite(tolerance) ||
    tolerance <= 0 ||
    tolerance > MAX_TOLERANCE_SECONDS
  ) {
    return {
      ok: false,
      reason: `toleranceSeconds must be a number of seconds above 0 and at most ${String(MAX_TOLERANCE_SECONDS)} (got ${String(tolerance)})`,
    };
  }
  if (header === undefined || header.trim() === "") return { ok: false, reason: `missing ${SIGNATURE_HEADER} header` };
  let timestamp: string | undefined;
  const signatures: Buffer[] = [];
  for (const item of header.split(",")) {
    const eq = item.indexOf("=");
    if (eq <= 0) return { ok: false, reason: "malformed signature header" };
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === "t") {
      if (timestamp !== undefined || !/^[0-9]{1,12}$/.test(value))
        return { ok: false, reason: "malformed signature header (t)" };
      timestamp = value;
    } else if (key === "v1") {
      if (!V1.test(value)) return { ok: false, reason: "malformed signature header (v1)" };
      signatures.push(Buffer.from(value, "hex"));
    }
  }
  if (timestamp === undefined) return { ok: false, reason: "no timestamp (t=) in the signature header" };
  if (signatures.length === 0) return { ok: false, reason: "no v1 signature in the signature header" };
  const expected = v1Digest(secret, timestamp, rawBody);
  // Every entry is compared, so the time taken does not tell which one matched.
  let matched = false;
  for (const candidate of signatures) matched = timingSafeEqual(candidate, expected) || matched;
  if (!matched) return { ok: false, reason: "signature does not match" };
  const seconds = Number(timestamp);
  const nowSeconds = (options.now ?? Date.now)() / 1000;
  if (!Number.isFinite(nowSeconds)) return { ok: false, reason: "the clock (options.now) gave no time" };
  if (Math.abs(nowSeconds - seconds) > tolerance) {
    return {
      ok: false,
      reason: `timestamp outside the tolerance of ${String(tolerance)} s (replayed, or a clock is off)`,
    };
  }
  return { ok: true, timestamp: seconds };
}
