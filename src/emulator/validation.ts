// Validation of `POST /banking/v2/pix` bodies, exactly as docs/reference/inter-api.md §3.2 describes them. Pure:
// the caller passes today's São Paulo date. Every rule that fails adds a violation, so one answer
// lists every problem (Inter's `Problema.violacoes`, docs/reference/inter-api.md §6.1).
import { characterCount } from "../payments/text.js";
import { parseBrCode, type BrCode } from "../payments/brcode.js";
import { compareIsoDates, isIsoDate } from "../payments/calendar.js";
import { centsFromBankNumber, centsFromBankString, MAX_CENTS } from "../payments/money.js";
import { ACCOUNT_TYPES, type AccountType } from "../payments/recipient.js";
import { CNPJ, CPF, pixKeyType, type PixKeyType } from "./pix-key.js";
import type { Violacao } from "./problem.js";

export type Destinatario =
  | { tipo: "CHAVE"; chave: string; keyType: PixKeyType }
  | {
      tipo: "DADOS_BANCARIOS";
      contaCorrente: string;
      tipoConta: AccountType;
      cpfCnpj: string;
      agencia: string;
      nome: string;
      ispb: string;
    }
  | { tipo: "PIX_COPIA_E_COLA"; pixCopiaECola: string; brCode: BrCode };

export interface PixRequest {
  amountCents: number;
  /** Resolved `dataPagamento`: the requested date, or today when omitted. */
  dataPagamento: string;
  descricao?: string;
  destinatario: Destinatario;
}

export type PixValidation =
  | { ok: true; value: PixRequest }
  | { ok: false; kind: "invalid"; violacoes: Violacao[] }
  | { ok: false; kind: "unprocessable"; title: string; detail: string };

export interface ValidationOptions {
  /** São Paulo's date today, `YYYY-MM-DD`. */
  today: string;
  /**
   * ASSUMPTION (UNVERIFIED, docs/reference/inter-api.md §3.2): the spec types `valor` as a number, the official
   * SDKs send a string; whether Inter takes one is unknown. The emulator refuses it unless told to accept it.
   */
  acceptStringValor: boolean;
}

/** The offending value as text, as `Violacao.valor` carries it. */
export function violationValue(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

class Violations {
  readonly list: Violacao[] = [];
  add(propriedade: string, razao: string, value: unknown): void {
    this.list.push({ razao, propriedade, valor: violationValue(value) });
  }
}

/** `valor` → centavos, never through float arithmetic (money.ts). */
function validateValor(value: unknown, v: Violations, acceptString: boolean): number | undefined {
  if (value === undefined || value === null) {
    v.add("valor", "O valor não pode ser nulo", value); // Inter's own wording (docs/reference/inter-api.md §3.2)
    return undefined;
  }
  let cents: number | undefined;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      v.add("valor", "O valor deve ser numérico", value);
      return undefined;
    }
    if (value <= 0) {
      v.add("valor", "O valor deve ser maior que zero", value);
      return undefined;
    }
    cents = centsFromBankNumber(value);
  } else if (typeof value === "string" && acceptString) {
    if (!/^-?\d+(\.\d+)?$/.test(value)) {
      v.add("valor", "O valor deve ser numérico", value);
      return undefined;
    }
    if (value.startsWith("-") || /^0+(\.0+)?$/.test(value)) {
      v.add("valor", "O valor deve ser maior que zero", value);
      return undefined;
    }
    cents = centsFromBankString(value);
  } else {
    v.add("valor", "O valor deve ser numérico", value);
    return undefined;
  }
  if (cents === undefined) {
    v.add("valor", "O valor deve ter no máximo duas casas decimais", value);
    return undefined;
  }
  if (cents <= 0) {
    v.add("valor", "O valor deve ser maior que zero", value);
    return undefined;
  }
  // ASSUMPTION (UNVERIFIED): the spec has no maximum; we refuse what money.ts cannot represent.
  if (cents > MAX_CENTS) {
    v.add("valor", "O valor excede o máximo permitido", value);
    return undefined;
  }
  return cents;
}

function validateData(value: unknown, today: string, v: Violations): string {
  if (value === undefined || value === null) return today; // "defaults to today" (docs/reference/inter-api.md §3.2)
  if (typeof value !== "string" || !isIsoDate(value)) {
    v.add("dataPagamento", "A data de pagamento deve estar no formato YYYY-MM-DD", value);
    return today;
  }
  if (compareIsoDates(value, today) < 0) {
    v.add("dataPagamento", "A data de pagamento não pode ser anterior à data atual", value);
  }
  return value;
}

function validateDescricao(value: unknown, v: Violations): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    v.add("descricao", "A descrição deve ser um texto", value);
    return undefined;
  }
  if (characterCount(value) > 140) v.add("descricao", "A descrição deve ter no máximo 140 caracteres", value);
  return value;
}

function requiredString(obj: Record<string, unknown>, field: string, path: string, v: Violations): string | undefined {
  const value = obj[field];
  if (value === undefined || value === null || value === "") {
    v.add(path, `O campo ${field} não pode ser nulo`, value);
    return undefined;
  }
  if (typeof value !== "string") {
    v.add(path, `O campo ${field} deve ser um texto`, value);
    return undefined;
  }
  return value;
}

function checkPattern(value: string | undefined, pattern: RegExp, path: string, razao: string, v: Violations): void {
  if (value !== undefined && !pattern.test(value)) v.add(path, razao, value);
}

type DestinatarioResult = { destinatario?: Destinatario; unprocessable?: string };

function validateDestinatario(value: unknown, v: Violations): DestinatarioResult {
  if (value === undefined || value === null) {
    v.add("destinatario", "O destinatário não pode ser nulo", value);
    return {};
  }
  if (!isObject(value)) {
    v.add("destinatario", "O destinatário deve ser um objeto", value);
    return {};
  }
  const tipo = value["tipo"];
  switch (tipo) {
    case "CHAVE": {
      const chave = requiredString(value, "chave", "destinatario.chave", v);
      if (chave === undefined) return {};
      const keyType = pixKeyType(chave);
      if (keyType === undefined) {
        v.add(
          "destinatario.chave",
          "Chave Pix inválida: use e-mail, CPF (11 dígitos), CNPJ (14 caracteres, letras maiúsculas ou dígitos), telefone (+55DD9XXXXXXXX) ou chave aleatória",
          chave,
        );
        return {};
      }
      return { destinatario: { tipo, chave, keyType } };
    }
    case "DADOS_BANCARIOS": {
      // All fields are required (docs/reference/inter-api.md §3.2). ASSUMPTION (UNVERIFIED): the formats below
      // are ours; the spec only says "string". The account is digits with its check digit, which some banks write `X`
      // (Banco do Brasil), no hyphen; the branch digits only (the alphanumeric CNPJ changed documents,
      // not account numbers); the document is a CPF or a CNPJ, alphanumeric since July 2026 (pix-key.ts).
      const contaCorrente = requiredString(value, "contaCorrente", "destinatario.contaCorrente", v);
      checkPattern(
        contaCorrente,
        /^\d{1,20}X?$/,
        "destinatario.contaCorrente",
        "A conta corrente deve conter dígitos (1 a 20) e o dígito verificador, que pode ser X, sem hífen",
        v,
      );
      const agencia = requiredString(value, "agencia", "destinatario.agencia", v);
      checkPattern(
        agencia,
        /^\d{1,10}$/,
        "destinatario.agencia",
        "A agência deve conter apenas dígitos (1 a 10, sem hífen nem letras)",
        v,
      );
      const cpfCnpj = requiredString(value, "cpfCnpj", "destinatario.cpfCnpj", v);
      if (cpfCnpj !== undefined && !CPF.test(cpfCnpj) && !CNPJ.test(cpfCnpj)) {
        v.add(
          "destinatario.cpfCnpj",
          "Informe um CPF (11 dígitos) ou um CNPJ (14 caracteres: 12 letras maiúsculas ou dígitos e 2 dígitos verificadores), sem pontuação",
          cpfCnpj,
        );
      }
      const nome = requiredString(value, "nome", "destinatario.nome", v);
      const tipoConta = requiredString(value, "tipoConta", "destinatario.tipoConta", v);
      if (tipoConta !== undefined && !(ACCOUNT_TYPES as readonly string[]).includes(tipoConta)) {
        v.add("destinatario.tipoConta", `O tipo de conta deve ser um de ${ACCOUNT_TYPES.join(", ")}`, tipoConta);
      }
      const instituicao = value["instituicaoFinanceira"];
      let ispb: string | undefined;
      if (!isObject(instituicao)) {
        v.add("destinatario.instituicaoFinanceira", "A instituição financeira não pode ser nula", instituicao);
      } else {
        ispb = requiredString(instituicao, "ispb", "destinatario.instituicaoFinanceira.ispb", v);
        checkPattern(ispb, /^\d{8}$/, "destinatario.instituicaoFinanceira.ispb", "O ISPB deve ter 8 dígitos", v);
      }
      if (v.list.length > 0 || !contaCorrente || !agencia || !cpfCnpj || !nome || !tipoConta || !ispb) return {};
      return {
        destinatario: { tipo, contaCorrente, agencia, cpfCnpj, nome, tipoConta: tipoConta as AccountType, ispb },
      };
    }
    case "PIX_COPIA_E_COLA": {
      const code = requiredString(value, "pixCopiaECola", "destinatario.pixCopiaECola", v);
      if (code === undefined) return {};
      const parsed = parseBrCode(code);
      if (!parsed.ok) return { unprocessable: parsed.reason };
      return { destinatario: { tipo, pixCopiaECola: code, brCode: parsed.value } };
    }
    case undefined:
    case null:
      v.add("destinatario.tipo", "O tipo do destinatário não pode ser nulo", tipo);
      return {};
    default:
      v.add("destinatario.tipo", "O tipo do destinatário deve ser CHAVE, DADOS_BANCARIOS ou PIX_COPIA_E_COLA", tipo);
      return {};
  }
}

const QR_CODE_TITLE = "Não foi possível processar o QR Code";

export function validatePixRequest(body: unknown, options: ValidationOptions): PixValidation {
  const v = new Violations();
  if (!isObject(body)) {
    v.add("body", "O corpo da requisição deve ser um objeto JSON", body);
    return { ok: false, kind: "invalid", violacoes: v.list };
  }
  const amountCents = validateValor(body["valor"], v, options.acceptStringValor);
  const dataPagamento = validateData(body["dataPagamento"], options.today, v);
  const descricao = validateDescricao(body["descricao"], v);
  const dest = validateDestinatario(body["destinatario"], v);
  // Field violations (400) come before business processing of the code (422).
  if (v.list.length > 0) return { ok: false, kind: "invalid", violacoes: v.list };
  if (dest.unprocessable !== undefined) {
    return {
      ok: false,
      kind: "unprocessable",
      title: QR_CODE_TITLE,
      detail: `QR Code inválido: ${dest.unprocessable}.`,
    };
  }
  const destinatario = dest.destinatario;
  if (amountCents === undefined || destinatario === undefined) {
    // Unreachable: every failure above added a violation. Kept so the types need no assertion.
    return {
      ok: false,
      kind: "invalid",
      violacoes: [{ razao: "Requisição inválida", propriedade: "body", valor: "null" }],
    };
  }
  // ASSUMPTION (UNVERIFIED): a code that fixes an amount cannot be paid with another amount.
  if (destinatario.tipo === "PIX_COPIA_E_COLA") {
    const fixed = destinatario.brCode.amountCents;
    if (fixed !== undefined && fixed !== amountCents) {
      return {
        ok: false,
        kind: "unprocessable",
        title: QR_CODE_TITLE,
        detail: "O valor informado difere do valor do QR Code.",
      };
    }
  }
  const value: PixRequest = { amountCents, dataPagamento, destinatario };
  if (descricao !== undefined) value.descricao = descricao;
  return { ok: true, value };
}
