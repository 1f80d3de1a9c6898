// `pixout/emulator`: the local Banco Inter for users' own tests, as stripe-mock is for Stripe. It speaks Inter's
// API over mTLS, so it needs certificates: `startDevEmulator(dir)` makes a development set in `dir` (when
// missing) and returns the settings a pixout worker needs to talk to it; `startEmulator` takes certificates of
// your own (`generateDevCertificateSet` makes them in memory). Faults, limits, balances and the clock are the
// options and knobs docs/reference/emulator.md describes. This entry loads node-forge (certificates) and the
// emulator's server: import it from tests, never from a producer (that is `pixout`).

export { startEmulator } from "./emulator.js";
export type { Emulator, EmulatorOptions, EmulatorTiming, OutOfBandDebit } from "./emulator.js";
export { startDevEmulator } from "../cli/commands/dev-emulator.js";
export type { DevEmulator } from "../cli/commands/dev-emulator.js";

// The integration it knows, and how it behaves.
export { DEV_INTEGRATION } from "./integration.js";
export type { Integration } from "./integration.js";
export { INTER_PRODUCTION_LIMITS, INTER_SANDBOX_LIMITS } from "./rate-limits.js";
export type { EmulatorLimits } from "./rate-limits.js";
export { parseFaultRule, FaultSpecError } from "./fault-spec.js";
export type { Fault, FaultRule } from "./faults.js";

// What its knobs return and throw.
export type { LedgerSnapshot } from "./ledger.js";
export type { EmulatedPaymentView } from "./payment-views.js";
export type { EmulatedStatementEntry } from "./statement-views.js";
export { InsufficientBalanceError } from "./balances.js";
export type { AccountBalance } from "./balances.js";
export { PaymentNotFoundError } from "./payment-book.js";
export { TransitionError } from "./payment-state.js";

// Certificates for it (development only: a CA, the server, a client, and the identity its callbacks present).
export {
  generateDevCertificateSet,
  writeDevCertificates,
  devCertPaths,
  DEV_CERT_FILES,
  issueCertificate,
  toPfx,
} from "../tls/dev-certs.js";
export type { DevCertificateSet, DevCertPaths, KeyPairPem, CertificateSpec } from "../tls/dev-certs.js";
