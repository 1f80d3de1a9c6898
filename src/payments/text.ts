/** Characters as a person counts them (Unicode code points, not UTF-16 units): "ação" is 4. */
export function characterCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

// C0 controls (NUL, ESC, CR, LF, TAB…), DEL, C1 controls, and the marks, embeddings, overrides and isolates
// of bidirectional text: invisible in most places, and what terminal injection and "RLO" spoofing are made of.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
// A UTF-16 half without its other half: no character at all (JSON's \ud800 makes one).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a free text we accept cannot be kept as it is, or undefined when it can. */
export function freeTextProblem(text: string): string | undefined {
  if (LONE_SURROGATE.test(text)) return "is not valid Unicode (a lone surrogate)";
  const m = CONTROL.exec(text);
  if (m === null) return undefined;
  const code = (m[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
  return `must not contain control characters or bidirectional marks (U+${code} at character ${String(characterCount(text.slice(0, m.index)) + 1)})`;
}
