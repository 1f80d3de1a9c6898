// Amounts written out as on a Brazilian cheque, for dry runs.
import { describe, expect, it } from "vitest";
import { amountInWords, formatReais, numberInWords } from "../../src/payments/amount-words.js";

describe("amounts written out", () => {
  it("writes numbers the Portuguese way: cem/cento, 'e' between hundreds, tens and units, mil without um", () => {
    const cases: [number, string][] = [
      [1, "um"],
      [15, "quinze"],
      [21, "vinte e um"],
      [100, "cem"],
      [101, "cento e um"],
      [123, "cento e vinte e três"],
      [1000, "mil"],
      [1001, "mil e um"],
      [1100, "mil e cem"],
      [1234, "mil duzentos e trinta e quatro"],
      [2005, "dois mil e cinco"],
      [100_000, "cem mil"],
      [1_000_000, "um milhão"],
      [1_001_000, "um milhão e mil"],
      [2_500_000, "dois milhões e quinhentos mil"],
      [1_234_567, "um milhão duzentos e trinta e quatro mil quinhentos e sessenta e sete"],
      [3_000_000_000, "três bilhões"],
    ];
    for (const [n, words] of cases) expect(numberInWords(n), String(n)).toBe(words);
  });

  it("writes amounts in reais and centavos, singular and plural, with 'de' after a round million", () => {
    expect(amountInWords(1050)).toBe("dez reais e cinquenta centavos");
    expect(amountInWords(100)).toBe("um real");
    expect(amountInWords(1)).toBe("um centavo");
    expect(amountInWords(99)).toBe("noventa e nove centavos");
    expect(amountInWords(123_456)).toBe("mil duzentos e trinta e quatro reais e cinquenta e seis centavos");
    expect(amountInWords(100_000_000)).toBe("um milhão de reais");
    expect(amountInWords(200_000_050)).toBe("dois milhões de reais e cinquenta centavos");
    expect(amountInWords(100_100_000)).toBe("um milhão e mil reais");
    expect(amountInWords(0)).toBe("zero reais");
    expect(() => amountInWords(-1)).toThrow(RangeError);
    expect(() => amountInWords(10.5)).toThrow(RangeError);
  });

  it("formats reais with Brazilian separators", () => {
    expect(formatReais(1050)).toBe("R$ 10,50");
    expect(formatReais(5)).toBe("R$ 0,05");
    expect(formatReais(123_456_789)).toBe("R$ 1.234.567,89");
    expect(formatReais(999_999_999_999)).toBe("R$ 9.999.999.999,99");
  });
});
