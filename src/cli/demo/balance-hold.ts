// The demo's second part: a payroll larger than its account's balance. 30 payments of R$ 10.00 from an
// account holding R$ 100.00: the fleet pays 10 and holds the other 20 instead of failing them; a top-up of
// R$ 200.00 is seen at the next balance check and every payment is paid, each executed once at the bank
// (docs/operating/balance.md).
import { setTimeout as sleep } from "node:timers/promises";
import type { Config } from "../../config.js";
import type { Emulator } from "../../emulator/emulator.js";
import { formatCents } from "../../payments/money.js";
import { createAccountHolds } from "../../queue/account-holds.js";
import type { PayoutProducer } from "../../queue/producer/producer.js";
import { ensureReady, producerConnection } from "../../redis/connections.js";

/** The demo's payroll account, and what it holds before the top-up. */
export const PAYROLL_ACCOUNT = "87654321";
export const PAYROLL_BALANCE_CENTS = 100_00;
const PAYMENTS = 30;
const TOP_UP_CENTS = 200_00;

type Say = (line: string) => void;

export async function demoBalanceHold(
  config: Config,
  emulator: Emulator,
  producer: PayoutProducer,
  say: Say,
  elapsed: () => string,
  timeoutMs: number,
): Promise<boolean> {
  const ids = Array.from({ length: PAYMENTS }, (_, i) => `payroll-${String(i + 1).padStart(2, "0")}`);
  const redis = producerConnection(config.redis.target);
  const holds = createAccountHolds(redis, config.redisPrefix, config.queueName);
  const deadline = Date.now() + timeoutMs;
  const outcomes = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const id of ids) {
      const o = (await producer.get(id))?.outcome ?? "missing";
      out[o] = (out[o] ?? 0) + 1;
    }
    return out;
  };
  try {
    await ensureReady(redis, config.redis.target);
    say("");
    say(
      `Payroll: ${String(PAYMENTS)} payments of R$ 10.00 from account ${PAYROLL_ACCOUNT}, which holds R$ ${formatCents(PAYROLL_BALANCE_CENTS)}`,
    );
    await producer.enqueueMany(
      ids.map((id) => ({
        paymentId: id,
        amount: "10.00",
        account: PAYROLL_ACCOUNT,
        recipient: { type: "key", key: `${id}@example.com` },
        description: "Folha de pagamento",
      })),
    );
    let seen: Record<string, number> = {};
    for (;;) {
      const hold = await holds.read(PAYROLL_ACCOUNT);
      seen = await outcomes();
      if (hold !== undefined && hold.heldPayments + (seen["paid"] ?? 0) === PAYMENTS) {
        say(
          `${elapsed()} account ${PAYROLL_ACCOUNT} HELD (${hold.reason}): ${String(seen["paid"] ?? 0)} paid, ${String(hold.heldPayments)} waiting (R$ ${formatCents(hold.heldCents)}), ${String(seen["failed"] ?? 0)} failed`,
        );
        break;
      }
      if (Date.now() > deadline) {
        say(`gave up waiting for the hold: ${JSON.stringify(seen)}`);
        return false;
      }
      await sleep(200);
    }
    const heldOk = (seen["paid"] ?? 0) === 10 && (seen["failed"] ?? 0) === 0;
    const reads = (): number => emulator.ledger.snapshot().requests["GET /banking/v2/saldo"]?.total ?? 0;
    const readsBefore = reads();
    emulator.topUp(TOP_UP_CENTS, PAYROLL_ACCOUNT);
    say(`${elapsed()} topped up R$ ${formatCents(TOP_UP_CENTS)}; the workers read the balance on their next check`);
    for (;;) {
      seen = await outcomes();
      if ((seen["paid"] ?? 0) === PAYMENTS) break;
      if (Date.now() > deadline) {
        say(`gave up waiting for the payroll: ${JSON.stringify(seen)}`);
        return false;
      }
      await sleep(200);
    }
    const ledger = emulator.ledger.snapshot();
    const debits = emulator.statement(PAYROLL_ACCOUNT).filter((e) => e.tipoOperacao === "D");
    const once = new Set(debits.map((d) => d.codigoSolicitacao)).size === PAYMENTS && debits.length === PAYMENTS;
    say(
      `${elapsed()} resumed after ${String(reads() - readsBefore)} balance check(s): ${String(PAYMENTS)} paid, 0 failed; ${String(debits.length)} debits, one per payment; ` +
        `${String(ledger.payments.byStatus["CANCELADO_SEM_SALDO"] ?? 0)} sends the bank refused for balance were sent again under new keys; balance now R$ ${formatCents(emulator.balance(PAYROLL_ACCOUNT).balanceCents)}`,
    );
    return heldOk && once && ledger.executions.keysExecutedMoreThanOnce === 0;
  } finally {
    redis.disconnect();
  }
}
