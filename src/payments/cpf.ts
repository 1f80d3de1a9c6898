// CPF (Cadastro de Pessoas Físicas): 9 digits and 2 check digits, mod 11 (Receita Federal). Pure.

/** The two check digits of the first 9 digits of a CPF. */
export function cpfCheckDigits(base: string): string {
  const digit = (text: string): number => {
    let sum = 0;
    for (let i = 0; i < text.length; i++) sum += Number(text[i]) * (text.length + 1 - i);
    const rest = (sum * 10) % 11;
    return rest === 10 ? 0 : rest;
  };
  const first = digit(base);
  return `${String(first)}${String(digit(base + String(first)))}`;
}

/** Why `text` is not a CPF written as digits only, or undefined when it is one. */
export function cpfProblem(text: string): string | undefined {
  if (!/^\d{11}$/.test(text)) {
    return /^[\d.\s-]+$/.test(text) && text.replace(/\D/g, "").length === 11
      ? "must be the CPF's 11 digits only, without dots, dashes or spaces"
      : "must be a CPF: 11 digits";
  }
  if (/^(\d)\1{10}$/.test(text)) return "is not a valid CPF (all digits are equal)";
  if (cpfCheckDigits(text.slice(0, 9)) !== text.slice(9)) return "is not a valid CPF (its check digits do not match)";
  return undefined;
}
