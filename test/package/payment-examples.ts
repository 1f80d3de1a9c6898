// Payments pixout accepts and refuses, for the tests of docs/payment.schema.json and of the Python producer
// (examples/python/enqueue.py) that checks job data with it.
import { buildBrCode } from "../../src/payments/brcode.js";
import { encryptRecipient, type DataKeyring } from "../../src/payments/recipient-crypto.js";

export const keyring: DataKeyring = { keys: new Map([["k1", Buffer.alloc(32, 7)]]), writeKid: "k1" };
export const base = { paymentId: "inv-1001", amount: "10.50" };
export const bank = {
  type: "bank",
  ispb: "00416968",
  branch: "0001",
  account: "1234567",
  accountType: "CONTA_CORRENTE",
  document: "12345678909",
  name: "Maria Silva",
};
const brcode = buildBrCode({ key: "loja@example.com", amountCents: 1050, name: "Loja", city: "SAO PAULO" });

export const VALID: Record<string, unknown> = {
  "a Pix key": { ...base, recipient: { type: "key", key: "fornecedor@example.com" } },
  "every optional field": {
    version: 1,
    ...base,
    description: "Reembolso 1001 — ação",
    recipient: { type: "key", key: "12345678909", keyType: "CPF" },
    scheduledFor: "2099-12-31",
    account: "12345678",
    metadata: { invoice: "1001", "centro de custo": "ação" },
    callbackUrl: "https://erp.example.com/pix?x=1",
  },
  "bank data": { ...base, recipient: bank },
  "bank data with an alphanumeric CNPJ and a check digit X": {
    ...base,
    recipient: { ...bank, document: "12ABC34501DE35", account: "12345X" },
  },
  // 140 characters once trimmed: zod trims before it counts.
  "a holder's name with spaces around it": { ...base, recipient: { ...bank, name: ` ${"M".repeat(140)} ` } },
  "a BR Code fixing the amount": { ...base, recipient: { type: "brcode", code: brcode } },
  "140 characters of description, some outside the BMP": {
    ...base,
    recipient: bank,
    description: "😀".repeat(140),
  },
  "20 metadata entries": {
    ...base,
    recipient: { type: "key", key: "fornecedor@example.com" },
    metadata: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${String(i)}`, "v".repeat(512)])),
  },
  "a callback to localhost over http": {
    ...base,
    recipient: { type: "key", key: "+5511987654321" },
    callbackUrl: "http://localhost:8080/hooks",
  },
};

/** Refused by pixout, and the schema can say so. */
export const INVALID_EXPRESSED: Record<string, unknown> = {
  "an unknown field": { ...base, recipient: bank, descripton: "typo" },
  "a state written by a producer": { ...base, recipient: bank, state: {} },
  "no amount": { paymentId: "inv-1", recipient: bank },
  "no recipient": base,
  "an amount with one decimal": { ...base, amount: "10.5", recipient: bank },
  "an amount as a number": { ...base, amount: 10.5, recipient: bank },
  "an amount with a leading zero": { ...base, amount: "010.50", recipient: bank },
  "version 2": { ...base, version: 2, recipient: bank },
  "a paymentId with a space": { ...base, paymentId: "inv 1", recipient: bank },
  "a paymentId of 65 characters": { ...base, paymentId: "x".repeat(65), recipient: bank },
  "an unknown kind of recipient": { ...base, recipient: { type: "iban", iban: "BR00" } },
  "a key recipient with an extra field": { ...base, recipient: { type: "key", key: "a@b.co", amount: "1.00" } },
  "an empty key": { ...base, recipient: { type: "key", key: "" } },
  "an unknown keyType": { ...base, recipient: { type: "key", key: "a@b.co", keyType: "IBAN" } },
  "a punctuated document": { ...base, recipient: { ...bank, document: "123.456.789-09" } },
  "a lower-case CNPJ": { ...base, recipient: { ...bank, document: "12abc34501de35" } },
  "a 7-digit ISPB": { ...base, recipient: { ...bank, ispb: "0041696" } },
  "non-ASCII digits in an ISPB": { ...base, recipient: { ...bank, ispb: "٠٠٤١٦٩٦٨" } },
  "a line break after an ISPB": { ...base, recipient: { ...bank, ispb: "00416968\n" } },
  "an account with a hyphen": { ...base, recipient: { ...bank, account: "123456-7" } },
  "an unknown account type": { ...base, recipient: { ...bank, accountType: "CONTA_X" } },
  "an empty holder's name": { ...base, recipient: { ...bank, name: "" } },
  "a BR Code over 512 characters": { ...base, recipient: { type: "brcode", code: "0".repeat(513) } },
  "141 characters of description": { ...base, recipient: bank, description: "d".repeat(141) },
  "a date with slashes": { ...base, recipient: bank, scheduledFor: "2099/12/31" },
  "an account with a leading zero": { ...base, recipient: bank, account: "0123" },
  "21 metadata entries": {
    ...base,
    recipient: bank,
    metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${String(i)}`, "v"])),
  },
  "a metadata value that is a number": { ...base, recipient: bank, metadata: { n: 1 } },
  "a metadata value of 513 characters": { ...base, recipient: bank, metadata: { n: "v".repeat(513) } },
  "a metadata key of 65 characters": { ...base, recipient: bank, metadata: { ["k".repeat(65)]: "v" } },
  "a metadata key named constructor": { ...base, recipient: bank, metadata: { constructor: "v" } },
  "a metadata key named __proto__": JSON.parse(
    '{"paymentId":"p","amount":"1.00","recipient":{"type":"key","key":"a@b.co"},"metadata":{"__proto__":"v"}}',
  ) as unknown,
  "a callbackUrl with a space": { ...base, recipient: bank, callbackUrl: "https://erp.example.com/a b" },
  "a callbackUrl of 2049 characters": {
    ...base,
    recipient: bank,
    callbackUrl: `https://erp.example.com/${"a".repeat(2049 - 24)}`,
  },
  "an encrypted recipient of another version": {
    ...base,
    recipient: { ...encryptRecipient(bank, base.paymentId, keyring), encrypted: "v2" },
  },
  "an encrypted recipient with a bad key id": {
    ...base,
    recipient: { ...encryptRecipient(bank, base.paymentId, keyring), kid: "key id" },
  },
};

/** Refused by pixout, but beyond JSON Schema: the schema's descriptions and the doc say so. */
export const INVALID_NOT_EXPRESSED: Record<string, unknown> = {
  "a CPF's check digits": { ...base, recipient: { ...bank, document: "12345678900" } },
  "a CNPJ's check digits": { ...base, recipient: { ...bank, document: "12ABC34501DE36" } },
  "a BR Code's CRC": { ...base, recipient: { type: "brcode", code: `${brcode.slice(0, -4)}0000` } },
  "an amount other than the one a BR Code fixes": {
    ...base,
    amount: "10.51",
    recipient: { type: "brcode", code: brcode },
  },
  "an amount of 0.00": { ...base, amount: "0.00", recipient: bank },
  "an amount above the maximum": { ...base, amount: "1000000.01", recipient: bank },
  "an e-mail key in upper case": { ...base, recipient: { type: "key", key: "Fornecedor@example.com" } },
  "a CPF key without keyType": { ...base, recipient: { type: "key", key: "12345678909" } },
  "a date that does not exist": { ...base, recipient: bank, scheduledFor: "2099-02-30" },
  "a date in the past": { ...base, recipient: bank, scheduledFor: "2000-01-01" },
  "a callbackUrl over plain http": { ...base, recipient: bank, callbackUrl: "http://erp.example.com/hooks" },
  "a holder's name of 141 characters once trimmed": { ...base, recipient: { ...bank, name: "M".repeat(141) } },
  "a control character in the description": { ...base, recipient: bank, description: "a\u0007b" },
};

/** Job data with its recipient encrypted, as the SDK writes it with a write key (not what validatePayment takes). */
export const ENCRYPTED = { version: 1, ...base, recipient: encryptRecipient(bank, base.paymentId, keyring) };
