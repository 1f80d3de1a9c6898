// Every validation rule of POST /banking/v2/pix (docs/reference/inter-api.md §3.2), on the pure validator.
import { describe, expect, it } from "vitest";
import { validatePixRequest, type PixValidation } from "../../src/emulator/validation.js";
import { pixKeyType } from "../../src/emulator/pix-key.js";
import { buildBrCode } from "../../src/payments/brcode.js";
import { ACCOUNT_TYPES } from "../../src/payments/recipient.js";
import { matching } from "./matchers.js";

// The validator's clock: São Paulo's date is a parameter (`today`), so these dates never age.
const today = "2024-05-10";
const options = { today, acceptStringValor: true };
const key = { tipo: "CHAVE", chave: "fornecedor@example.com" };
const bank = {
  tipo: "DADOS_BANCARIOS",
  contaCorrente: "1234567",
  tipoConta: "CONTA_CORRENTE",
  cpfCnpj: "12345678909",
  agencia: "0001",
  nome: "Maria Souza",
  instituicaoFinanceira: { ispb: "60701190" },
};

function violations(result: PixValidation): { propriedade?: string; razao: string }[] {
  if (result.ok || result.kind !== "invalid") throw new Error(`expected violations, got ${JSON.stringify(result)}`);
  return result.violacoes;
}
function props(result: PixValidation): (string | undefined)[] {
  return violations(result).map((v) => v.propriedade);
}
function ok(body: unknown) {
  const r = validatePixRequest(body, options);
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

describe("valor", () => {
  it("is required, with Inter's own message", () => {
    expect(violations(validatePixRequest({ destinatario: key }, options))).toEqual([
      { razao: "O valor não pode ser nulo", propriedade: "valor", valor: "null" },
    ]);
    expect(props(validatePixRequest({ valor: null, destinatario: key }, options))).toEqual(["valor"]);
  });

  it("becomes exact centavos from numbers and numeric strings", () => {
    expect(ok({ valor: 10.5, destinatario: key }).amountCents).toBe(1050);
    expect(ok({ valor: 0.01, destinatario: key }).amountCents).toBe(1);
    expect(ok({ valor: 1234.56, destinatario: key }).amountCents).toBe(123456);
    expect(ok({ valor: "10.00", destinatario: key }).amountCents).toBe(1000);
  });

  it("must be positive, numeric and have at most two decimals", () => {
    for (const valor of [0, -1, "0.00", "-5.00"]) {
      expect(violations(validatePixRequest({ valor, destinatario: key }, options))[0]?.razao).toMatch(/maior que zero/);
    }
    for (const valor of [10.555, "1.001", 0.1 + 0.2]) {
      expect(violations(validatePixRequest({ valor, destinatario: key }, options))[0]?.razao).toMatch(/duas casas/);
    }
    for (const valor of ["abc", "1e3", true, { v: 1 }, [1]]) {
      expect(violations(validatePixRequest({ valor, destinatario: key }, options))[0]?.razao).toMatch(/numérico/);
    }
    expect(violations(validatePixRequest({ valor: 1e13, destinatario: key }, options))[0]?.razao).toMatch(/máximo/);
  });

  it("as a string can be refused when configured", () => {
    const r = validatePixRequest({ valor: "10.00", destinatario: key }, { today, acceptStringValor: false });
    expect(violations(r)[0]?.razao).toMatch(/numérico/);
  });
});

describe("dataPagamento and descricao", () => {
  it("dataPagamento defaults to today, must be a real date and not in the past", () => {
    expect(ok({ valor: 1, destinatario: key }).dataPagamento).toBe(today);
    expect(ok({ valor: 1, destinatario: key, dataPagamento: "2024-06-01" }).dataPagamento).toBe("2024-06-01");
    expect(props(validatePixRequest({ valor: 1, destinatario: key, dataPagamento: "2024-05-09" }, options))).toEqual([
      "dataPagamento",
    ]);
    expect(props(validatePixRequest({ valor: 1, destinatario: key, dataPagamento: "10/05/2024" }, options))).toEqual([
      "dataPagamento",
    ]);
    expect(props(validatePixRequest({ valor: 1, destinatario: key, dataPagamento: "2024-02-30" }, options))).toEqual([
      "dataPagamento",
    ]);
  });

  it("descricao allows 140 characters, not 141", () => {
    expect(ok({ valor: 1, destinatario: key, descricao: "é".repeat(140) }).descricao).toHaveLength(140);
    expect(props(validatePixRequest({ valor: 1, destinatario: key, descricao: "x".repeat(141) }, options))).toEqual([
      "descricao",
    ]);
    expect(props(validatePixRequest({ valor: 1, destinatario: key, descricao: 5 }, options))).toEqual(["descricao"]);
  });
});

describe("destinatario", () => {
  it("is required and its tipo must be one of the three", () => {
    expect(props(validatePixRequest({ valor: 1 }, options))).toEqual(["destinatario"]);
    expect(props(validatePixRequest({ valor: 1, destinatario: {} }, options))).toEqual(["destinatario.tipo"]);
    // The official Java SDK's bug (docs/reference/inter-api.md §3.2): BANK_DETAILS is not a tipo.
    expect(props(validatePixRequest({ valor: 1, destinatario: { ...bank, tipo: "BANK_DETAILS" } }, options))).toEqual([
      "destinatario.tipo",
    ]);
  });

  it("CHAVE accepts e-mail, CPF, CNPJ, mobile phone and EVP keys, and nothing else", () => {
    for (const chave of [
      "a.b+c@example.com.br",
      "12345678909",
      "12345678000195",
      "12ABC34501DE35",
      "+5511987654321",
      "123e4567-e89b-42d3-a456-426614174000",
      "123E4567-E89B-42D3-A456-426614174000",
    ]) {
      expect(ok({ valor: 1, destinatario: { tipo: "CHAVE", chave } }).destinatario).toMatchObject({
        tipo: "CHAVE",
        chave,
      });
    }
    const invalid = [
      "123.456.789-09",
      "5511987654321",
      "+551187654321",
      "not-a-key",
      "1234567890",
      "",
      "12.ABC.345/01DE-35", // punctuation
      "12abc34501de35", // letters are upper case
      "12ABC34501DE3A", // the two check characters are digits
      "12ABC34501DE3", // 13 characters
    ];
    for (const chave of invalid) {
      expect(props(validatePixRequest({ valor: 1, destinatario: { tipo: "CHAVE", chave } }, options))).toEqual([
        "destinatario.chave",
      ]);
    }
    expect(props(validatePixRequest({ valor: 1, destinatario: { tipo: "CHAVE" } }, options))).toEqual([
      "destinatario.chave",
    ]);
  });

  it("tells CPF, alphanumeric CNPJ, phone, EVP and e-mail keys apart", () => {
    expect(pixKeyType("12345678909")).toBe("CPF");
    expect(pixKeyType("12345678000195")).toBe("CNPJ");
    expect(pixKeyType("12ABC34501DE35")).toBe("CNPJ");
    expect(pixKeyType("ABCDEFGHIJKL00")).toBe("CNPJ");
    expect(pixKeyType("+5511987654321")).toBe("TELEFONE");
    expect(pixKeyType("123E4567-E89B-42D3-A456-426614174000")).toBe("EVP");
    expect(pixKeyType("a@example.com")).toBe("EMAIL");
  });

  it("DADOS_BANCARIOS: the document is a CPF or a CNPJ, alphanumeric included; account and branch are digits only", () => {
    for (const cpfCnpj of ["12345678909", "12345678000195", "12ABC34501DE35"]) {
      expect(ok({ valor: 1, destinatario: { ...bank, cpfCnpj } }).destinatario).toMatchObject({ cpfCnpj });
    }
    for (const cpfCnpj of ["12abc34501de35", "12ABC34501DE3X", "123456789", "123.456.789-09", "12.ABC.345/01DE-35"]) {
      expect(
        violations(validatePixRequest({ valor: 1, destinatario: { ...bank, cpfCnpj } }, options)),
        cpfCnpj,
      ).toEqual([
        {
          propriedade: "destinatario.cpfCnpj",
          razao: matching(/CPF \(11 dígitos\).*CNPJ \(14 caracteres/),
          valor: cpfCnpj,
        },
      ]);
    }
    const letters = violations(
      validatePixRequest({ valor: 1, destinatario: { ...bank, contaCorrente: "12345-6", agencia: "0001X" } }, options),
    );
    expect(letters.map((v) => v.propriedade)).toEqual(["destinatario.contaCorrente", "destinatario.agencia"]);
    expect(letters[0]?.razao).toMatch(/dígito verificador, que pode ser X, sem hífen/);
    expect(letters[1]?.razao).toMatch(/apenas dígitos.*sem hífen nem letras/);
    expect(ok({ valor: 1, destinatario: { ...bank, contaCorrente: "12345X" } }).destinatario).toMatchObject({
      contaCorrente: "12345X",
    });
    expect(
      props(validatePixRequest({ valor: 1, destinatario: { ...bank, contaCorrente: "1".repeat(21) } }, options)),
    ).toEqual(["destinatario.contaCorrente"]);
    expect(
      props(validatePixRequest({ valor: 1, destinatario: { ...bank, agencia: "1".repeat(11) } }, options)),
    ).toEqual(["destinatario.agencia"]);
  });

  it("DADOS_BANCARIOS needs every field, a known tipoConta and an 8-digit ISPB", () => {
    expect(ok({ valor: 1, destinatario: bank }).destinatario).toMatchObject({
      tipo: "DADOS_BANCARIOS",
      ispb: "60701190",
    });
    expect(props(validatePixRequest({ valor: 1, destinatario: { tipo: "DADOS_BANCARIOS" } }, options))).toEqual([
      "destinatario.contaCorrente",
      "destinatario.agencia",
      "destinatario.cpfCnpj",
      "destinatario.nome",
      "destinatario.tipoConta",
      "destinatario.instituicaoFinanceira",
    ]);
    expect(props(validatePixRequest({ valor: 1, destinatario: { ...bank, tipoConta: "CORRENTE" } }, options))).toEqual([
      "destinatario.tipoConta",
    ]);
    expect(
      props(
        validatePixRequest({ valor: 1, destinatario: { ...bank, instituicaoFinanceira: { ispb: "1234" } } }, options),
      ),
    ).toEqual(["destinatario.instituicaoFinanceira.ispb"]);
    expect(props(validatePixRequest({ valor: 1, destinatario: { ...bank, cpfCnpj: "123" } }, options))).toEqual([
      "destinatario.cpfCnpj",
    ]);
    // docs/reference/inter-api.md §3.2
    expect(ACCOUNT_TYPES).toEqual(["CONTA_CORRENTE", "CONTA_POUPANCA", "CONTA_SALARIO", "CONTA_PAGAMENTO"]);
    for (const tipoConta of ACCOUNT_TYPES) {
      expect(ok({ valor: 1, destinatario: { ...bank, tipoConta } }).destinatario).toMatchObject({ tipoConta });
    }
    expect(
      violations(validatePixRequest({ valor: 1, destinatario: { ...bank, tipoConta: "conta_corrente" } }, options))[0]
        ?.razao,
    ).toBe(`O tipo de conta deve ser um de ${ACCOUNT_TYPES.join(", ")}`);
  });

  it("PIX_COPIA_E_COLA needs the code; an unprocessable code is a 422, not a 400", () => {
    const code = buildBrCode({ key: "loja@example.com", name: "Loja", city: "SAO PAULO" });
    expect(
      ok({ valor: 1, destinatario: { tipo: "PIX_COPIA_E_COLA", pixCopiaECola: code } }).destinatario,
    ).toMatchObject({
      tipo: "PIX_COPIA_E_COLA",
      brCode: { key: "loja@example.com", merchantName: "Loja" },
    });
    expect(props(validatePixRequest({ valor: 1, destinatario: { tipo: "PIX_COPIA_E_COLA" } }, options))).toEqual([
      "destinatario.pixCopiaECola",
    ]);
    const broken = validatePixRequest(
      { valor: 1, destinatario: { tipo: "PIX_COPIA_E_COLA", pixCopiaECola: code.slice(0, -1) + "0" } },
      options,
    );
    expect(broken).toMatchObject({ ok: false, kind: "unprocessable", title: "Não foi possível processar o QR Code" });
  });

  it("a code with a fixed amount refuses another valor (our assumption)", () => {
    const code = buildBrCode({ key: "loja@example.com", amountCents: 2500, name: "Loja", city: "SAO PAULO" });
    expect(ok({ valor: 25, destinatario: { tipo: "PIX_COPIA_E_COLA", pixCopiaECola: code } }).amountCents).toBe(2500);
    expect(
      validatePixRequest({ valor: 24.99, destinatario: { tipo: "PIX_COPIA_E_COLA", pixCopiaECola: code } }, options),
    ).toMatchObject({
      ok: false,
      kind: "unprocessable",
    });
  });
});

it("lists every problem of a body at once", () => {
  const r = validatePixRequest(
    { valor: 1.234, dataPagamento: "2000-01-01", descricao: "x".repeat(200), destinatario: { tipo: "X" } },
    options,
  );
  expect(props(r)).toEqual(["valor", "dataPagamento", "descricao", "destinatario.tipo"]);
  expect(props(validatePixRequest([1, 2], options))).toEqual(["body"]);
});
