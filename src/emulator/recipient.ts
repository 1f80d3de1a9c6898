// Who receives an emulated payment. The real bank learns the payee from the Pix directory (DICT) or
// from the BR Code; the emulator has no directory, so for a key it makes up a stable fake payee
// derived from the key (same key → same name, document and bank). Pure.
import { createHash } from "node:crypto";
import type { Destinatario } from "./validation.js";

export interface Recipient {
  nome: string;
  /** Full document: a CPF (11 digits) or a CNPJ (14 characters, alphanumeric since July 2026); masked when shown (payment-views.ts). */
  cpfCnpj: string;
  /** Destination key, for key and static BR Code payments. */
  chave?: string;
  /** Bank data: only for DADOS_BANCARIOS payments (as Inter's `recebedor`, docs/reference/inter-api.md §4). */
  codIspb?: string;
  codAgencia?: string;
  nroConta?: string;
  tipoConta?: string;
  /** `instituicaoDestinatario` of callbacks (docs/reference/inter-api.md §5.1). */
  instituicao: string;
}

/** A few real ISPB codes and names, enough to make the emulator's answers look like Inter's. */
const INSTITUTIONS: readonly (readonly [string, string])[] = [
  ["00416968", "Banco Inter S.A."],
  ["00000000", "Banco do Brasil S.A."],
  ["00360305", "Caixa Econômica Federal"],
  ["60701190", "Itaú Unibanco S.A."],
  ["60746948", "Banco Bradesco S.A."],
  ["90400888", "Banco Santander (Brasil) S.A."],
  ["18236120", "Nu Pagamentos S.A."],
];

const FIRST_NAMES = ["Ana", "Bruno", "Carla", "Diego", "Elisa", "Fábio", "Gabriela", "Heitor", "Isabel", "João"];
const LAST_NAMES = ["Almeida", "Barbosa", "Costa", "Duarte", "Ferreira", "Gomes", "Lima", "Moraes", "Nunes", "Souza"];

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function byte(d: Buffer, i: number): number {
  return d[i % d.length] ?? 0;
}

function institutionName(ispb: string): string {
  return INSTITUTIONS.find(([code]) => code === ispb)?.[1] ?? `Instituição ISPB ${ispb}`;
}

/** A CPF with valid check digits, derived from `seed`. */
function fakeCpf(seed: Buffer): string {
  const base = Array.from({ length: 9 }, (_, i) => byte(seed, i) % 10);
  if (base.every((n) => n === base[0])) base[8] = ((base[8] ?? 0) + 1) % 10;
  const check = (digits: number[]): number => {
    const factor = digits.length + 1;
    const sum = digits.reduce((acc, n, i) => acc + n * (factor - i), 0);
    const rest = (sum * 10) % 11;
    return rest === 10 ? 0 : rest;
  };
  const d1 = check(base);
  const d2 = check([...base, d1]);
  return [...base, d1, d2].join("");
}

function fakePayee(seedText: string): { nome: string; cpfCnpj: string; ispb: string } {
  const d = digest(seedText);
  const nome = `${FIRST_NAMES[byte(d, 10) % FIRST_NAMES.length] ?? "Ana"} ${LAST_NAMES[byte(d, 11) % LAST_NAMES.length] ?? "Souza"}`;
  const ispb = INSTITUTIONS[byte(d, 12) % INSTITUTIONS.length]?.[0] ?? "00416968";
  return { nome, cpfCnpj: fakeCpf(d), ispb };
}

export function recipientFor(dest: Destinatario): Recipient {
  switch (dest.tipo) {
    case "CHAVE": {
      const payee = fakePayee(dest.chave);
      // A CPF/CNPJ key is the payee's own document.
      const cpfCnpj = dest.keyType === "CPF" || dest.keyType === "CNPJ" ? dest.chave : payee.cpfCnpj;
      return { nome: payee.nome, cpfCnpj, chave: dest.chave, instituicao: institutionName(payee.ispb) };
    }
    case "DADOS_BANCARIOS":
      return {
        nome: dest.nome,
        cpfCnpj: dest.cpfCnpj,
        codIspb: dest.ispb,
        codAgencia: dest.agencia,
        nroConta: dest.contaCorrente,
        tipoConta: dest.tipoConta,
        instituicao: institutionName(dest.ispb),
      };
    case "PIX_COPIA_E_COLA": {
      const code = dest.brCode;
      const payee = fakePayee(code.key ?? code.url ?? dest.pixCopiaECola);
      const r: Recipient = {
        nome: code.merchantName,
        cpfCnpj: payee.cpfCnpj,
        instituicao: institutionName(payee.ispb),
      };
      if (code.key !== undefined) r.chave = code.key;
      return r;
    }
  }
}
