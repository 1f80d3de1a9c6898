// Pix BR Code ("Pix copia e cola"): the EMV® QR Code Merchant-Presented Mode payload that Bacen's
// "Manual de Padrões para Iniciação do Pix" specifies. Pure functions, no I/O.
//
// A payload is a flat list of TLV fields: a 2-digit id, a 2-digit length and the value. Some values are
// themselves TLV lists (template fields). The last field is the CRC (id 63, length 04), a CRC16-CCITT
// (polynomial 0x1021, initial value 0xFFFF) over the whole text up to and including "6304".
//
// docs/reference/inter-api.md §3.2: a `PIX_COPIA_E_COLA` payment carries this string and Inter answers 422
// "Não foi possível processar o QR Code" when it cannot process it; the emulator uses parseBrCode().
// Lengths are counted in string characters, which is what generators do for the ASCII names and
// cities that Bacen's manual recommends.
import { centsFromBankString, formatCents } from "./money.js";

export const PIX_GUI = "br.gov.bcb.pix";

export interface TlvField {
  id: string;
  value: string;
}

export class BrCodeError extends Error {
  override readonly name = "BrCodeError";
}

/** Parses one level of TLV fields. Throws BrCodeError on a malformed length or a truncated value. */
export function parseTlv(text: string): TlvField[] {
  const fields: TlvField[] = [];
  let i = 0;
  while (i < text.length) {
    const id = text.slice(i, i + 2);
    const lengthText = text.slice(i + 2, i + 4);
    if (!/^\d{2}$/.test(id) || !/^\d{2}$/.test(lengthText)) {
      throw new BrCodeError(`malformed TLV header at position ${i}`);
    }
    const length = Number(lengthText);
    const value = text.slice(i + 4, i + 4 + length);
    if (value.length !== length) throw new BrCodeError(`field ${id} is truncated`);
    fields.push({ id, value });
    i += 4 + length;
  }
  return fields;
}

/** CRC16-CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor) as 4 upper-case hex digits. */
export function crc16Ccitt(text: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, "utf8")) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc.toString(16).toUpperCase().padStart(4, "0");
}

export interface BrCode {
  /** Static code: the payee's Pix key (merchant account info, sub-field 01). */
  key?: string;
  /** Dynamic code: the location URL (sub-field 25) where the charge is fetched. */
  url?: string;
  /** Free text for the payer (sub-field 02). */
  info?: string;
  /** Transaction amount (id 54) in centavos, when the code fixes one. */
  amountCents?: number;
  merchantName: string;
  merchantCity: string;
  /** Reference label (id 62, sub-field 05); "***" means none. */
  txid?: string;
  /** Point of initiation (id 01): "11" reusable, "12" single use. */
  pointOfInitiation?: string;
}

export type BrCodeResult = { ok: true; value: BrCode } | { ok: false; reason: string };

function fieldMap(fields: TlvField[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const f of fields) if (!map.has(f.id)) map.set(f.id, f.value);
  return map;
}

/** Parses and checks a BR Code. Never throws: the reason says what is wrong. */
export function parseBrCode(text: string): BrCodeResult {
  try {
    return { ok: true, value: parseBrCodeOrThrow(text) };
  } catch (err) {
    if (err instanceof BrCodeError) return { ok: false, reason: err.message };
    throw err;
  }
}

function parseBrCodeOrThrow(raw: string): BrCode {
  const text = raw.trim();
  if (!text.startsWith("000201")) throw new BrCodeError("payload format indicator (00) must be 01 and come first");
  const fields = parseTlv(text);
  const last = fields[fields.length - 1];
  if (!last || last.id !== "63" || last.value.length !== 4)
    throw new BrCodeError("the CRC (63) must be the last field");
  const expected = crc16Ccitt(text.slice(0, text.length - 4));
  if (last.value.toUpperCase() !== expected) throw new BrCodeError(`CRC mismatch: ${last.value} != ${expected}`);

  const top = fieldMap(fields);
  // Merchant account information may use any id from 26 to 51; Pix puts its GUI in sub-field 00.
  let account: Map<string, string> | undefined;
  for (const f of fields) {
    const n = Number(f.id);
    if (n < 26 || n > 51) continue;
    const sub = fieldMap(parseTlv(f.value));
    if ((sub.get("00") ?? "").toLowerCase() === PIX_GUI) {
      account = sub;
      break;
    }
  }
  if (!account) throw new BrCodeError(`no merchant account information with GUI ${PIX_GUI}`);
  const key = account.get("01");
  const url = account.get("25");
  if (key === undefined && url === undefined)
    throw new BrCodeError("the Pix account has neither a key (01) nor a URL (25)");

  if (top.get("53") !== "986") throw new BrCodeError("currency (53) must be 986 (BRL)");
  if (top.get("58") !== "BR") throw new BrCodeError("country code (58) must be BR");
  const merchantName = top.get("59");
  const merchantCity = top.get("60");
  if (!merchantName) throw new BrCodeError("merchant name (59) is missing");
  if (!merchantCity) throw new BrCodeError("merchant city (60) is missing");

  const code: BrCode = { merchantName, merchantCity };
  if (key !== undefined) code.key = key;
  if (url !== undefined) code.url = url;
  const info = account.get("02");
  if (info !== undefined) code.info = info;
  const poi = top.get("01");
  if (poi !== undefined) code.pointOfInitiation = poi;

  const amountText = top.get("54");
  if (amountText !== undefined) {
    const cents = /^\d+(\.\d{1,2})?$/.test(amountText) ? centsFromBankString(amountText) : undefined;
    if (cents === undefined || cents <= 0) throw new BrCodeError("transaction amount (54) is not a positive amount");
    code.amountCents = cents;
  }
  const additional = top.get("62");
  if (additional !== undefined) {
    const txid = fieldMap(parseTlv(additional)).get("05");
    if (txid !== undefined && txid !== "***") code.txid = txid;
  }
  return code;
}

function tlv(id: string, value: string): string {
  if (value.length > 99) throw new RangeError(`BR Code field ${id} is longer than 99 characters`);
  return `${id}${String(value.length).padStart(2, "0")}${value}`;
}

export interface BuildBrCodeInput {
  key: string;
  amountCents?: number;
  /** Payee name, at most 25 characters (EMV limit). */
  name: string;
  /** Payee city, at most 15 characters (EMV limit). */
  city: string;
  /** Reference label, at most 25 alphanumerics; "***" when omitted. */
  txid?: string;
  info?: string;
}

/** Builds a static Pix BR Code with a valid CRC (for tests and the demo). */
export function buildBrCode(input: BuildBrCodeInput): string {
  if (input.name.length === 0 || input.name.length > 25) throw new RangeError("name must have 1 to 25 characters");
  if (input.city.length === 0 || input.city.length > 15) throw new RangeError("city must have 1 to 15 characters");
  const txid = input.txid ?? "***";
  if (txid !== "***" && !/^[A-Za-z0-9]{1,25}$/.test(txid))
    throw new RangeError("txid must be 1 to 25 letters or digits");
  const account = tlv("00", PIX_GUI) + tlv("01", input.key) + (input.info === undefined ? "" : tlv("02", input.info));
  let text =
    tlv("00", "01") +
    tlv("26", account) +
    tlv("52", "0000") +
    tlv("53", "986") +
    (input.amountCents === undefined ? "" : tlv("54", formatCents(input.amountCents))) +
    tlv("58", "BR") +
    tlv("59", input.name) +
    tlv("60", input.city) +
    tlv("62", tlv("05", txid));
  text += "6304";
  return text + crc16Ccitt(text);
}

/**
 * When a code fixes its amount (id 54), the payment must pay exactly that: another amount is refused
 * rather than sent for the bank to reject or, worse, to pay. Undefined when the amounts agree or the code
 * leaves the amount open.
 */
export function brCodeAmountConflict(code: BrCode, amountCents: number): string | undefined {
  if (code.amountCents === undefined || code.amountCents === amountCents) return undefined;
  return `must be ${formatCents(code.amountCents)}, the amount the BR Code (recipient.code) fixes`;
}
