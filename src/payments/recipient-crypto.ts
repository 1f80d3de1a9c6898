// Encryption at rest of a payment's recipient: AES-256-GCM with the paymentId as additional
// authenticated data, so that an encrypted recipient cannot be moved to another payment, and a key id
// (`kid`) with every value, so that keys can rotate: new writes use one key, every listed key decrypts.
// Pure: keys are passed in (src/config.ts reads them from PIXOUT_DATA_KEYS).
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import { z } from "zod";

export const ENCRYPTED_RECIPIENT_VERSION = "v1";
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The stored form of an encrypted recipient (docs/integrating/job-contract.md). */
export const encryptedRecipientSchema = z.strictObject({
  encrypted: z.literal(ENCRYPTED_RECIPIENT_VERSION, { error: `must be "${ENCRYPTED_RECIPIENT_VERSION}"` }),
  kid: z.string().regex(KEY_ID, "must be 1-32 characters of letters, digits, _ or -"),
  iv: z
    .string()
    .regex(BASE64, "must be base64")
    .refine((v) => Buffer.from(v, "base64").length === 12, "must be 12 bytes in base64"),
  tag: z
    .string()
    .regex(BASE64, "must be base64")
    .refine((v) => Buffer.from(v, "base64").length === 16, "must be 16 bytes in base64"),
  data: z.string().min(1).regex(BASE64, "must be base64"),
});
export type EncryptedRecipient = z.infer<typeof encryptedRecipientSchema>;

/** Data keys by id, and the id new writes use (none: recipients are written plain). */
export interface DataKeyring {
  keys: ReadonlyMap<string, Buffer>;
  writeKid?: string;
}

export const NO_DATA_KEYS: DataKeyring = { keys: new Map() };

/** Whether a recipient as stored is in the encrypted form (by its marker; its shape is checked on decryption). */
export function isEncryptedRecipient(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "encrypted" in value;
}

/**
 * `PIXOUT_DATA_KEYS`: `kid:<base64 of 32 bytes>` entries, comma-separated. Problems name the entry by its
 * position and id, never by its key material.
 */
export function parseDataKeys(text: string): { keys: Map<string, Buffer>; problems: string[] } {
  const keys = new Map<string, Buffer>();
  const problems: string[] = [];
  text
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)
    .forEach((entry, i) => {
      const colon = entry.indexOf(":");
      const kid = colon < 0 ? "" : entry.slice(0, colon);
      const material = colon < 0 ? "" : entry.slice(colon + 1).trim();
      const where = `entry ${String(i + 1)}${KEY_ID.test(kid) ? ` ("${kid}")` : ""}`;
      if (!KEY_ID.test(kid))
        return problems.push(`${where}: must be kid:<base64 key>, kid of 1-32 letters, digits, _ or -`);
      const key = Buffer.from(material, "base64");
      if (!BASE64.test(material) || key.length !== 32)
        return problems.push(`${where}: the key must be 32 random bytes in base64 (e.g. openssl rand -base64 32)`);
      if (keys.has(kid)) return problems.push(`${where}: the key id is listed twice`);
      if (kid === "sha256") return problems.push(`${where}: "sha256" is reserved; choose another key id`);
      keys.set(kid, key);
      return undefined;
    });
  return { keys, problems };
}

function aad(paymentId: string): Buffer {
  return Buffer.from(paymentId, "utf8");
}

/** Encrypts the recipient (its JSON) under the keyring's write key. `iv` is a parameter for tests only. */
export function encryptRecipient(
  recipient: unknown,
  paymentId: string,
  keyring: DataKeyring,
  iv: Buffer = randomBytes(12),
): EncryptedRecipient {
  const kid = keyring.writeKid;
  const key = kid === undefined ? undefined : keyring.keys.get(kid);
  if (kid === undefined || !key)
    throw new Error("no data key to encrypt with (PIXOUT_DATA_KEY_ID must name a key of PIXOUT_DATA_KEYS)");
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad(paymentId));
  const data = Buffer.concat([cipher.update(JSON.stringify(recipient), "utf8"), cipher.final()]);
  return {
    encrypted: ENCRYPTED_RECIPIENT_VERSION,
    kid,
    iv: iv.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
    data: data.toString("base64"),
  };
}

export type Decrypted =
  | { ok: true; recipient: unknown }
  /** `unknown-key`: no key of that id here; `unreadable`: malformed, tampered with, or another payment's. */
  | { ok: false; why: "unknown-key" | "unreadable"; message: string };

export function decryptRecipient(stored: unknown, paymentId: string, keyring: DataKeyring): Decrypted {
  const parsed = encryptedRecipientSchema.safeParse(stored);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      why: "unreadable",
      message: `is not a valid encrypted recipient (${issue ? `${issue.path.join(".")}: ${issue.message}` : "bad shape"})`,
    };
  }
  const e = parsed.data;
  const key = keyring.keys.get(e.kid);
  if (!key)
    return {
      ok: false,
      why: "unknown-key",
      message: `is encrypted with data key "${e.kid}", which is not in PIXOUT_DATA_KEYS here`,
    };
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(e.iv, "base64"));
    decipher.setAAD(aad(paymentId));
    decipher.setAuthTag(Buffer.from(e.tag, "base64"));
    const text = Buffer.concat([decipher.update(Buffer.from(e.data, "base64")), decipher.final()]).toString("utf8");
    return { ok: true, recipient: JSON.parse(text) as unknown };
  } catch {
    return {
      ok: false,
      why: "unreadable",
      message: `could not be decrypted with data key "${e.kid}": altered, or encrypted for another paymentId`,
    };
  }
}

/**
 * A digest of a payment's fingerprint (src/payments/same-payment.ts) that does not reveal it: an HMAC under
 * a key derived from a data key, written `<kid>:<hex>`. Without data keys there is none: the fingerprint holds
 * personal data (a CPF, a phone) and a hash without a secret could be brute-forced from the record, which
 * outlives the job by a year — a re-enqueue after the job is gone is then refused without saying whether
 * its data was the same.
 */
export function fingerprintDigest(
  fingerprint: string,
  keyring: DataKeyring,
  kid: string | undefined = keyring.writeKid,
): string | undefined {
  if (kid === undefined) return undefined;
  const key = keyring.keys.get(kid);
  if (!key) return undefined;
  const derived = createHmac("sha256", key).update("pixout-payment-fingerprint").digest();
  return `${kid}:${createHmac("sha256", derived).update(fingerprint).digest("hex")}`;
}
