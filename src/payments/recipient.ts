// Who receives a Pix: by Pix key, by bank account data, or by a BR Code ("copia e cola").
// Field names are part of the job-data contract (README). Basic shape checks only; the DICT-exact key
// rules, BR Code checks and limits are their own issue (#8).
import { z } from "zod";

/** Inter's `tipoConta` values (inter-api.md §3.2). */
export const ACCOUNT_TYPES = ["CONTA_CORRENTE", "CONTA_POUPANCA", "CONTA_SALARIO", "CONTA_PAGAMENTO"] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

export const recipientSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("key"), key: z.string().min(1).max(77) }),
  z.object({
    type: z.literal("bank"),
    ispb: z.string().regex(/^\d{8}$/, "must be the bank's 8-digit ISPB code"),
    branch: z.string().regex(/^\d{1,10}$/, "must be the branch number, digits only"),
    account: z.string().regex(/^\d{1,20}$/, "must be the account number, digits only with the check digit and no hyphen"),
    accountType: z.enum(ACCOUNT_TYPES, { error: `must be one of ${ACCOUNT_TYPES.join(", ")}` }),
    // A CNPJ may be alphanumeric since July 2026: 12 characters A–Z/0–9, then 2 check digits.
    document: z
      .string()
      .regex(/^(\d{11}|[0-9A-Z]{12}\d{2})$/, "must be a CPF (11 digits) or a CNPJ (14 characters), without dots, dashes or slashes"),
    name: z.string().trim().min(1).max(140),
  }),
  z.object({ type: z.literal("brcode"), code: z.string().min(20).max(512) }),
]);

export type PixRecipient = z.infer<typeof recipientSchema>;
