// Fault rules from outside the process: the CLI's text specs and the admin endpoint's JSON. zod checks
// both (a trust boundary, docs/design.md §4), so a bad rule is refused with a clear message instead of
// silently never firing.
//
// Text syntax:   [METHOD] [PATH] FAULT [key=value …]
//   "POST /banking/v2/pix reset-after p=0.1 times=5"
//   "GET /banking/v2/pix/* unknown-status status=EM_ANALISE"
//   "* latency ms=200"
//   "POST /banking/v2/pix status status=408"          (any status from 300 to 599)
//   "POST /banking/v2/pix insufficient-balance body=Saldo"
//   "POST /banking/v2/pix final-status status=FALHA codigo=PIX-001 descricao=\"Conta encerrada\""
//   "POST /banking/v2/pix rewrite omit=tipoRetorno,dataPagamento"      (fields of the JSON answer)
//   "GET /banking/v2/pix/* rewrite field=transacaoPix.valor value=999.0"  (value read as JSON, else text)
// Rule keys: p (or probability), times, skip, body (or bodyIncludes). Values may be double-quoted.
import { z } from "zod";
import type { Fault, FaultRule, FaultType } from "./faults.js";
import { FORCEABLE_FINAL_STATUSES } from "./pix-status.js";

export class FaultSpecError extends Error {
  override readonly name = "FaultSpecError";
}

const HTTP_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

const pixErrorSchema = z.strictObject({
  codigoErro: z.string(),
  descricaoErro: z.string(),
  codigoErroComplementar: z.string().default(""),
});

const nonNegativeInt = z.number().int().nonnegative();

/** A dotted path into a JSON answer: `tipoRetorno`, `transacaoPix.valor`; never through an object's prototype. */
const FIELD_PATH =
  /^(?!.*(^|\.)(__proto__|constructor|prototype)(\.|$))[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** The `status` fault models Inter's errors and anything between us and Inter (proxy, gateway, WAF). */
const STATUS_RANGE = "must be an HTTP status from 300 to 599";

const faultSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("latency"), ms: nonNegativeInt }),
  z.strictObject({ type: z.literal("status"), status: z.number().int().min(300, STATUS_RANGE).max(599, STATUS_RANGE) }),
  z.strictObject({ type: z.literal("rate-limit"), retryAfterSeconds: nonNegativeInt.optional() }),
  z.strictObject({ type: z.literal("reset-before") }),
  z.strictObject({ type: z.literal("reset-after") }),
  z.strictObject({ type: z.literal("timeout-after"), ms: nonNegativeInt.optional() }),
  z.strictObject({ type: z.literal("garbled-200") }),
  z.strictObject({ type: z.literal("unauthorized-empty") }),
  z.strictObject({ type: z.literal("unknown-status"), status: z.string().min(1).optional() }),
  z.strictObject({ type: z.literal("approval-required") }),
  z.strictObject({ type: z.literal("insufficient-balance") }),
  z
    .strictObject({
      type: z.literal("rewrite"),
      omit: z
        .array(z.string().regex(FIELD_PATH, "must be a dotted path of the answer, e.g. transacaoPix.valor"))
        .optional(),
      field: z.string().regex(FIELD_PATH, "must be a dotted path of the answer, e.g. transacaoPix.valor").optional(),
      value: z.unknown().optional(),
    })
    .refine(
      (f) => (f.omit?.length ?? 0) > 0 || f.field !== undefined,
      "rewrite needs omit=<fields> or field=<path> value=<json>",
    )
    .refine((f) => (f.field === undefined) === (f.value === undefined), "field and value go together"),
  z.strictObject({
    type: z.literal("final-status"),
    status: z.enum(FORCEABLE_FINAL_STATUSES),
    erros: z.array(pixErrorSchema).optional(),
  }),
]);

const faultRuleSchema = z.strictObject({
  method: z
    .string()
    .refine((m) => m === "*" || HTTP_METHODS.includes(m.toUpperCase()), "must be an HTTP method or *")
    .optional(),
  path: z
    .string()
    .refine((p) => p === "*" || p.startsWith("/"), "must start with / (or be *)")
    .optional(),
  bodyIncludes: z.string().min(1).optional(),
  probability: z.number().min(0).max(1).optional(),
  skip: nonNegativeInt.optional(),
  times: nonNegativeInt.optional(),
  fault: faultSchema,
});

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "rule"}: ${i.message}`).join("; ");
}

/** Checks a rule given as JSON (admin endpoint, programmatic use). Throws FaultSpecError. */
export function validateFaultRule(input: unknown): FaultRule {
  const parsed = faultRuleSchema.safeParse(input);
  if (!parsed.success) throw new FaultSpecError(`invalid fault rule: ${describe(parsed.error)}`);
  return stripUndefined(parsed.data);
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Splits on spaces, keeping double-quoted runs together (quotes removed, \" escapes a quote). */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let inQuotes = false;
  let hasToken = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (inQuotes) {
      if (c === "\\" && text[i + 1] === '"') {
        current += '"';
        i++;
      } else if (c === '"') inQuotes = false;
      else current += c;
    } else if (c === '"') {
      inQuotes = true;
      hasToken = true;
    } else if (/\s/.test(c)) {
      if (hasToken) tokens.push(current);
      current = "";
      hasToken = false;
    } else {
      current += c;
      hasToken = true;
    }
  }
  if (inQuotes) throw new FaultSpecError(`unterminated quote in fault spec: ${text}`);
  if (hasToken) tokens.push(current);
  return tokens;
}

/** Parameters each fault accepts in text form (rule-level keys are accepted by all). */
const FAULT_PARAMS: Record<FaultType, readonly string[]> = {
  latency: ["ms"],
  status: ["status"],
  "rate-limit": ["retryAfter", "retry-after", "retryAfterSeconds"],
  "reset-before": [],
  "reset-after": [],
  "timeout-after": ["ms"],
  "garbled-200": [],
  "unauthorized-empty": [],
  "unknown-status": ["status"],
  "approval-required": [],
  "insufficient-balance": [],
  "final-status": ["status", "codigo", "descricao", "complementar"],
  rewrite: ["omit", "field", "value"],
};
const RULE_PARAMS = ["p", "probability", "times", "skip", "body", "bodyIncludes"];

function toInt(key: string, value: string, spec: string): number {
  if (!/^\d+$/.test(value))
    throw new FaultSpecError(`${key} must be a non-negative integer (got "${value}") in: ${spec}`);
  return Number(value);
}

function toProbability(value: string, spec: string): number {
  const n = /^(\d+(\.\d+)?|\.\d+)$/.test(value) ? Number(value) : NaN;
  if (!(n >= 0 && n <= 1)) throw new FaultSpecError(`p must be a number from 0 to 1 (got "${value}") in: ${spec}`);
  return n;
}

function buildFault(type: FaultType, params: Map<string, string>, spec: string): Record<string, unknown> {
  const int = (key: string): number | undefined => {
    const v = params.get(key);
    return v === undefined ? undefined : toInt(key, v, spec);
  };
  switch (type) {
    case "latency": {
      const ms = int("ms");
      if (ms === undefined) throw new FaultSpecError(`latency needs ms=<milliseconds> in: ${spec}`);
      return { type, ms };
    }
    case "status": {
      const status = int("status");
      if (status === undefined) throw new FaultSpecError(`status needs status=<300-599> in: ${spec}`);
      return { type, status };
    }
    case "rate-limit": {
      const raw = params.get("retryAfter") ?? params.get("retry-after") ?? params.get("retryAfterSeconds");
      return raw === undefined ? { type } : { type, retryAfterSeconds: toInt("retryAfter", raw, spec) };
    }
    case "timeout-after": {
      const ms = int("ms");
      return ms === undefined ? { type } : { type, ms };
    }
    case "unknown-status": {
      const status = params.get("status");
      return status === undefined ? { type } : { type, status };
    }
    case "final-status": {
      const status = params.get("status");
      if (status === undefined) {
        throw new FaultSpecError(`final-status needs status=${FORCEABLE_FINAL_STATUSES.join("|")} in: ${spec}`);
      }
      const codigo = params.get("codigo");
      const descricao = params.get("descricao");
      if (codigo === undefined && descricao === undefined) return { type, status };
      return {
        type,
        status,
        erros: [
          {
            codigoErro: codigo ?? status,
            descricaoErro: descricao ?? "",
            codigoErroComplementar: params.get("complementar") ?? "",
          },
        ],
      };
    }
    case "rewrite": {
      const omit = params.get("omit");
      const field = params.get("field");
      const raw = params.get("value");
      let value: unknown = raw;
      if (raw !== undefined) {
        try {
          value = JSON.parse(raw);
        } catch {
          value = raw; // plain text
        }
      }
      return {
        type,
        ...(omit === undefined ? {} : { omit: omit.split(",").filter(Boolean) }),
        ...(field === undefined ? {} : { field }),
        ...(raw === undefined ? {} : { value }),
      };
    }
    default:
      return { type };
  }
}

/** Parses a text fault spec (see the syntax at the top of this file). Throws FaultSpecError. */
export function parseFaultRule(text: string): FaultRule {
  const spec = text.trim();
  const tokens = tokenize(spec);
  if (tokens.length === 0) throw new FaultSpecError("empty fault spec");
  const rule: Record<string, unknown> = {};
  let i = 0;
  const first = tokens[0] ?? "";
  if (HTTP_METHODS.includes(first.toUpperCase())) {
    rule["method"] = first.toUpperCase();
    i++;
  } else if (first === "*") {
    i++;
  }
  const maybePath = tokens[i];
  if (maybePath !== undefined && (maybePath.startsWith("/") || maybePath === "*")) {
    if (maybePath !== "*") rule["path"] = maybePath;
    i++;
  }
  const name = tokens[i];
  if (name === undefined) throw new FaultSpecError(`missing fault name in: ${spec}`);
  if (!(name in FAULT_PARAMS)) {
    throw new FaultSpecError(`unknown fault "${name}" in: ${spec} (known: ${Object.keys(FAULT_PARAMS).join(", ")})`);
  }
  const type = name as FaultType;
  const params = new Map<string, string>();
  for (const token of tokens.slice(i + 1)) {
    const eq = token.indexOf("=");
    if (eq <= 0) throw new FaultSpecError(`expected key=value, got "${token}" in: ${spec}`);
    const key = token.slice(0, eq);
    const value = token.slice(eq + 1);
    if (!RULE_PARAMS.includes(key) && !FAULT_PARAMS[type].includes(key)) {
      const allowed = [...FAULT_PARAMS[type], ...RULE_PARAMS].join(", ");
      throw new FaultSpecError(`unknown parameter "${key}" for fault "${type}" (allowed: ${allowed}) in: ${spec}`);
    }
    if (params.has(key)) throw new FaultSpecError(`parameter "${key}" given twice in: ${spec}`);
    params.set(key, value);
  }
  const p = params.get("p") ?? params.get("probability");
  if (p !== undefined) rule["probability"] = toProbability(p, spec);
  const times = params.get("times");
  if (times !== undefined) rule["times"] = toInt("times", times, spec);
  const skip = params.get("skip");
  if (skip !== undefined) rule["skip"] = toInt("skip", skip, spec);
  const body = params.get("body") ?? params.get("bodyIncludes");
  if (body !== undefined) rule["bodyIncludes"] = body;
  rule["fault"] = buildFault(type, params, spec);
  try {
    return validateFaultRule(rule);
  } catch (err) {
    if (err instanceof FaultSpecError) throw new FaultSpecError(`${err.message} (in: ${spec})`);
    throw err;
  }
}

/** A rule written either way: a text spec or a JSON rule object. */
export function toFaultRule(input: unknown): FaultRule {
  if (typeof input === "string") return parseFaultRule(input);
  return validateFaultRule(input);
}

export type { Fault, FaultRule };
