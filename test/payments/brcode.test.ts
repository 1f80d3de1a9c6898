import { describe, expect, it } from "vitest";
import { buildBrCode, crc16Ccitt, parseBrCode, parseTlv, PIX_GUI } from "../../src/payments/brcode.js";
import { matching } from "../emulator/matchers.js";

// Bacen's own example of a static BR Code ("Manual de Padrões para Iniciação do Pix", annex).
const BACEN_EXAMPLE =
  "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D";

describe("CRC16-CCITT", () => {
  it("matches the standard check value and Bacen's example", () => {
    // CRC-16/CCITT-FALSE check value for "123456789".
    expect(crc16Ccitt("123456789")).toBe("29B1");
    expect(crc16Ccitt(BACEN_EXAMPLE.slice(0, -4))).toBe("1D3D");
  });
});

describe("parseTlv", () => {
  it("splits id/length/value fields and refuses truncated ones", () => {
    expect(parseTlv("0002010103abc")).toEqual([
      { id: "00", value: "01" },
      { id: "01", value: "abc" },
    ]);
    expect(() => parseTlv("0005ab")).toThrow(/truncated/);
    expect(() => parseTlv("0x02ab")).toThrow(/malformed/);
  });
});

describe("parseBrCode", () => {
  it("reads Bacen's example", () => {
    const r = parseBrCode(BACEN_EXAMPLE);
    expect(r).toEqual({
      ok: true,
      value: { key: "123e4567-e12b-12d1-a456-426655440000", merchantName: "Fulano de Tal", merchantCity: "BRASILIA" },
    });
  });

  it("refuses a wrong CRC, a missing Pix GUI, a bad currency and garbage", () => {
    expect(parseBrCode(BACEN_EXAMPLE.slice(0, -4) + "0000")).toMatchObject({ ok: false, reason: matching(/CRC/) });
    const otherGui = buildBrCode({ key: "a@b.co", name: "X", city: "Y" }).replace(PIX_GUI, "br.gov.bcb.xyz");
    const fixed = otherGui.slice(0, -4) + crc16Ccitt(otherGui.slice(0, -4));
    expect(parseBrCode(fixed)).toMatchObject({ ok: false, reason: matching(/GUI/) });
    const usd = buildBrCode({ key: "a@b.co", name: "X", city: "Y" }).replace("5303986", "5303840");
    expect(parseBrCode(usd.slice(0, -4) + crc16Ccitt(usd.slice(0, -4)))).toMatchObject({
      ok: false,
      reason: matching(/986/),
    });
    expect(parseBrCode("not a qr code")).toMatchObject({ ok: false });
    expect(parseBrCode("")).toMatchObject({ ok: false });
  });
});

describe("buildBrCode", () => {
  it("round-trips key, amount, name, city and txid", () => {
    const code = buildBrCode({
      key: "+5511987654321",
      amountCents: 1050,
      name: "Loja Exemplo",
      city: "SAO PAULO",
      txid: "PEDIDO42",
    });
    expect(code.startsWith("000201")).toBe(true);
    expect(code).toContain("540510.50");
    expect(parseBrCode(code)).toEqual({
      ok: true,
      value: {
        key: "+5511987654321",
        amountCents: 1050,
        merchantName: "Loja Exemplo",
        merchantCity: "SAO PAULO",
        txid: "PEDIDO42",
      },
    });
  });

  it("reproduces Bacen's example byte for byte", () => {
    expect(buildBrCode({ key: "123e4567-e12b-12d1-a456-426655440000", name: "Fulano de Tal", city: "BRASILIA" })).toBe(
      BACEN_EXAMPLE,
    );
  });

  it("refuses names and cities longer than EMV allows", () => {
    expect(() => buildBrCode({ key: "k", name: "x".repeat(26), city: "C" })).toThrow(RangeError);
    expect(() => buildBrCode({ key: "k", name: "N", city: "x".repeat(16) })).toThrow(RangeError);
  });
});
