// `pixout approvals`: payments waiting for a human approval in Inter's internet banking, oldest first, with
// the moment pixout stops waiting for each (PIXOUT_APPROVAL_DEADLINE_MINUTES) — so someone approves them
// in time.
import type { Command } from "commander";
import { formatCents } from "../../payments/money.js";
import { approvalRow, createApprovals } from "../../queue/approvals.js";
import { withQueueRedis } from "./queue-redis.js";

export function registerApprovalsCommand(program: Command): void {
  program
    .command("approvals")
    .description("List payments waiting for approval in Inter's internet banking (amount, since, deadline)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
An account set to require approval makes each payment wait (AGUARDANDO_APROVACAO) until someone approves it in
Inter's internet banking or app. pixout follows each one until its deadline, then parks it for a human.

Example:
  pixout approvals --json`,
    )
    .action(async (flags: { json?: boolean }) => {
      const { rows, totals } = await withQueueRedis(async (redis, _queue, settings) => {
        const approvals = createApprovals(redis, settings.redisPrefix, settings.queueName);
        return { rows: (await approvals.list()).map(approvalRow), totals: await approvals.totals() };
      });
      if (flags.json === true) {
        process.stdout.write(
          `${JSON.stringify({ count: totals.count, amount: formatCents(totals.cents), payments: rows }, null, 2)}\n`,
        );
        return;
      }
      if (rows.length === 0) {
        process.stdout.write("no payment is waiting for approval\n");
        return;
      }
      for (const r of rows) {
        process.stdout.write(
          `${r.paymentId}  ${r.amount}  waiting since ${r.since}  deadline ${r.deadline}${r.account === null ? "" : `  account ${r.account}`}\n`,
        );
      }
      process.stdout.write(
        `${String(totals.count)} payment(s), ${formatCents(totals.cents)} in all: approve them in Inter's internet banking before their deadline\n`,
      );
    });
}
