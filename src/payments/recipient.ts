// Who receives a Pix: by Pix key, by bank account data, or by a BR Code ("copia e cola"). Field names are
// part of the job-data contract (docs/integrating/job-contract.md). Every rule names its field: Pix keys in the DICT's
// formats (pix-key.ts), the holder's CPF/CNPJ with valid check digits (document.ts), BR Codes parsed and
// their CRC checked (brcode.ts).
import { z } from "zod";
import { parseBrCode } from "./brcode.js";
import { documentProblem } from "./document.js";
import { PIX_KEY_TYPES, pixKeyIssue } from "./pix-key.js";
import { freeTextProblem } from "./text.js";

/** Inter's `tipoConta` values (docs/reference/inter-api.md §3.2). */
export const ACCOUNT_TYPES = ["CONTA_CORRENTE", "CONTA_POUPANCA", "CONTA_SALARIO", "CONTA_PAGAMENTO"] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

/** A zod refinement from a rule that answers "why not" (undefined: fine). */
function rule(problem: (value: string) => string | undefined) {
  return (value: string, ctx: z.RefinementCtx): void => {
    const message = problem(value);
    if (message !== undefined) ctx.addIssue({ code: "custom", message });
  };
}

const keyRecipient = z
  .strictObject({
    type: z.literal("key"),
    key: z.string().min(1, "must not be empty"),
    /** The key's type; without it the type is inferred, and a key that could be two types is refused. */
    keyType: z.enum(PIX_KEY_TYPES, { error: `must be one of ${PIX_KEY_TYPES.join(", ")}` }).optional(),
  })
  .superRefine((r, ctx) => {
    const message = pixKeyIssue(r.key, r.keyType);
    if (message !== undefined) ctx.addIssue({ code: "custom", path: ["key"], message });
  });

const bankRecipient = z.strictObject({
  type: z.literal("bank"),
  ispb: z.string().regex(/^\d{8}$/, "must be the bank's 8-digit ISPB code"),
  branch: z.string().regex(/^\d{1,10}$/, "must be the branch number, digits only"),
  // Inter's `contaCorrente` is a free string; some banks' check digit is X (Banco do Brasil): upper case, no hyphen.
  account: z
    .string()
    .regex(
      /^\d{1,20}X?$/,
      "must be the account number with its check digit, digits only (the check digit may be X), no hyphen",
    ),
  accountType: z.enum(ACCOUNT_TYPES, { error: `must be one of ${ACCOUNT_TYPES.join(", ")}` }),
  // A CNPJ may be alphanumeric since July 2026: 12 characters A–Z/0–9, then 2 check digits.
  document: z.string().superRefine(rule(documentProblem)),
  name: z
    .string()
    .trim()
    .min(1, "must be the holder's name")
    .max(140, "must have at most 140 characters")
    .superRefine(rule(freeTextProblem)),
});

const brCodeRecipient = z.strictObject({
  type: z.literal("brcode"),
  code: z
    .string()
    .max(512, "must have at most 512 characters")
    .superRefine(
      rule((code) => {
        if (code !== code.trim()) return "must not start or end with spaces or line breaks";
        const text = freeTextProblem(code);
        if (text !== undefined) return text;
        const parsed = parseBrCode(code);
        return parsed.ok ? undefined : `is not a valid Pix BR Code (copia e cola): ${parsed.reason}`;
      }),
    ),
});

export const recipientSchema = z.discriminatedUnion("type", [keyRecipient, bankRecipient, brCodeRecipient]);

export type PixRecipient = z.infer<typeof recipientSchema>;
