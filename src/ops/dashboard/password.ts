// Dashboard passwords (issue #5 §1): scrypt from node:crypto with a random salt, stored as one
// self-describing string `scrypt.N.r.p.<salt>.<hash>` (salt and hash in base64url), made by
// `pixout dashboard hash-password`. Dots rather than the usual `$`: shells, docker compose and many .env
// loaders expand `$…` inside values, which would silently corrupt a hash pasted into PIXOUT_DASHBOARD_USERS.
// The parameters travel with the hash, so they can be raised later without breaking existing users.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** 2^15 × 8 × 128 bytes = 32 MiB and roughly 100 ms a hash: verifications are cached (src/ops/dashboard/auth.ts). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 32_768, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
// Accepted ranges: weaker than the floor is refused (not made by hash-password), stronger than the
// ceiling would let one login take seconds and gigabytes.
const MIN_N = 16_384;
const MAX_N = 1_048_576;

export interface PasswordHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

function derive(password: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  // Room for scrypt's 128·N·r bytes (Node's default maxmem of 32 MiB is exactly the default N's need).
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, length, options, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

/**
 * Whether the text is meant as a hash (then parsePasswordHash says what is wrong with it); anything else in
 * the hash field is taken for a plain password. `$`-style hashes of other tools count as hashes, to be refused
 * as such rather than called plain text.
 */
export function looksLikeHash(text: string): boolean {
  return /^(scrypt[.$]|\$)/.test(text);
}

/** The hash of a stored string, or why it is not one (never quoting the text: it may be a password). */
export function parsePasswordHash(text: string): PasswordHash | { problem: string } {
  const parts = text.split(".");
  if (parts.length !== 6 || parts[0] !== "scrypt") return { problem: "is not a hash made by `pixout dashboard hash-password` (scrypt.N.r.p.salt.hash)" };
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  if (!/^\d+$/.test(n) || !isPowerOfTwo(N) || N < MIN_N || N > MAX_N) return { problem: `has a scrypt N outside ${String(MIN_N)}…${String(MAX_N)} (or not a power of two): make it again with \`pixout dashboard hash-password\`` };
  if (!/^\d+$/.test(r) || R < 1 || R > 32 || !/^\d+$/.test(p) || P < 1 || P > 16) return { problem: "has scrypt r or p out of range: make it again with `pixout dashboard hash-password`" };
  if (!B64URL.test(salt) || !B64URL.test(hash)) return { problem: "has a salt or hash that is not base64url: make it again with `pixout dashboard hash-password`" };
  const saltBytes = Buffer.from(salt, "base64url");
  const hashBytes = Buffer.from(hash, "base64url");
  if (saltBytes.length < SALT_BYTES || hashBytes.length < KEY_BYTES) return { problem: "has a salt or hash too short: make it again with `pixout dashboard hash-password`" };
  return { N, r: R, p: P, salt: saltBytes, hash: hashBytes };
}

/** A new hash of `password`, with a random salt. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, params, KEY_BYTES);
  return ["scrypt", String(params.N), String(params.r), String(params.p), salt.toString("base64url"), hash.toString("base64url")].join(".");
}

/** Whether `password` matches; the comparison takes the same time wherever the bytes differ. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const candidate = await derive(password, stored.salt, stored, stored.hash.length);
  return timingSafeEqual(candidate, stored.hash);
}
