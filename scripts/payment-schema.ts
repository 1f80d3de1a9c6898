// `npm run schema`: docs/payment.schema.json, the JSON Schema of a payout job's data, generated from the zod
// schema the SDK and the workers check it with (src/payments/payment.ts), for producers in other languages.
// `npm run check:schema` (`--check`) fails when the file is not what this script writes (the zod schema
// changed and the file was not regenerated).
//
// zod writes the structure (fields, required ones, unknown fields refused, enums, the regular expressions).
// Its refinements are code (check digits, a BR Code's CRC, amount bounds, the Pix key formats, dates), which
// JSON Schema cannot hold: here each field gets a description of the rules it carries, and where a necessary
// condition of a refinement can be written (the amount's and the date's shape, a CPF/CNPJ's characters) it is
// added, so the schema refuses early what the workers would refuse. It never refuses what the workers
// accept: test/package/payment-schema.test.ts checks that, against the zod schema itself.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as prettier from "prettier";
import { z } from "zod";
import { DEFAULT_MAX_AMOUNT_CENTS } from "../src/payments/amount-rule.js";
import { formatCents } from "../src/payments/money.js";
import { PAYMENT_DATA_VERSION, paymentSchema } from "../src/payments/payment.js";
import { encryptedRecipientSchema } from "../src/payments/recipient-crypto.js";

export const SCHEMA_PATH = fileURLToPath(new URL("../docs/payment.schema.json", import.meta.url));

type Json = Record<string, unknown>;

const MAX_AMOUNT = formatCents(DEFAULT_MAX_AMOUNT_CENTS);

const NOT_EXPRESSED =
  "JSON Schema cannot express every rule pixout checks: the check digits of a CPF or CNPJ, a BR Code's structure " +
  "and CRC (and that the amount matches the one it fixes), the amount's bounds, the Pix key formats of the DICT " +
  "(and keyType being required for a CPF key), a scheduledFor date being real and not in the past, the callbackUrl " +
  "being an https:// URL without credentials, and control characters or bidirectional marks in free text. Those " +
  "are described on their fields. Data this schema accepts may still be refused by the workers (the job fails at " +
  "once with the reason, nothing is sent to the bank); data it refuses is always refused. Patterns use [0-9] and end " +
  "in $(?!\\n) so that Python's re reads them as ECMA-262 does.";

/** What each field of the payment carries beyond its structure: descriptions, and shapes zod's code implies. */
const FIELDS: Record<string, Json> = {
  version: { description: `The job-data version: ${String(PAYMENT_DATA_VERSION)} (the default when left out).` },
  paymentId: {
    description:
      "Your id of the payment, unique per payment: it is never paid twice. The BullMQ job id must be `payment-` " +
      "followed by it.",
  },
  amount: {
    // money.ts's DECIMAL_AMOUNT: reais, exactly two decimals, at most 10 digits before the dot.
    pattern: "^(0|[1-9][0-9]{0,9})\\.[0-9]{2}$",
    description:
      `Reais as a string with exactly two decimals ("10.50"). Not expressed here: more than 0.00, at most ` +
      `the workers' PIXOUT_MAX_AMOUNT (default ${MAX_AMOUNT}), and with a BR Code that fixes an amount, exactly ` +
      "that amount.",
  },
  description: {
    // text.ts's characterCount counts code points, as JSON Schema's maxLength does.
    maxLength: 140,
    description:
      "Up to 140 characters (Inter's descricao). Not expressed here: no control characters or bidirectional marks.",
  },
  recipient: {
    description:
      "Who receives the Pix: a Pix key, bank account data, or a BR Code; or the same object encrypted " +
      "(AES-256-GCM under a data key of PIXOUT_DATA_KEYS, the paymentId as additional authenticated data).",
  },
  scheduledFor: {
    pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    description:
      "A São Paulo calendar date, YYYY-MM-DD: a future date schedules the payment at Inter; today pays now. Not " +
      "expressed here: the date must exist, and must not be before today in São Paulo when the payment is enqueued.",
  },
  account: { description: "Your checking account to pay from (x-conta-corrente), when the integration has several." },
  metadata: {
    type: "object",
    maxProperties: 20,
    propertyNames: { minLength: 1, maxLength: 64, not: { enum: ["__proto__", "constructor", "prototype"] } },
    additionalProperties: { type: "string", maxLength: 512 },
    description:
      "Up to 20 text values of yours, kept on the job. Not expressed here: no control characters or bidirectional " +
      "marks in keys or values.",
  },
  callbackUrl: {
    // destination.ts: printable ASCII only, at most 2048 characters.
    pattern: "^[!-~]+$",
    maxLength: 2048,
    description:
      "Where the signed outcome event goes; its origin needs a secret in PIXOUT_NOTIFY_SECRETS. Not expressed " +
      "here: an absolute https:// URL (http:// only for localhost, 127.0.0.1 or [::1]) without user:password@.",
  },
};

/** The same for each kind of recipient, by its `type` (the encrypted form under "encrypted"). */
const RECIPIENT_FIELDS: Record<string, Record<string, Json>> = {
  key: {
    type: { description: "A Pix key." },
    key: {
      description:
        "The Pix key exactly as the DICT stores it: e-mail (lower case, at most 77 characters), CPF (11 digits), " +
        "CNPJ (14 characters, also alphanumeric), phone +55 with area code and a 9-digit mobile number, or a " +
        "random key (lower-case UUID). Not expressed here: these formats, the check digits, and that a CPF key " +
        "needs keyType (11 digits could also be a phone number).",
    },
    keyType: { description: "The key's type; inferred when left out, but required for a CPF key." },
  },
  bank: {
    type: { description: "Bank account data." },
    ispb: { description: "The receiving bank's 8-digit ISPB code." },
    branch: { description: "The branch number, digits only." },
    account: { description: "The account number with its check digit (which may be X), no hyphen." },
    accountType: { description: "Inter's tipoConta." },
    document: {
      // document.ts: an 11-digit CPF, or a 14-character CNPJ (12 of A-Z/0-9, then 2 check digits).
      pattern: "^([0-9]{11}|[0-9A-Z]{12}[0-9]{2})$",
      description:
        "The holder's CPF (11 digits) or CNPJ (14 characters, alphanumeric since July 2026), without punctuation. " +
        "Not expressed here: the check digits.",
    },
    name: {
      description:
        "The holder's name, at most 140 characters once leading and trailing spaces are trimmed. Not expressed " +
        "here: that length (counted after trimming), and no control characters or bidirectional marks.",
    },
  },
  brcode: {
    type: { description: "A BR Code." },
    code: {
      description:
        "The Pix copia e cola. Not expressed here: its structure, its CRC, no leading or trailing spaces, and that " +
        "an amount it fixes is the payment's.",
    },
  },
  encrypted: {
    encrypted: { description: "The encrypted form's version." },
    kid: { description: "The id of the data key (PIXOUT_DATA_KEYS) it is encrypted under." },
    iv: { description: "The 12-byte IV, base64 (the length is not expressed here)." },
    tag: { description: "The 16-byte GCM tag, base64 (the length is not expressed here)." },
    data: { description: "The ciphertext of the recipient object's JSON, base64." },
  },
};

function asObject(value: unknown, where: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${where}: not an object`);
  return value as Json;
}

/** Adds `extra` to each named property; a name zod did not write is an error (the schema changed: update here). */
function describe(properties: Json, extra: Record<string, Json>, where: string): void {
  for (const [name, more] of Object.entries(extra)) {
    const property = asObject(properties[name], `${where}.${name}`);
    Object.assign(property, more);
  }
  for (const name of Object.keys(properties)) {
    if (typeof asObject(properties[name], `${where}.${name}`)["description"] !== "string")
      throw new Error(`${where}.${name} has no description: add one in scripts/payment-schema.ts`);
  }
}

/**
 * A string trimmed before its checks (the holder's name): its length limit applies to the trimmed text, which
 * JSON Schema cannot say, so only what holds before trimming is kept.
 */
function untrimmed(ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: z.core.JSONSchema.BaseSchema }): void {
  const def = ctx.zodSchema._zod.def;
  if (def.type === "string" && def.checks?.some((c) => c._zod.def.check === "overwrite"))
    delete ctx.jsonSchema.maxLength;
}

/**
 * JSON Schema's patterns are ECMA-262 regular expressions, but Python's jsonschema package runs them with `re`,
 * where \d is any Unicode digit and a final $ also matches before a final line break. Written as [0-9] and
 * $(?!\n), every pattern means the same in both.
 */
function portablePatterns(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(portablePatterns);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const schema = node as Json;
  const pattern = schema["pattern"];
  if (typeof pattern === "string") {
    if (/\[[^\]]*\\d/.test(pattern)) throw new Error(`pattern ${pattern}: \\d inside a class; rewrite it here`);
    let portable = pattern.replaceAll("\\d", "[0-9]");
    if (portable.endsWith("$") && !portable.endsWith("\\$")) portable += "(?!\\n)";
    schema["pattern"] = portable;
  }
  Object.values(schema).forEach(portablePatterns);
}

/** The JSON Schema of a payout job's data, as an object. */
export function paymentJsonSchema(): Json {
  const schema = z.toJSONSchema(paymentSchema, {
    target: "draft-2020-12",
    // What a producer writes (before zod's transforms), not what the workers read out of it.
    io: "input",
    // `metadata` is read by code (its own keys, `__proto__` included): zod writes {} for it, FIELDS fills it in.
    unrepresentable: "any",
    override: untrimmed,
  }) as Json;

  const properties = asObject(schema["properties"], "properties");
  const recipient = asObject(properties["recipient"], "recipient");
  const oneOf: unknown = recipient["oneOf"];
  if (!Array.isArray(oneOf)) throw new Error("recipient: zod no longer writes a oneOf of its kinds");
  const kinds = (oneOf as unknown[]).map((k) => asObject(k, "recipient kind"));
  const encrypted = z.toJSONSchema(encryptedRecipientSchema, {
    target: "draft-2020-12",
    io: "input",
    override: untrimmed,
  }) as Json;
  delete encrypted["$schema"];
  for (const kind of [...kinds, encrypted]) {
    const kindProperties = asObject(kind["properties"], "recipient kind properties");
    const type = asObject(kindProperties["type"] ?? {}, "recipient type")["const"];
    const name = typeof type === "string" ? type : "encrypted";
    const fields = RECIPIENT_FIELDS[name];
    if (fields === undefined) throw new Error(`recipient kind ${name}: describe it in scripts/payment-schema.ts`);
    describe(kindProperties, fields, name);
  }
  encrypted["description"] =
    "The recipient object encrypted, in place of the plain one: see docs/operating/data-protection.md.";
  recipient["oneOf"] = [...kinds, encrypted];
  describe(properties, FIELDS, "payment");
  portablePatterns(schema);

  return {
    $schema: schema["$schema"],
    title: `pixout payment (job data version ${String(PAYMENT_DATA_VERSION)})`,
    description:
      "The data of one BullMQ job on pixout's payout queue (docs/integrating/job-contract.md), generated from the " +
      `zod schema in src/payments/payment.ts by npm run schema; do not edit. ${NOT_EXPRESSED}`,
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== "$schema")),
  };
}

/** The file's text: the schema formatted by the repository's prettier settings (so `format:check` agrees). */
export async function paymentSchemaText(): Promise<string> {
  const options = (await prettier.resolveConfig(SCHEMA_PATH)) ?? {};
  return prettier.format(JSON.stringify(paymentJsonSchema()), { ...options, filepath: SCHEMA_PATH });
}

async function main(): Promise<void> {
  const text = await paymentSchemaText();
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(SCHEMA_PATH, "utf8");
    } catch {
      // missing: out of date
    }
    if (current !== text) {
      process.stderr.write(
        "docs/payment.schema.json is out of date with src/payments/payment.ts: run npm run schema\n",
      );
      process.exitCode = 1;
      return;
    }
    process.stdout.write("docs/payment.schema.json is up to date\n");
    return;
  }
  writeFileSync(SCHEMA_PATH, text);
  process.stdout.write("wrote docs/payment.schema.json\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
