// Reading a payment's job as one snapshot: a worker may move the job (or rewrite its data) between two
// reads, so the state is read before and after the job, and the read is repeated until they agree.
import type { Job, Queue } from "bullmq";
import { paymentView, type PaymentView } from "../payment-view.js";

export interface PaymentJobSnapshot {
  job: Job;
  jobState: string;
  view: PaymentView;
}

export async function readPaymentJob(queue: Queue, jobId: string): Promise<PaymentJobSnapshot | undefined> {
  for (;;) {
    const before = await queue.getJobState(jobId);
    const job = await queue.getJob(jobId);
    if (!job) return undefined;
    const after = await job.getState();
    if (before !== after) continue;
    const view = paymentView({
      id: job.id ?? jobId,
      state: after,
      data: job.data,
      returnvalue: job.returnvalue,
      failedReason: job.failedReason,
      timestamp: job.timestamp,
      finishedOn: job.finishedOn,
    });
    return { job, jobState: after, view };
  }
}
