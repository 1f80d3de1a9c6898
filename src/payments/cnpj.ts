// CNPJ (Cadastro Nacional da Pessoa Jurídica): 12 characters and 2 check digits, mod 11. Since July 2026
// the Receita Federal also issues alphanumeric CNPJs: the 12 characters may be A–Z (upper case) or 0–9,
// each worth its ASCII code − 48 (0–9 stay 0–9, A = 17 … Z = 42); the numeric CNPJ is the special case
// where all 12 are digits. The check digits are always numeric. Pure.

const WEIGHTS = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];

function checkDigit(text: string): number {
  const weights = WEIGHTS.slice(WEIGHTS.length - text.length);
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum += (text.charCodeAt(i) - 48) * (weights[i] ?? 0);
  const rest = sum % 11;
  return rest < 2 ? 0 : 11 - rest;
}

/** The two check digits of the first 12 characters (A–Z, 0–9) of a CNPJ. */
export function cnpjCheckDigits(base: string): string {
  const first = checkDigit(base);
  return `${String(first)}${String(checkDigit(base + String(first)))}`;
}

/** Why `text` is not a CNPJ written without punctuation, or undefined when it is one. */
export function cnpjProblem(text: string): string | undefined {
  if (!/^[0-9A-Z]{12}\d{2}$/.test(text)) {
    if (/^[0-9A-Za-z]{12}\d{2}$/.test(text))
      return "must be written with upper-case letters (an alphanumeric CNPJ uses A-Z)";
    return /^[0-9A-Za-z./\s-]+$/.test(text) && text.replace(/[./\s-]/g, "").length === 14
      ? "must be the CNPJ's 14 characters only, without dots, slashes, dashes or spaces"
      : "must be a CNPJ: 14 characters (12 letters A-Z or digits, then 2 check digits)";
  }
  if (/^(.)\1{13}$/.test(text)) return "is not a valid CNPJ (all characters are equal)";
  if (cnpjCheckDigits(text.slice(0, 12)) !== text.slice(12))
    return "is not a valid CNPJ (its check digits do not match)";
  return undefined;
}
