// A pipeline whose payments reach every state the overview shows, through the real worker and the emulator:
// two paid, one failed (the bank ends it FALHA), one parked (the bank knows its key with other content: 409),
// one awaiting approval (never decided), and the integration's account held for insufficient balance with
// one payment waiting.
import { expect } from "vitest";
import { createAccountHolds } from "../../src/queue/account-holds.js";
import { clearOfSaoPauloMidnight } from "./sao-paulo-day.js";
import { startPipeline, type TestPipeline } from "./pipeline.js";
import { until } from "./until.js";

export const SEEDED = {
  paid: ["ov-paid-1", "ov-paid-2"],
  paidCents: 1_234_56 + 10_00,
  failed: "ov-failed",
  parked: "ov-parked",
  approval: "ov-approval",
  held: "ov-held",
} as const;

const payment = (paymentId: string, amount: string) => ({
  paymentId,
  amount,
  description: paymentId,
  recipient: { type: "key" as const, key: "fornecedor.overview@example.com" },
});

export async function seededPipeline(): Promise<TestPipeline> {
  // The overview counts São Paulo's day on the real clock: the seeded run and the tests reading it (a few
  // minutes at most) stay on one day. A CI run at 23:55 in São Paulo once split them over two.
  await clearOfSaoPauloMidnight(8 * 60_000);
  const p = await startPipeline({
    emulator: { approval: { autoDecision: "none" } },
    env: {
      INTER_SCOPES: "pagamento-pix.write pagamento-pix.read extrato.read",
      PIXOUT_BALANCE_CHECK_SECONDS: "600",
      PIXOUT_APPROVAL_POLL_MS: "100",
    },
  });
  const { emulator, producer } = p;
  const fault = (paymentId: string, f: Parameters<typeof emulator.faults.add>[0]["fault"]): void => {
    emulator.faults.add({ method: "POST", path: "/banking/v2/pix", bodyIncludes: paymentId, times: 1, fault: f });
  };
  fault(SEEDED.failed, { type: "final-status", status: "FALHA" });
  fault(SEEDED.parked, { type: "status", status: 409 });
  emulator.faults.add({
    method: "POST",
    path: "/banking/v2/pix",
    bodyIncludes: SEEDED.approval,
    fault: { type: "approval-required" },
  });
  await producer.enqueue(payment("ov-paid-1", "1234.56"));
  await producer.enqueue(payment("ov-paid-2", "10.00"));
  await producer.enqueue(payment(SEEDED.failed, "20.00"));
  await producer.enqueue(payment(SEEDED.parked, "30.00"));
  await producer.enqueue(payment(SEEDED.approval, "40.00"));
  for (const id of SEEDED.paid) expect((await producer.waitForResult(id, { timeoutMs: 15_000 })).outcome).toBe("paid");
  expect((await producer.waitForResult(SEEDED.failed, { timeoutMs: 15_000 })).outcome).toBe("failed");
  expect((await producer.waitForResult(SEEDED.parked, { timeoutMs: 15_000 })).outcome).toBe("needs-reconciliation");
  await until("the payment awaiting approval", async () =>
    (await producer.get(SEEDED.approval))?.bankStatus === "AGUARDANDO_APROVACAO" ? true : undefined,
  );
  // What is left cannot pay R$ 500: the bank cancels it for lack of balance and the account is held.
  emulator.setBalance(100_00);
  await producer.enqueue(payment(SEEDED.held, "500.00"));
  const holds = createAccountHolds(p.redis, p.config.redisPrefix, p.config.queueName);
  await until("the account held", async () => ((await holds.list())[0]?.heldPayments === 1 ? true : undefined));
  return p;
}
