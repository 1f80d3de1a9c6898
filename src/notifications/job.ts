// A notification job in the `<payout queue>-notifications` queue: the destination, the event (sent
// byte-for-byte the same on every attempt) and the record of each attempt.
import { z } from "zod";
import { EVENT_TYPES, type PaymentEvent } from "./event.js";
import { FINDING_EVENT_TYPE, type FindingEvent } from "./finding-event.js";
import { ACCOUNT_EVENT_TYPES, type AccountEvent } from "./account-event.js";

/** Attempts kept in the job's data; older ones drop off (the job's log keeps NOTIFY_KEEP_LOGS lines). */
export const MAX_RECORDED_ATTEMPTS = 50;
export const NOTIFY_KEEP_LOGS = 100;
/** How long finished notification jobs are kept, in seconds: 7 days delivered, 30 days given up. */
export const KEEP_DELIVERED_SECONDS = 7 * 86_400;
export const KEEP_FAILED_SECONDS = 30 * 86_400;

export interface AttemptRecord {
  /** 1 for the first attempt. */
  attempt: number;
  /** When the attempt started (ISO 8601). */
  at: string;
  durationMs: number;
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** Why the attempt failed without an answer (timeout, connection refused or reset…). */
  error?: string;
  delivered: boolean;
}

export interface NotificationJobData {
  url: string;
  /** A payment's outcome, a reconciliation's finding, or an account's hold or resume. */
  event: PaymentEvent | FindingEvent | AccountEvent;
  attempts: AttemptRecord[];
}

const nullableText = z.string().nullable();
const outcomes = Object.keys(EVENT_TYPES) as [keyof typeof EVENT_TYPES, ...(keyof typeof EVENT_TYPES)[]];
const types = Object.values(EVENT_TYPES) as [PaymentEvent["type"], ...PaymentEvent["type"][]];

const findingEventSchema = z.object({
  id: z.string().min(1),
  type: z.literal(FINDING_EVENT_TYPE),
  kind: z.string(),
  paymentId: nullableText,
  debitIds: z.array(z.string()),
  candidateIds: z.array(z.string()),
  amount: nullableText,
  detail: z.string(),
  window: z.object({ from: z.string(), to: z.string() }),
  occurredAt: z.string(),
  createdAt: z.string(),
});

const accountEventSchema = z.object({
  id: z.string().min(1),
  type: z.enum([ACCOUNT_EVENT_TYPES.held, ACCOUNT_EVENT_TYPES.resumed]),
  account: z.string(),
  holdId: z.string(),
  since: z.string(),
  reason: z.string(),
  by: z.string(),
  amount: nullableText,
  heldPayments: z.number().nullable(),
  occurredAt: z.string(),
  createdAt: z.string(),
});

export const notificationJobSchema = z.object({
  url: z.string().min(1),
  event: z.union([
    findingEventSchema,
    accountEventSchema,
    z.object({
      id: z.string().min(1),
      type: z.enum(types),
      paymentId: z.string(),
      outcome: z.enum(outcomes),
      generation: z.number().int().nonnegative(),
      bankStatus: nullableText,
      codigoSolicitacao: nullableText,
      endToEndId: nullableText,
      amount: nullableText,
      paidAt: nullableText,
      reason: nullableText,
      occurredAt: z.string(),
      createdAt: z.string(),
    }),
  ]),
  attempts: z
    .array(
      z.object({
        attempt: z.number(),
        at: z.string(),
        durationMs: z.number(),
        status: z.number().optional(),
        error: z.string().optional(),
        delivered: z.boolean(),
      }),
    )
    .default([]),
}) satisfies z.ZodType<NotificationJobData>;
