// Reads a JSON Lines file one line at a time (files of any size), for `pixout enqueue` and its dry run.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

export type JsonLine =
  | { line: number; bytesRead: number; value: unknown }
  | { line: number; bytesRead: number; problem: string };

/** Every non-blank line, parsed, with its 1-based number and the bytes read so far; blank lines are skipped. */
export async function* readJsonLines(file: string): AsyncGenerator<JsonLine> {
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let line = 0;
  let bytesRead = 0;
  try {
    for await (const text of lines) {
      line++;
      bytesRead += Buffer.byteLength(text) + 1;
      if (text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        yield { line, bytesRead, problem: "not valid JSON" };
        continue;
      }
      yield { line, bytesRead, value };
    }
  } finally {
    lines.close();
  }
}
