// The bank-side idempotency key (docs/design.md §2.1): derived from the caller's paymentId and an attempt
// generation, so it is identical on every retry, crash recovery and redelivery. Generation 0 is the
// payment's first attempt; only an explicit operator action after a definitive bank failure moves it on.
import { v5 as uuidv5 } from "uuid";

/** pixout's UUIDv5 namespace (a fixed random UUID; changing it would re-key every payment). */
export const PIXOUT_NAMESPACE = "5b0c3f64-2a8e-4d0f-9a57-6f1c7d2e9b41";

export function bankIdempotencyKey(paymentId: string, generation = 0): string {
  if (!Number.isSafeInteger(generation) || generation < 0) {
    throw new RangeError(`generation must be a non-negative integer (got ${String(generation)})`);
  }
  // uuid's v5 is lower-case, as Inter's x-id-idempotente pattern asks (docs/reference/inter-api.md §3.1).
  return uuidv5(`pixout:payment:${paymentId}:${String(generation)}`, PIXOUT_NAMESPACE);
}
