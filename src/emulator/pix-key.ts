// Pix key formats accepted by `destinatario.chave`, as the spec's description names them
// (docs/reference/inter-api.md §3.2): e-mail; CPF (11 digits) / CNPJ, digits only; mobile phone
// `+55DD9XXXXXXXX`; random key (EVP) as a UUID. Pure.
//
// CNPJ: since July 2026 the Receita Federal issues alphanumeric CNPJs — 12 characters A–Z or 0–9 (the
// registration number and branch) followed by 2 check digits — and the numeric CNPJ is the special
// case where all 12 are digits. A CNPJ is accepted in that form wherever one is (here, and
// `destinatario.cpfCnpj` of DADOS_BANCARIOS in validation.ts). Letters are upper case only, written
// without punctuation, like the digits-only rule for CPF/CNPJ keys.
//
// ASSUMPTION (UNVERIFIED): Inter checks the format only; whether the key exists in the Pix directory
// (DICT) shows up later. We do not validate CPF/CNPJ check digits, and accept an EVP in either case.
import { UUID } from "../payments/uuid.js";

export type PixKeyType = "EMAIL" | "CPF" | "CNPJ" | "TELEFONE" | "EVP";

export const CPF = /^\d{11}$/;
/** 12 alphanumeric characters (upper case) + 2 check digits; all-digit CNPJs included. */
export const CNPJ = /^[0-9A-Z]{12}\d{2}$/;
// Brazilian mobile: country 55, two-digit area code (no zeros), a 9, then eight digits.
const PHONE = /^\+55[1-9]{2}9\d{8}$/;
// Pix e-mail keys are at most 77 characters (DICT limit).
const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;

export function pixKeyType(key: string): PixKeyType | undefined {
  if (CPF.test(key)) return "CPF";
  if (CNPJ.test(key)) return "CNPJ";
  if (PHONE.test(key)) return "TELEFONE";
  if (UUID.test(key)) return "EVP";
  if (key.length <= 77 && EMAIL.test(key)) return "EMAIL";
  return undefined;
}
