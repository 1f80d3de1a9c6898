// `x-id-idempotente` on POST /banking/v2/pix (docs/reference/inter-api.md §3.1). What Inter does with a repeated key
// is UNVERIFIED; our choices (documented in docs/reference/emulator.md):
//  - same key + same body (compared as parsed JSON, keys sorted) + same account → the original
//    answer again, nothing executed;
//  - same key + different body → 409 Problema (a client bug the bank should not paper over);
//  - only successful creations are remembered; a refused request leaves the key free;
//  - keys are remembered for the emulator's lifetime, per integration;
//  - the header must match Inter's lower-case UUID pattern (anchored here: LOWER_CASE_UUID of
//    src/payments/uuid.ts, checked in pix-endpoints.ts) or the call gets a 400;
//  - the key is looked up before the body is validated (pix-endpoints.ts), so a replay is answered
//    even when its body would no longer pass.
import type { Reply } from "./problem.js";

/** JSON text with object keys sorted at every depth, so equal documents give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  // JSON.stringify gives undefined (despite its type) for undefined; a parsed body never has one.
  return value === undefined ? "null" : JSON.stringify(value);
}

interface Remembered {
  fingerprint: string;
  reply: Reply;
  codigoSolicitacao: string;
}

export type IdempotencyLookup =
  | { kind: "new" }
  | { kind: "replay"; reply: Reply; codigoSolicitacao: string }
  | { kind: "conflict"; codigoSolicitacao: string };

export class IdempotencyStore {
  #entries = new Map<string, Remembered>();

  static fingerprint(account: string, body: unknown): string {
    return `${account}\n${canonicalJson(body)}`;
  }

  lookup(scope: string, key: string, fingerprint: string): IdempotencyLookup {
    const found = this.#entries.get(`${scope}\n${key}`);
    if (!found) return { kind: "new" };
    if (found.fingerprint !== fingerprint) return { kind: "conflict", codigoSolicitacao: found.codigoSolicitacao };
    return { kind: "replay", reply: found.reply, codigoSolicitacao: found.codigoSolicitacao };
  }

  remember(scope: string, key: string, fingerprint: string, reply: Reply, codigoSolicitacao: string): void {
    this.#entries.set(`${scope}\n${key}`, { fingerprint, reply, codigoSolicitacao });
  }
}
