// The payment's state as the worker keeps it in its job's data (`state`): one schema, every field the worker
// writes, and the type inferred from it. Reading a state back is lenient on purpose (a foreign producer or
// an older pixout may have written the job): src/queue/job-data.ts checks only the fields the worker's
// decisions rest on and keeps the others as written. Pure.
import { z } from "zod";

/** One of the bank's error details, as its answer gives it. */
export const bankErrorDetailSchema = z.object({
  codigoErro: z.string().optional(),
  descricaoErro: z.string().optional(),
  codigoErroComplementar: z.string().optional(),
});
export type BankErrorDetail = z.infer<typeof bankErrorDetailSchema>;

/** One of the bank's status changes of the payment. */
export const historyEntrySchema = z.object({ status: z.string(), at: z.string().optional() });
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/** How a parked payment was resolved (src/queue/producer/resolve.ts). */
export const resolvedSchema = z.object({
  outcome: z.enum(["paid", "failed"]),
  /** Epoch ms. */
  at: z.number(),
  /** `reconciliation` or the operator's name. */
  by: z.string(),
  reason: z.string(),
  /** The statement entry that proves it paid (its idTransacao), when one does. */
  debitId: z.string().optional(),
  codigoSolicitacao: z.string().optional(),
  endToEndId: z.string().optional(),
  /** São Paulo date of the debit. */
  date: z.string().optional(),
});
export type Resolved = z.infer<typeof resolvedSchema>;

/**
 * Lives in the job's data (`state`), updated before every wait: every field as the worker writes it. It states the
 * shape and gives the type; it is not how a stored state is read back. A stored state may come from an older
 * pixout or another producer, so readJobData (src/queue/job-data.ts) checks only the fields the rules depend on
 * and keeps the rest as written: parsing a stored state with this schema would refuse states accepted today and
 * drop the fields a newer pixout wrote.
 */
export const writtenStateSchema = z.object({
  /**
   * The claim this job's first run took on the payment's record (src/queue/worker/fenced-store.ts): a state is
   * trusted only when its claim is the record's. Never written by a producer.
   */
  claim: z.string().min(1).max(64).optional(),
  step: z.enum(["submit", "poll"]),
  /** Bank-key generation: 0 for the first attempt; only an operator's new attempt moves it on. */
  generation: z.number().int().nonnegative(),
  /** Failed tries of the current step. */
  attempts: z.number().int().nonnegative(),
  /** A send of this generation may have reached the bank. */
  maybeExecuted: z.boolean(),
  codigoSolicitacao: z.string().min(1).optional(),
  tipoRetorno: z.string().optional(),
  submittedAt: z.number().optional(),
  polls: z.number().int().nonnegative(),
  bankStatus: z.string().optional(),
  bankErrors: z.array(bankErrorDetailSchema).optional(),
  history: z.array(historyEntrySchema).optional(),
  endToEndId: z.string().optional(),
  /** When we first saw AGUARDANDO_APROVACAO. */
  approvalSince: z.number().optional(),
  lastError: z.object({ code: z.string(), message: z.string(), at: z.number() }).optional(),
  /** When the bank moved the money, as Inter writes it (`dataHoraMovimento`). */
  paidAt: z.string().optional(),
  /** A budget slot this payment holds (epoch ms): it waits for it instead of asking again. */
  slot: z.object({ budget: z.enum(["send", "status"]), at: z.number() }).optional(),
  /**
   * Set (and saved) right before a send, cleared when its answer is handled: found set when a job is
   * picked up again, it means a worker died with the send in flight — it may have executed.
   */
  sendInFlight: z.number().optional(),
  /**
   * This generation's codigoSolicitacao answered its first send, with no earlier send of the key in doubt:
   * the bank ending that payment proves the key paid nothing. Absent (a resend after a send that may have
   * executed, or a state older than this field), only the bank's idempotency would say so, and the payment
   * is never moved to a new key on the bank's word alone (src/payments/balance-hold.ts).
   */
  answeredWithoutDoubt: z.boolean().optional(),
  /** `dataPagamento` of the first send (or null for none), reused by every resend so the body never changes. */
  paymentDate: z.string().nullable().optional(),
  /** Since when the payment has been waiting for a configuration fix. */
  configWaitSince: z.number().optional(),
  /** Since when the bank has answered 503 (maintenance, outside its operating window) to this payment's calls. */
  unavailableSince: z.number().optional(),
  /** Since when the bank has been processing it (after submission, or after its approval). */
  progressSince: z.number().optional(),
  /** When this generation was first sent: resends under its key stop after the resend window. */
  firstSendAt: z.number().optional(),
  /** How many of Inter's callbacks for this codigoSolicitacao the worker has read (new ones wake it). */
  callbacksSeen: z.number().optional(),
  /** Since when a low-priority poll (a payment long stuck, or awaiting approval) has given way to others. */
  gaveWaySince: z.number().optional(),
  /** Why the payment waits now, and until when (epoch ms): shown by `pixout status` and the dashboard. */
  waitingFor: z.object({ why: z.string(), until: z.number() }).optional(),
  /** Set when the payment finished, with why. */
  outcome: z.enum(["paid", "failed", "rejected", "blocked", "needs-reconciliation"]).optional(),
  reason: z.string().optional(),
  /**
   * Waiting for its paying account's balance (src/payments/balance-hold.ts): the account, since when, and
   * the id of the fleet's hold it joined (a different current id means that hold was lifted).
   */
  held: z.object({ account: z.string(), since: z.number(), id: z.string().optional() }).optional(),
  /**
   * When it began to wait for its account's balance, kept across resumes and a new generation until a send
   * of it is accepted: the maximum hold counts from it.
   */
  firstHeldAt: z.number().optional(),
  /** Earlier generations the bank ended for insufficient balance (kept as history, newest last). */
  endedForBalance: z
    .array(
      z.object({
        generation: z.number(),
        codigoSolicitacao: z.string().optional(),
        bankStatus: z.string(),
        at: z.number(),
      }),
    )
    .optional(),
  /**
   * A parked payment resolved against the bank's statement (by reconciliation or an operator): its
   * outcome from then on. The parked state above is kept as it was, as history.
   */
  resolution: resolvedSchema.optional(),
});
export type PaymentState = z.infer<typeof writtenStateSchema>;
