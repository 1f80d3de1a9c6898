// pino with two layers of protection (DESIGN.md §2.5):
// 1. field redaction by name, at any depth up to four levels: secrets are replaced, personal data masked;
// 2. a last scrub of every written line for the exact secret values this process knows (client secret,
//    pfx passphrase, every bearer token it obtained), so a secret that slipped into a message string or
//    an unexpected field still never reaches the log.
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
const PII_FIELDS: Record<string, Mask> = {
  chave: maskPixKey,
  pixKey: maskPixKey,
  cpfCnpj: maskDocument,
  document: maskDocument,
  nome: maskName,
  name: maskName,
  pixCopiaECola: maskBrCode,
  code: maskBrCode,
  nroConta: maskText,
  contaCorrente: maskText,
  account: maskText,
  email: maskPixKey,
};
/** Objects whose `key` field is a Pix key. */
const RECIPIENT_PARENTS = new Set(["recipient", "destinatario", "recebedor"]);

/** Top-level fields pino writes itself; only nested ones can be personal data. */
const PINO_OWN = new Set(["name"]);

function pathsFor(field: string): string[] {
  const nested = [`*.${field}`, `*.*.${field}`, `*.*.*.${field}`];
  return PINO_OWN.has(field) ? nested : [field, ...nested];
}

export const REDACT_PATHS = [
  ...[...SECRET_FIELDS, ...Object.keys(PII_FIELDS)].flatMap(pathsFor),
  // `key` is a Pix key under a recipient; key material elsewhere is scrubbed by value (SecretRegistry).
  ...[...RECIPIENT_PARENTS].flatMap((parent) => pathsFor(`${parent}.key`)),
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
  if (field === "key" && RECIPIENT_PARENTS.has(parent) && typeof value === "string") return maskPixKey(value);
  if (field === "valor" && typeof value === "string") return maskText(value);
  const mask = PII_FIELDS[field];
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
