// Reads a JSON Lines file one line at a time (files of any size), for `pixout enqueue` and its dry run.
// Each line must be UTF-8 and strict JSON (src/text/strict-json.ts: no key given twice).
import { createReadStream } from "node:fs";
import { parseStrictJson, utf8Text } from "../../text/strict-json.js";

export type JsonLine =
  { line: number; bytesRead: number; value: unknown } | { line: number; bytesRead: number; problem: string };

/** A payment is a few hundred bytes: a line longer than this is refused unread (and never held in memory). */
export const MAX_LINE_BYTES = 1024 * 1024;

/** Every non-blank line, parsed, with its 1-based number and the bytes read so far; blank lines are skipped. */
export async function* readJsonLines(file: string): AsyncGenerator<JsonLine> {
  let line = 0;
  let bytesRead = 0;
  let pending: Buffer = Buffer.alloc(0);
  // Bytes of the current line dropped because it grew beyond MAX_LINE_BYTES.
  let dropped = 0;
  function* take(bytes: Buffer): Generator<JsonLine> {
    line++;
    bytesRead += dropped + bytes.length + 1;
    if (dropped > 0 || bytes.length > MAX_LINE_BYTES) {
      dropped = 0;
      yield { line, bytesRead, problem: `longer than ${String(MAX_LINE_BYTES / 1024 / 1024)} MiB: not a payment` };
      return;
    }
    const raw = bytes.at(-1) === 0x0d ? bytes.subarray(0, -1) : bytes;
    const text = utf8Text(line === 1 && raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? raw.subarray(3) : raw);
    if (text === undefined) {
      yield { line, bytesRead, problem: "not UTF-8 text (save the file as UTF-8)" };
      return;
    }
    if (text.trim() === "") return;
    const parsed = parseStrictJson(text);
    yield parsed.ok ? { line, bytesRead, value: parsed.value } : { line, bytesRead, problem: parsed.problem };
  }
  for await (const chunk of createReadStream(file)) {
    pending = pending.length === 0 ? (chunk as Buffer) : Buffer.concat([pending, chunk as Buffer]);
    let start = 0;
    for (let nl = pending.indexOf(0x0a, start); nl >= 0; nl = pending.indexOf(0x0a, start)) {
      yield* take(pending.subarray(start, nl));
      start = nl + 1;
    }
    pending = pending.subarray(start);
    if (pending.length > MAX_LINE_BYTES) {
      dropped += pending.length;
      pending = Buffer.alloc(0);
    }
  }
  if (pending.length > 0 || dropped > 0) yield* take(pending);
}
