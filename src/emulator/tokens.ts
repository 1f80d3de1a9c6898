// Bearer tokens issued by the emulator's /oauth/v2/token. In memory, per emulator instance. (The bank
// side of tokens: unrelated to the client's TokenStore in src/inter/token-store.ts.)
import { randomUUID } from "node:crypto";

export interface IssuedToken {
  clientId: string;
  scopes: ReadonlySet<string>;
  expiresAt: number;
}

export class IssuedTokens {
  #tokens = new Map<string, IssuedToken>();

  issue(clientId: string, scopes: string[], now: number, ttlSeconds: number): { token: string; issued: IssuedToken } {
    // Inter documents a token only as a string (docs/reference/inter-api.md §2.2): a UUID is our choice.
    const token = randomUUID();
    const issued: IssuedToken = { clientId, scopes: new Set(scopes), expiresAt: now + ttlSeconds * 1000 };
    this.#tokens.set(token, issued);
    return { token, issued };
  }

  /** The token's grant, or undefined when unknown, revoked or expired. */
  lookup(token: string, now: number): IssuedToken | undefined {
    const issued = this.#tokens.get(token);
    if (!issued) return undefined;
    if (issued.expiresAt <= now) {
      this.#tokens.delete(token);
      return undefined;
    }
    return issued;
  }

  /** Every issued token stops working (tests a client's refresh-once on 401). */
  revokeAll(): void {
    this.#tokens = new Map();
  }
}
