// A person's or company's tax id, as bank data carries it (`cpfCnpj`, docs/reference/inter-api.md §3.2): a CPF (11
// digits) or a CNPJ (14 characters, alphanumeric since July 2026), digits only, check digits valid. Pure.
import { cnpjProblem } from "./cnpj.js";
import { cpfProblem } from "./cpf.js";

/** Why `text` is not a valid CPF or CNPJ without punctuation, or undefined when it is one. */
export function documentProblem(text: string): string | undefined {
  const compact = text.replace(/[.\s/-]/g, "");
  if (compact.length === 11 && /^\d+$/.test(compact)) return cpfProblem(text);
  if (compact.length === 14) return cnpjProblem(text);
  return "must be a CPF (11 digits) or a CNPJ (14 characters), without dots, dashes or slashes";
}
