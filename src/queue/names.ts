// Names in Redis. All of pixout's BullMQ keys share one hash tag, so that on Redis Cluster a queue's
// keys (and the flows between pixout's queues) live in one slot (docs/design.md §6).

/** BullMQ job name of a payout (any name is accepted from other producers). */
export const PAYOUT_JOB_NAME = "payout";

/** BullMQ key prefix for pixout's queues: `{pixout}` → keys `{pixout}:pix-payouts:…`. */
export function bullPrefix(redisPrefix: string): string {
  return `{${redisPrefix}}`;
}

/**
 * The job id of a payment: derived from its `paymentId`, so that BullMQ itself refuses a second job for
 * the same payment. (BullMQ refuses custom ids that are integers or contain ":"; the prefix makes any
 * paymentId a valid id.)
 */
export function jobIdFor(paymentId: string): string {
  return `payment-${paymentId}`;
}

/** The queue of a payout queue's outcome notifications (src/notifications/), under the same prefix. */
export function notificationQueueName(payoutQueueName: string): string {
  return `${payoutQueueName}-notifications`;
}

/** The queue of a payout queue's scheduled reconciliation runs (src/queue/worker/reconcile-scheduler.ts). */
export function reconcileQueueName(payoutQueueName: string): string {
  return `${payoutQueueName}-reconcile`;
}
