// What a bank call's error says to the payment rules (src/payments/lifecycle.ts), and whether Redis failed
// under it (the fleet's token cache): then the infrastructure's problem, not the payment's.
import { InterError, TokenCacheError } from "../../inter/errors.js";
import type { ErrorFacts } from "../../payments/lifecycle.js";
import { isRedisError } from "../../redis/errors.js";

export function errorFacts(err: unknown): ErrorFacts {
  if (err instanceof InterError) {
    return {
      code: err.code,
      message: err.message,
      retryable: err.retryable,
      ambiguous: err.ambiguous,
      operation: err.operation,
      ...(err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs }),
    };
  }
  // Not the bank client's error: a bug or an infrastructure failure of ours in the middle of a call that
  // may have gone out. Treat it as the worst case: ambiguous, and worth another try.
  return {
    code: "PIXOUT_INTERNAL",
    message: err instanceof Error ? err.message : String(err),
    retryable: true,
    ambiguous: true,
  };
}

/**
 * The Redis error behind `err` — itself, or the cause (or its cause) of an error raised over it: the bank
 * client's, when the fleet's token cache failed under a call — if any.
 */
export function redisErrorIn(err: unknown): Error | undefined {
  let at: unknown = err;
  for (let depth = 0; depth < 4 && at instanceof Error; depth++) {
    if (isRedisError(at)) return at;
    at = at instanceof TokenCacheError ? at.storeError : (at as { cause?: unknown }).cause;
  }
  return undefined;
}
