// Dashboard passwords: scrypt from node:crypto with a random salt, stored as one
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
// Accepted ranges: weaker than the floor is refused (not made by hash-password); above the ceiling one
// login would hold a lot of memory and a libuv thread for long — with two at once (auth.ts) that bounds
// what a flood of bad logins can take.
const MIN_N = 16_384;
/** scrypt holds 128·N·r bytes while it runs. */
const MAX_SCRYPT_MEMORY = 64 * 1024 * 1024;
const MAX_P = 4;

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
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.N * params.r + 1024 * 1024,
  };
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
  if (parts.length !== 6 || parts[0] !== "scrypt")
    return { problem: "is not a hash made by `pixout dashboard hash-password` (scrypt.N.r.p.salt.hash)" };
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  if (!/^\d+$/.test(n) || !isPowerOfTwo(N) || N < MIN_N)
    return {
      problem: `has a scrypt N that is not a power of two of at least ${String(MIN_N)}: make it again with \`pixout dashboard hash-password\``,
    };
  if (!/^\d+$/.test(r) || R < 1 || R > 32 || !/^\d+$/.test(p) || P < 1 || P > MAX_P)
    return {
      problem: `has scrypt r outside 1…32 or p outside 1…${String(MAX_P)}: make it again with \`pixout dashboard hash-password\``,
    };
  if (128 * N * R > MAX_SCRYPT_MEMORY) {
    return {
      problem: `has scrypt parameters that need more than 64 MiB per login (128·N·r = ${String(Math.round((128 * N * R) / 1024 / 1024))} MiB): make it again with \`pixout dashboard hash-password\``,
    };
  }
  if (!B64URL.test(salt) || !B64URL.test(hash))
    return { problem: "has a salt or hash that is not base64url: make it again with `pixout dashboard hash-password`" };
  const saltBytes = Buffer.from(salt, "base64url");
  const hashBytes = Buffer.from(hash, "base64url");
  if (saltBytes.length < SALT_BYTES || hashBytes.length < KEY_BYTES)
    return { problem: "has a salt or hash too short: make it again with `pixout dashboard hash-password`" };
  return { N, r: R, p: P, salt: saltBytes, hash: hashBytes };
}

/** Whether a hash was made with the default parameters (a login's time depends on them). */
export function hasDefaultParams(hash: ScryptParams): boolean {
  return hash.N === DEFAULT_SCRYPT.N && hash.r === DEFAULT_SCRYPT.r && hash.p === DEFAULT_SCRYPT.p;
}

/**
 * What an unknown user's password is checked against, so that the time taken does not say whether a user
 * exists: random bytes, with the default parameters (those of every hash hash-password makes).
 */
export function decoyHash(): PasswordHash {
  return { ...DEFAULT_SCRYPT, salt: randomBytes(SALT_BYTES), hash: randomBytes(KEY_BYTES) };
}

/** A new hash of `password`, with a random salt. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, params, KEY_BYTES);
  return [
    "scrypt",
    String(params.N),
    String(params.r),
    String(params.p),
    salt.toString("base64url"),
    hash.toString("base64url"),
  ].join(".");
}

/** Whether `password` matches; the comparison takes the same time wherever the bytes differ. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const candidate = await derive(password, stored.salt, stored, stored.hash.length);
  return timingSafeEqual(candidate, stored.hash);
}
