// Pix key formats accepted by `destinatario.chave` (inter-api.md §3.2, "Formats per spec description"):
// e-mail; CPF (11 digits) / CNPJ (14 digits), digits only; mobile phone `+55DD9XXXXXXXX`; random key
// (EVP) as a UUID. Pure.
//
// ASSUMPTION (UNVERIFIED): Inter checks the format only; whether the key exists in the Pix directory
// (DICT) shows up later. We do not validate CPF/CNPJ check digits, and accept an EVP in either case.

export type PixKeyType = "EMAIL" | "CPF" | "CNPJ" | "TELEFONE" | "EVP";

const CPF = /^\d{11}$/;
const CNPJ = /^\d{14}$/;
// Brazilian mobile: country 55, two-digit area code (no zeros), a 9, then eight digits.
const PHONE = /^\+55[1-9]{2}9\d{8}$/;
const EVP = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Pix e-mail keys are at most 77 characters (DICT limit).
const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;

export function pixKeyType(key: string): PixKeyType | undefined {
  if (CPF.test(key)) return "CPF";
  if (CNPJ.test(key)) return "CNPJ";
  if (PHONE.test(key)) return "TELEFONE";
  if (EVP.test(key)) return "EVP";
  if (key.length <= 77 && EMAIL.test(key)) return "EMAIL";
  return undefined;
}
