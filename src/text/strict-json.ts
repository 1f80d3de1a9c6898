// JSON as producers and operators send it, read strictly: a key given twice in one object is refused (JSON.parse
// keeps the last one silently: `{"amount":"1.00","amount":"999999.00"}` would pay the second), and bytes that
// are not UTF-8 are refused instead of becoming U+FFFD. The duplicate check walks the text with jsonc-parser's
// scanner (Microsoft's, as used by VS Code) after JSON.parse accepted it.
import { visit } from "jsonc-parser";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** `bytes` as text, or undefined when they are not UTF-8. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The first key given twice in one object of valid JSON `text`, as a path (`recipient.key`), or undefined. */
export function duplicateKey(text: string): string | undefined {
  const seen: Set<string>[] = [];
  let found: string | undefined;
  visit(text, {
    onObjectBegin: () => {
      seen.push(new Set());
    },
    onObjectEnd: () => {
      seen.pop();
    },
    onObjectProperty: (property, _offset, _length, _line, _column, pathSupplier) => {
      const keys = seen[seen.length - 1];
      if (keys === undefined || found !== undefined) return;
      if (keys.has(property)) found = [...pathSupplier().map(String), property].join(".");
      keys.add(property);
    },
  });
  return found;
}

export type StrictJson = { ok: true; value: unknown } | { ok: false; problem: string };

/** JSON.parse, refusing a key given twice in one object. */
export function parseStrictJson(text: string): StrictJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: "not valid JSON" };
  }
  const twice = duplicateKey(text);
  if (twice !== undefined)
    return { ok: false, problem: `the key "${twice}" is given twice (which one counts is not defined): give it once` };
  return { ok: true, value };
}
