// Pix keys in the formats of Bacen's DICT (the Pix directory): CPF, CNPJ, phone, e-mail and random key
// (EVP). A key is checked against its type, given by the producer (`keyType`) or inferred when only one
// type can fit. Keys are never rewritten: the bank must see the key exactly as the DICT stores it, so a
// key in another writing (upper case, punctuation, a phone without +55) is refused with a hint. Pure.
import { cnpjProblem } from "./cnpj.js";
import { cpfProblem } from "./cpf.js";
import { LOWER_CASE_UUID, UUID } from "./uuid.js";

/** The DICT's key types. */
export const PIX_KEY_TYPES = ["CPF", "CNPJ", "PHONE", "EMAIL", "EVP"] as const;
export type PixKeyType = (typeof PIX_KEY_TYPES)[number];

/** DICT e-mail keys: at most 77 characters, lower case. */
export const MAX_EMAIL_KEY_LENGTH = 77;

// The DICT's e-mail pattern (lower case only; the domain's labels are 1-63 letters, digits or hyphens).
const EMAIL =
  /^[a-z0-9.!#$&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Brazilian area codes (DDD) in use (Anatel). */
export const AREA_CODES: ReadonlySet<string> = new Set(
  "11 12 13 14 15 16 17 18 19 21 22 24 27 28 31 32 33 34 35 37 38 41 42 43 44 45 46 47 48 49 51 53 54 55 61 62 63 64 65 66 67 68 69 71 73 74 75 77 79 81 82 83 84 85 86 87 88 89 91 92 93 94 95 96 97 98 99".split(
    " ",
  ),
);

/** E.164 as the DICT stores a phone key: +55, the 2-digit area code, then the 9-digit mobile number. */
const PHONE = /^\+55(\d{2})9\d{8}$/;

function phoneProblem(key: string): string | undefined {
  const m = PHONE.exec(key);
  if (m)
    return AREA_CODES.has(m[1] ?? "")
      ? undefined
      : `must have a Brazilian area code after +55 (${m[1] ?? ""} is not one)`;
  const compact = key.replace(/[\s()-]/g, "");
  if (compact !== key && PHONE.test(compact))
    return "must be written +55 then the area code and number, without spaces, dashes or parentheses";
  if (/^\d{10,13}$/.test(key))
    return 'must start with +55: a phone key is written +55, the area code and the number, e.g. "+5511987654321"';
  return 'must be a mobile phone in E.164 form: +55, the 2-digit area code and the 9-digit number, e.g. "+5511987654321"';
}

function emailProblem(key: string): string | undefined {
  if (key.length > MAX_EMAIL_KEY_LENGTH)
    return `must have at most ${String(MAX_EMAIL_KEY_LENGTH)} characters (the DICT's limit for e-mail keys)`;
  if (EMAIL.test(key)) return undefined;
  if (EMAIL.test(key.toLowerCase()))
    return "must be in lower case: the DICT stores e-mail keys in lower case, so write the key as it is registered";
  return "must be an e-mail address in the DICT's format: lower case, one @, then a domain";
}

function evpProblem(key: string): string | undefined {
  if (LOWER_CASE_UUID.test(key)) return undefined;
  if (UUID.test(key)) return "must be in lower case: the DICT stores random keys (EVP) as lower-case UUIDs";
  return 'must be a random key (EVP): a lower-case UUID like "7d9f0335-8dcc-4054-9bf9-0c4d7a1e6b2f"';
}

/** Why `key` is not a valid key of `type`, or undefined when it is one. */
export function pixKeyProblem(key: string, type: PixKeyType): string | undefined {
  switch (type) {
    case "CPF":
      return cpfProblem(key);
    case "CNPJ":
      return cnpjProblem(key);
    case "PHONE":
      return phoneProblem(key);
    case "EMAIL":
      return emailProblem(key);
    case "EVP":
      return evpProblem(key);
  }
}

export type KeyTypeGuess = { ok: true; type: PixKeyType } | { ok: false; message: string };

/** Refused unless `keyType` says which: 11 digits are a CPF, or a phone number written without +55. */
export const AMBIGUOUS_KEY_HINT =
  'could be a CPF or a phone number without +55: set recipient.keyType to "CPF", or write a phone key as +55 with the area code';

/**
 * The one type a key without `keyType` can be. 11 digits could be a CPF or a phone number without +55,
 * so they are refused with a hint rather than guessed.
 */
export function inferPixKeyType(key: string): KeyTypeGuess {
  if (key.includes("@")) return { ok: true, type: "EMAIL" };
  if (key.startsWith("+")) return { ok: true, type: "PHONE" };
  if (UUID.test(key)) return { ok: true, type: "EVP" };
  if (/^\d{11}$/.test(key)) return { ok: false, message: AMBIGUOUS_KEY_HINT };
  const compact = key.replace(/[.\s/()-]/g, "");
  if (/^[0-9A-Za-z]{12}\d{2}$/.test(compact)) return { ok: true, type: "CNPJ" };
  if (/^\d{11}$/.test(compact)) {
    return {
      ok: false,
      message:
        'must be written without punctuation: a CPF as its 11 digits with recipient.keyType "CPF", a phone key as +55 with the area code',
    };
  }
  if (/^\d{10,13}$/.test(key)) return { ok: true, type: "PHONE" };
  return {
    ok: false,
    message: "is not a Pix key: use an e-mail, a CPF or CNPJ (digits only), a +55 phone or a random key (EVP)",
  };
}

/** Why `key` (of type `keyType` when given) cannot be paid, or undefined when it can. */
export function pixKeyIssue(key: string, keyType?: PixKeyType): string | undefined {
  if (keyType !== undefined) return pixKeyProblem(key, keyType);
  const guess = inferPixKeyType(key);
  return guess.ok ? pixKeyProblem(key, guess.type) : guess.message;
}
