// pino with two layers of protection (docs/design.md §2.5):
// 1. field redaction by name, at any depth up to four levels: secrets are replaced, personal data masked;
// 2. a last scrub of every written line for the exact secret values this process knows (client secret,
//    pfx passphrase, private key, every bearer token it obtained) and for any PEM private key, so a
//    secret that slipped into a message string or an unexpected field still never reaches the log.
import pino from "pino";
import { maskBrCode, maskDocument, maskName, maskPixKey, maskText } from "./payments/mask.js";

export type Logger = pino.Logger;
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
export const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

const REDACTED = "[REDACTED]";
/** Any PEM private key, whole or in part, as it appears inside a JSON log line. */
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY-----)?/g;

/** Exact secret values to scrub from every log line. One registry per process, passed explicitly. */
export class SecretRegistry {
  readonly #values = new Set<string>();

  add(value: string | undefined): void {
    // Short values would scrub ordinary words; every real secret here is long.
    if (value === undefined || value.length < 8) return;
    this.#values.add(value);
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) this.#values.add(escaped);
  }

  delete(value: string): void {
    this.#values.delete(value);
    this.#values.delete(JSON.stringify(value).slice(1, -1));
  }

  scrub(text: string): string {
    let out = text.includes("PRIVATE KEY-----") ? text.replace(PRIVATE_KEY_PEM, REDACTED) : text;
    for (const v of this.#values) {
      if (out.includes(v)) out = out.split(v).join(REDACTED);
    }
    return out;
  }
}

const SECRET_FIELDS = [
  "client_secret",
  "clientSecret",
  "access_token",
  "accessToken",
  "authorization",
  "Authorization",
  "passphrase",
  "pfxPassphrase",
  "pfx",
  "keyPem",
  "privateKey",
  "bearer",
  "token",
];

type Mask = (value: string) => string;
/** Field names that hold personal data wherever they appear. */
const PII_FIELDS: Record<string, Mask> = {
  chave: maskPixKey,
  pixKey: maskPixKey,
  cpfCnpj: maskDocument,
  document: maskDocument,
  nome: maskName,
  pixCopiaECola: maskBrCode,
  nroConta: maskText,
  email: maskPixKey,
};
/** Field names that hold personal data only inside a recipient (`code` and `name` mean other things elsewhere). */
const RECIPIENT_PARENTS = ["recipient", "destinatario", "recebedor"];
const RECIPIENT_FIELDS: Record<string, Mask> = {
  key: maskPixKey,
  name: maskName,
  code: maskBrCode,
  account: maskText,
  contaCorrente: maskText,
};

function pathsFor(field: string): string[] {
  return [field, `*.${field}`, `*.*.${field}`, `*.*.*.${field}`];
}

export const REDACT_PATHS = [
  ...[...SECRET_FIELDS, ...Object.keys(PII_FIELDS)].flatMap(pathsFor),
  ...RECIPIENT_PARENTS.flatMap((parent) => Object.keys(RECIPIENT_FIELDS).flatMap((f) => pathsFor(`${parent}.${f}`))),
  "violacoes[*].valor",
  "*.violacoes[*].valor",
  "*.*.violacoes[*].valor",
];

function censor(value: unknown, path: string[]): unknown {
  // pino passes symbols for wildcard segments, despite its string[] type.
  const segments: unknown[] = path;
  const name = (v: unknown): string => (typeof v === "string" ? v : "");
  const field = name(segments.at(-1));
  const parent = name(segments.at(-2));
  if (value === undefined || value === null) return value;
  const mask = RECIPIENT_PARENTS.includes(parent) ? (RECIPIENT_FIELDS[field] ?? PII_FIELDS[field]) : PII_FIELDS[field];
  if (field === "valor") return typeof value === "string" ? maskText(value) : REDACTED;
  if (mask) return typeof value === "string" ? mask(value) : REDACTED;
  return REDACTED;
}

export interface LoggerOptions {
  level?: LogLevel;
  name?: string;
  secrets?: SecretRegistry;
  /** Where lines go; stdout when omitted (tests pass a capturing stream). */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = options.secrets ?? new SecretRegistry();
  const settings: pino.LoggerOptions = {
    level: options.level ?? "info",
    ...(options.name === undefined ? {} : { name: options.name }),
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor },
    hooks: { streamWrite: (line: string) => secrets.scrub(line) },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
