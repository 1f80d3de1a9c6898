// An amount as a Brazilian reads it on a cheque: "R$ 1.234,56" and "mil duzentos e trinta e quatro reais e
// cinquenta e seis centavos". A dry run shows both, so that 1000.00 typed for 10.00 cannot pass unseen.
// Pure, integer centavos only (docs/design.md §2.4).

const UNITS = [
  "zero",
  "um",
  "dois",
  "três",
  "quatro",
  "cinco",
  "seis",
  "sete",
  "oito",
  "nove",
  "dez",
  "onze",
  "doze",
  "treze",
  "catorze",
  "quinze",
  "dezesseis",
  "dezessete",
  "dezoito",
  "dezenove",
];
const TENS = ["", "", "vinte", "trinta", "quarenta", "cinquenta", "sessenta", "setenta", "oitenta", "noventa"];
const HUNDREDS = [
  "",
  "cento",
  "duzentos",
  "trezentos",
  "quatrocentos",
  "quinhentos",
  "seiscentos",
  "setecentos",
  "oitocentos",
  "novecentos",
];

/** 1–999 in words ("cento e vinte e três"; exactly 100 is "cem"). */
function belowThousand(n: number): string {
  if (n === 100) return "cem";
  const parts: string[] = [];
  const hundreds = Math.trunc(n / 100);
  const rest = n % 100;
  if (hundreds > 0) parts.push(HUNDREDS[hundreds] ?? "");
  if (rest > 0 && rest < 20) parts.push(UNITS[rest] ?? "");
  else if (rest >= 20) {
    parts.push(TENS[Math.trunc(rest / 10)] ?? "");
    if (rest % 10 > 0) parts.push(UNITS[rest % 10] ?? "");
  }
  return parts.join(" e ");
}

const SCALES: { singular: string; plural: string }[] = [
  { singular: "", plural: "" },
  { singular: "mil", plural: "mil" },
  { singular: "um milhão", plural: "milhões" },
  { singular: "um bilhão", plural: "bilhões" },
];

/** A whole number from 0 to 999 999 999 999 in words. */
export function numberInWords(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0 || n > 999_999_999_999)
    throw new RangeError(`cannot write ${String(n)} in words`);
  if (n === 0) return "zero";
  const groups: number[] = [];
  for (let rest = n; rest > 0; rest = Math.trunc(rest / 1000)) groups.push(rest % 1000);
  const words: { text: string; value: number }[] = [];
  for (let i = groups.length - 1; i >= 0; i--) {
    const value = groups[i] ?? 0;
    if (value === 0) continue;
    const scale = SCALES[i] ?? { singular: "", plural: "" };
    let text: string;
    if (i === 0) text = belowThousand(value);
    else if (value === 1)
      text = scale.singular; // "mil", "um milhão", "um bilhão"
    else text = `${belowThousand(value)} ${scale.plural}`;
    words.push({ text, value });
  }
  // "e" joins the last group when it is below 100 or a round hundred: "mil e cem", "dois mil e cinco",
  // but "mil duzentos e trinta".
  const last = words.at(-1);
  if (words.length > 1 && last && (last.value < 100 || last.value % 100 === 0)) {
    return `${words
      .slice(0, -1)
      .map((w) => w.text)
      .join(" ")} e ${last.text}`;
  }
  return words.map((w) => w.text).join(" ");
}

/** 123456 → "R$ 1.234,56". */
export function formatReais(cents: number): string {
  const reais = Math.trunc(cents / 100);
  const rest = String(cents % 100).padStart(2, "0");
  return `R$ ${String(reais).replace(/\B(?=(\d{3})+(?!\d))/g, ".")},${rest}`;
}

/** 123456 → "mil duzentos e trinta e quatro reais e cinquenta e seis centavos" (sums too: up to R$ 999 bilhões). */
export function amountInWords(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0 || cents >= 100_000_000_000_000)
    throw new RangeError(`cannot write ${String(cents)} centavos in words`);
  if (cents === 0) return "zero reais";
  const reais = Math.trunc(cents / 100);
  const centavos = cents % 100;
  const parts: string[] = [];
  if (reais > 0) {
    // "um milhão de reais": "de" after a bare milhão/bilhão.
    const of = reais >= 1_000_000 && reais % 1_000_000 === 0 ? " de" : "";
    parts.push(`${numberInWords(reais)}${of} ${reais === 1 ? "real" : "reais"}`);
  }
  if (centavos > 0) parts.push(`${numberInWords(centavos)} ${centavos === 1 ? "centavo" : "centavos"}`);
  return parts.join(" e ");
}
