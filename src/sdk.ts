// The package's public entry point (`import { createPayoutProducer } from "pixout"`): what a producer needs to
// validate, enqueue, wait for, and retry payments, and to verify the events pixout sends it. Everything else
// (settings, the bank client, logging, the worker) is internal and may change in any release. Importing this
// loads no node-forge, no undici and no OpenTelemetry (test/sdk-imports.test.ts): a producer's process
// carries only what producing needs. The emulator, for users' own tests, is `pixout/emulator`.

// Producing payments.
export {
  createPayoutProducer,
  PaymentValidationError,
  WaitTimeoutError,
  PAYOUT_JOB_OPTIONS,
} from "./queue/producer/producer.js";
export type { PayoutProducer, ProducerOptions, EnqueueResult, BulkItemResult } from "./queue/producer/producer.js";
export type { RetryOptions, RetryResult, AuditEntry } from "./queue/producer/retry.js";
export type { PaymentView, PaymentResult } from "./queue/payment-view.js";
export { jobIdFor, bullPrefix, PAYOUT_JOB_NAME } from "./queue/names.js";

// Redis: what `connection` and `replicas` take, and the errors a producer meets.
export { RedisUnavailableError, RedisNotReplicatedError, RedisSetupError } from "./redis/errors.js";
export type { RedisConnectionInput } from "./redis/connections.js";
export type { ReplicaWait } from "./redis/replicas.js";
export type { RedisTarget, RedisAddress, RedisAuth, RedisTls } from "./redis/target.js";

// The job data (the public contract; docs/payment.schema.json is its JSON Schema).
export { validatePayment, paymentSchema, PAYMENT_DATA_VERSION } from "./payments/payment.js";
export type { Payment, PaymentRules } from "./payments/payment.js";
export type { PixRecipient } from "./payments/recipient.js";
export type { Outcome } from "./payments/lifecycle.js";
export type { FieldIssue, Validated } from "./payments/field-issues.js";
export { bankIdempotencyKey } from "./payments/idempotency.js";

// Recipients encrypted at rest: PIXOUT_DATA_KEYS as the workers read it, for the producer's `dataKeys`.
export { parseDataKeys } from "./payments/recipient-crypto.js";
export type { DataKeyring, EncryptedRecipient } from "./payments/recipient-crypto.js";

// The signed events pixout sends a producer's service.
export {
  verifySignature,
  signatureHeader,
  SIGNATURE_HEADER,
  DELIVERY_ID_HEADER,
  EVENT_TYPE_HEADER,
  DEFAULT_TOLERANCE_SECONDS,
  MAX_TOLERANCE_SECONDS,
} from "./notifications/signature.js";
export type { VerifyOptions, VerifyResult } from "./notifications/signature.js";
export { createRedeliveryFilter } from "./notifications/redelivery.js";
export type { RedeliveryFilter, RedeliveryFilterOptions } from "./notifications/redelivery.js";
export { EVENT_TYPES } from "./notifications/event.js";
export type { PaymentEvent, EventType, FinalOutcome } from "./notifications/event.js";
export { FINDING_EVENT_TYPE } from "./notifications/finding-event.js";
export type { FindingEvent } from "./notifications/finding-event.js";
export { ACCOUNT_EVENT_TYPES } from "./notifications/account-event.js";
export type { AccountEvent } from "./notifications/account-event.js";
