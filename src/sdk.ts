// The package's public entry point (`import { createPayoutProducer } from "pixout"`): what producers and
// integrators use. Everything else is internal.
export {
  createPayoutProducer,
  PaymentValidationError,
  WaitTimeoutError,
  PAYOUT_JOB_OPTIONS,
} from "./queue/producer/producer.js";
export type { PayoutProducer, ProducerOptions, EnqueueResult, BulkItemResult } from "./queue/producer/producer.js";
export type { PaymentView, PaymentResult } from "./queue/payment-view.js";
export { jobIdFor, bullPrefix, PAYOUT_JOB_NAME } from "./queue/names.js";
export { RedisUnavailableError, RedisNotReplicatedError, RedisSetupError } from "./redis/errors.js";
export type { RedisTarget, RedisAddress, RedisAuth, RedisTls } from "./redis/target.js";
export { validatePayment, paymentSchema, PAYMENT_DATA_VERSION } from "./payments/payment.js";
export type { Payment } from "./payments/payment.js";
export type { Outcome } from "./payments/lifecycle.js";
export type { FieldIssue } from "./payments/field-issues.js";
export { bankIdempotencyKey } from "./payments/idempotency.js";
export { loadConfig, ConfigError } from "./config.js";
export { createBank } from "./inter/bank.js";
export type { InterClient, SentPix, PixStatus } from "./inter/client.js";
export * from "./inter/errors.js";
export { createLogger, SecretRegistry } from "./logger.js";
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
export type { PaymentEvent, EventType, FinalOutcome } from "./notifications/event.js";
export type { FindingEvent } from "./notifications/finding-event.js";
