// Reading a request body with a size limit, for pixout's own servers (the emulator, the webhook
// receiver): a client that sends too much gets a 413 instead of filling our memory.
import type { IncomingMessage } from "node:http";

export class BodyTooLargeError extends Error {}

/**
 * The body as UTF-8 text. Past `maxBytes` the rest is read and dropped, then it rejects with
 * BodyTooLargeError (answer 413); past 8 × `maxBytes` the request is destroyed.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const maxDrained = 8 * maxBytes;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += Buffer.byteLength(chunk);
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      if (size > maxDrained) {
        reject(new BodyTooLargeError());
        req.destroy();
      }
    });
    req.on("end", () => {
      if (size > maxBytes) reject(new BodyTooLargeError());
      // Decoded once at the end, so a character split across chunks stays whole.
      else resolve(Buffer.concat(chunks, size).toString("utf8"));
    });
    req.on("error", reject);
  });
}
