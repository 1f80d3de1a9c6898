import { describe, expect, it } from "vitest";
import {
  maskBrCode,
  maskDocument,
  maskEmail,
  maskName,
  maskPhone,
  maskPixKey,
  maskText,
  scrubBankText,
} from "../../src/payments/mask.js";

describe("masking", () => {
  it("masks a CPF as Inter shows it and hides most of a CNPJ", () => {
    expect(maskDocument("12345678909")).toBe("***.456.789-**");
    expect(maskDocument("123.456.789-09")).toBe("***.456.789-**");
    expect(maskDocument("11222333000181")).toBe("11.***.***/****-81");
  });

  it("masks each Pix key type so that the full value never survives", () => {
    const keys = [
      "fornecedor@example.com",
      "+5511987654321",
      "12345678909",
      "11222333000181",
      "123e4567-e89b-42d3-a456-426614174000",
    ];
    for (const key of keys) {
      const masked = maskPixKey(key);
      expect(masked).not.toBe(key);
      expect(masked).not.toContain(key.slice(2, -2));
    }
    expect(maskEmail("fornecedor@example.com")).toBe("f***@e***.com");
    expect(maskPhone("+5511987654321")).toBe("+5511*******21");
    expect(maskPixKey("123e4567-e89b-42d3-a456-426614174000")).toBe("123e****-****-****-****-********4000");
  });

  it("keeps only initials of names, and the start of a BR Code", () => {
    expect(maskName("Maria  da Silva")).toBe("M*** d*** S***");
    expect(maskBrCode("00020126580014br.gov.bcb.pix0136123e4567")).toBe("000201…(40 chars)");
  });

  it("masks short text completely", () => {
    expect(maskText("abc")).toBe("***");
    expect(maskText("1234567")).toBe("12***67");
  });

  it("masks the bank's free text: documents, contacts, the payment's own values, and what reads like a name", () => {
    const text = scrubBankText(
      "Conta encerrada de Maria da Silva CPF 12345678909, contato maria@example.com +5511987654321",
      ["chave-secreta"],
    );
    for (const raw of ["Maria", "Silva", "12345678909", "maria@example.com", "987654321"])
      expect(text).not.toContain(raw);
    expect(text).toContain("Conta encerrada de M*** da S***");
    // The bank's own terms, and single capitalised words, are left alone; known values are masked anywhere.
    expect(scrubBankText("Chave Pix não encontrada no Banco Inter")).toBe("Chave Pix não encontrada no Banco Inter");
    expect(scrubBankText("Saldo insuficiente")).toBe("Saldo insuficiente");
    expect(scrubBankText("chave-secreta inválida", ["chave-secreta"])).not.toContain("chave-secreta");
    expect(scrubBankText("Favorecido José Álvares não localizado")).toBe("Favorecido J*** Á*** não localizado");
  });
});
