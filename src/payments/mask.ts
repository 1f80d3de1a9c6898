// Masking of personal data for logs, errors and CLI output (docs/design.md §2.5). Pure functions.
// Each mask keeps enough to tell two values apart in an incident, never enough to rebuild one.

import { UUID } from "./uuid.js";

function stars(n: number): string {
  return "*".repeat(Math.max(1, Math.min(n, 8)));
}

/** Any string: the first and last two characters survive when it is long enough to hide the rest. */
export function maskText(value: string): string {
  if (value.length <= 6) return stars(value.length);
  return `${value.slice(0, 2)}${stars(value.length - 4)}${value.slice(-2)}`;
}

/** CPF (11 digits) as Inter shows it, `***.456.789-**`; CNPJ keeps its first two and last two digits. */
export function maskDocument(value: string): string {
  const digits = value.replace(/[.\-/\s]/g, "");
  if (/^\d{11}$/.test(digits)) return `***.${digits.slice(3, 6)}.${digits.slice(6, 9)}-**`;
  if (/^[0-9A-Z]{12}\d{2}$/i.test(digits)) return `${digits.slice(0, 2)}.***.***/****-${digits.slice(12)}`;
  return maskText(value);
}

export function maskEmail(value: string): string {
  const at = value.lastIndexOf("@");
  if (at <= 0) return maskText(value);
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  const dot = domain.lastIndexOf(".");
  const tld = dot > 0 ? domain.slice(dot) : "";
  return `${local.slice(0, 1)}***@${domain.slice(0, 1)}***${tld}`;
}

/** `+5511987654321` → `+5511*******21`: country and area code stay, the subscriber number goes. */
export function maskPhone(value: string): string {
  if (value.length < 8) return stars(value.length);
  return `${value.slice(0, 5)}${stars(value.length - 7)}${value.slice(-2)}`;
}

/** A person's or company's name: initials only. */
export function maskName(value: string): string {
  return value
    .trim()
    .split(/\s+/)
    .map((part) => (part.length > 0 ? `${part.slice(0, 1)}***` : part))
    .join(" ");
}

/** A Pix key of any type, recognised by its shape. */
export function maskPixKey(value: string): string {
  if (value.includes("@")) return maskEmail(value);
  if (value.startsWith("+")) return maskPhone(value);
  if (UUID.test(value)) return `${value.slice(0, 4)}****-****-****-****-********${value.slice(-4)}`;
  return maskDocument(value);
}

/** A BR Code (Pix copia e cola) carries the payee's key, name and city: keep only its start and size. */
export function maskBrCode(value: string): string {
  return `${value.slice(0, 6)}…(${String(value.length)} chars)`;
}

// Shapes of personal data in free text (a bank's error `detail`, say): e-mails, +55 phones, CPF and
// CNPJ (plain or formatted, the CNPJ possibly alphanumeric).
const EMAIL_IN_TEXT = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const PHONE_IN_TEXT = /\+55\d{10,11}\b/g;
const CPF_IN_TEXT = /\b\d{3}\.?\d{3}\.?\d{3}-?\d{2}\b/g;
const CNPJ_IN_TEXT = /\b[0-9A-Z]{2}\.?[0-9A-Z]{3}\.?[0-9A-Z]{3}\/?[0-9A-Z]{4}-?\d{2}\b/g;

/**
 * Masks personal data inside free text: first the exact values we know (the payment's key, document,
 * name, account…), then anything shaped like an e-mail, a +55 phone, a CPF or a CNPJ.
 */
export function scrubPersonalData(text: string, known: readonly string[] = []): string {
  let out = text;
  for (const value of [...known].filter((v) => v.length >= 3).sort((a, b) => b.length - a.length)) {
    if (out.includes(value)) out = out.split(value).join(maskText(value));
  }
  return out
    .replace(EMAIL_IN_TEXT, (m) => maskEmail(m))
    .replace(PHONE_IN_TEXT, (m) => maskPhone(m))
    .replace(CNPJ_IN_TEXT, (m) => maskDocument(m))
    .replace(CPF_IN_TEXT, (m) => maskDocument(m));
}

// Words of the bank's own vocabulary that start with a capital in its texts ("Chave Pix", "Banco Inter"):
// never a person's name, so a run of them is left as it is.
const BANK_WORDS = new Set(
  [
    "Pix",
    "Inter",
    "Banco",
    "Conta",
    "Chave",
    "Saldo",
    "Pagamento",
    "Transação",
    "Transacao",
    "Agência",
    "Agencia",
    "Instituição",
    "Instituicao",
    "Erro",
    "Limite",
    "QR",
    "Code",
    "Favorecido",
    "Recebedor",
    "Pagador",
    "Titular",
    "Destino",
    "Origem",
    "Cliente",
    "Operação",
    "Operacao",
  ].map((w) => w.toLowerCase()),
);
// Two or more consecutive capitalised words (letters of any script): how a name reads in a sentence.
const NAME_RUN = /\b\p{Lu}\p{Ll}+(?:\s+(?:(?:de|da|do|dos|das|e)\s+)?\p{Lu}\p{Ll}+)+/gu;

/**
 * A text the bank wrote about a payment (an error's description, a problem's detail): the personal data
 * scrubPersonalData finds, and also what reads like a person's name: in two or more capitalised words in a
 * row, each that is not one of the bank's own words keeps its initial only ("Favorecido Maria da Silva" →
 * "Favorecido M*** da S***"). A bank's sentence may lose a capitalised term to it; its codes never do.
 */
export function scrubBankText(text: string, known: readonly string[] = []): string {
  return scrubPersonalData(text, known).replace(NAME_RUN, (run) =>
    run
      .split(/(\s+)/)
      .map((w) =>
        /^\s*$/.test(w) || BANK_WORDS.has(w.toLowerCase()) || /^(de|da|do|dos|das|e)$/.test(w) ? w : maskName(w),
      )
      .join(""),
  );
}
