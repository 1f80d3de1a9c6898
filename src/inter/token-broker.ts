// Picks the token for an operation. The configured scope set (INTER_SCOPES, by default the two
// pagamento-pix scopes) serves every operation it covers with one shared token; an operation outside it
// (webhook registration) gets a token of its own scope set, asked for only when first needed.
import { createTokenProvider, type TokenProvider, type TokenProviderOptions } from "./token-provider.js";
import type { TokenStore } from "./token-store.js";

export interface TokenBroker {
  providerFor(required: readonly string[]): TokenProvider;
  close(): void;
}

export interface TokenBrokerOptions extends Omit<TokenProviderOptions, "scopes" | "store"> {
  scopes: readonly string[];
  /** The fleet cache for a scope set; omit for a per-process cache. */
  storeFor?: (scopes: readonly string[]) => TokenStore;
}

export function createTokenBroker(options: TokenBrokerOptions): TokenBroker {
  const providers = new Map<string, TokenProvider>();
  const make = (scopes: readonly string[]): TokenProvider => {
    const id = [...scopes].sort().join(" ");
    let provider = providers.get(id);
    if (!provider) {
      const store = options.storeFor?.(scopes);
      provider = createTokenProvider({ ...options, scopes, ...(store ? { store } : {}) });
      providers.set(id, provider);
    }
    return provider;
  };
  const main = make(options.scopes);
  return {
    providerFor(required) {
      return required.every((s) => options.scopes.includes(s)) ? main : make(required);
    },
    close() {
      for (const provider of providers.values()) provider.close();
    },
  };
}
