// docs/payment.schema.json, the JSON Schema producers in other languages check job data with, against the zod
// schema the SDK and the workers check it with: up to date, never refusing what pixout accepts, refusing what
// it can express of what pixout refuses, and (so that the doc stays honest) accepting what it says it cannot
// express.
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { paymentSchemaText, SCHEMA_PATH } from "../../scripts/payment-schema.js";
import { paymentSchema, validatePayment } from "../../src/payments/payment.js";
import { decryptRecipient, encryptedRecipientSchema, encryptRecipient } from "../../src/payments/recipient-crypto.js";
import { validCnpj, validCpf, validEmail, validEvp, validPhone } from "../payments/rules/support.js";
import { bank, base, INVALID_EXPRESSED, INVALID_NOT_EXPRESSED, keyring, VALID } from "./payment-examples.js";

const schemaText = readFileSync(SCHEMA_PATH, "utf8");
const ajv = new Ajv2020({ allErrors: true, strict: true });
const check = ajv.compile(JSON.parse(schemaText) as object);
const schemaAccepts = (data: unknown): boolean => check(data);
const zodAccepts = (data: unknown): boolean => validatePayment(data).ok;

describe("docs/payment.schema.json", () => {
  it("is what npm run schema writes from the zod schema now", async () => {
    expect(schemaText, "run npm run schema").toBe(await paymentSchemaText());
  });

  it.each(Object.entries(VALID))("accepts what pixout accepts: %s", (_, data) => {
    expect(validatePayment(data)).toMatchObject({ ok: true });
    expect(schemaAccepts(data), JSON.stringify(check.errors)).toBe(true);
  });

  it("accepts a recipient encrypted as the SDK writes it", () => {
    for (const recipient of [bank, { type: "key", key: "fornecedor@example.com" }]) {
      const sealed = encryptRecipient(recipient, base.paymentId, keyring);
      expect(encryptedRecipientSchema.safeParse(sealed).success).toBe(true);
      expect(decryptRecipient(sealed, base.paymentId, keyring)).toEqual({ ok: true, recipient });
      expect(schemaAccepts({ ...base, recipient: sealed }), JSON.stringify(check.errors)).toBe(true);
    }
  });

  it.each(Object.entries(INVALID_EXPRESSED))("refuses what pixout refuses: %s", (_, data) => {
    expect(zodAccepts(data)).toBe(false);
    expect(schemaAccepts(data)).toBe(false);
  });

  it.each(Object.entries(INVALID_NOT_EXPRESSED))("leaves to the workers what it cannot express: %s", (_, data) => {
    expect(zodAccepts(data)).toBe(false);
    expect(schemaAccepts(data), JSON.stringify(check.errors)).toBe(true);
  });

  it("accepts every generated payment pixout accepts", () => {
    const recipient = fc.oneof(
      validEmail.map((key) => ({ type: "key", key })),
      validEvp.map((key) => ({ type: "key", key, keyType: "EVP" })),
      validPhone.map((key) => ({ type: "key", key })),
      validCpf.map((key) => ({ type: "key", key, keyType: "CPF" })),
      validCnpj.map((key) => ({ type: "key", key })),
      fc.tuple(fc.oneof(validCpf, validCnpj), fc.string({ minLength: 1, maxLength: 150 })).map(([document, name]) => ({
        ...bank,
        document,
        name,
      })),
    );
    // Mostly what pixout accepts, sometimes anything: the payments it accepts then cover its edges.
    const mostly = <T>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<unknown>) =>
      fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: other, weight: 1 });
    const payment = fc.record(
      {
        version: fc.constant(1),
        paymentId: fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/),
        amount: mostly(fc.stringMatching(/^(0|[1-9][0-9]{0,9})\.[0-9]{2}$/), fc.string({ maxLength: 14 })),
        description: mostly(fc.string({ unit: "grapheme", maxLength: 140 }), fc.string({ maxLength: 150 })),
        recipient,
        scheduledFor: mostly(fc.stringMatching(/^2[01][0-9]{2}-[01][0-9]-[0-3][0-9]$/), fc.string({ maxLength: 12 })),
        account: mostly(fc.stringMatching(/^[1-9][0-9]{0,9}$/), fc.string({ maxLength: 10 })),
        metadata: mostly(
          fc.dictionary(fc.string({ minLength: 1, maxLength: 64 }), fc.string({ maxLength: 512 }), { maxKeys: 20 }),
          fc.dictionary(fc.string({ maxLength: 70 }), fc.string({ maxLength: 520 }), { maxKeys: 22 }),
        ),
        callbackUrl: mostly(fc.webUrl({ validSchemes: ["https"] }), fc.string({ maxLength: 40 })),
      },
      { requiredKeys: ["paymentId", "amount", "recipient"] },
    );
    let accepted = 0;
    fc.assert(
      fc.property(payment, (data) => {
        // The worker's schema (no "today"): the date's format only, as JSON Schema can check it.
        if (!paymentSchema.safeParse(data).success) return true;
        accepted++;
        return schemaAccepts(data);
      }),
      { numRuns: 2_000 },
    );
    // The generators are worth something only if many of their payments pass pixout's own rules.
    expect(accepted).toBeGreaterThan(200);
  });
});
