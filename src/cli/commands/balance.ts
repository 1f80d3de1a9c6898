// `pixout balance` (the bank's balance of each paying account, and the fleet's holds) and `pixout resume`
// (lift an account's hold at once). docs/operating/balance.md.
import { userInfo } from "node:os";
import type { Command } from "commander";
import { loadNotifySettings } from "../../config.js";
import type { Balance } from "../../inter/statement.js";
import { createLogger } from "../../logger.js";
import { accountEvent } from "../../notifications/account-event.js";
import { createNotifier } from "../../notifications/notifier.js";
import { spendableCents } from "../../payments/balance-hold.js";
import { formatCents } from "../../payments/money.js";
import { freeTextProblem } from "../../payments/text.js";
import { createAccountHolds, type AccountHold } from "../../queue/account-holds.js";
import { createBalanceGuard } from "../../queue/worker/balance-guard.js";
import { DEFAULT_ACCOUNT_KEY } from "../../queue/worker/processor.js";
import { resumeAccount } from "../../queue/producer/resume-account.js";
import { withBankSession } from "./bank-session.js";
import { EXIT, UserError } from "./exit-codes.js";
import { withQueueRedis } from "./queue-redis.js";

const ACCOUNT = /^\d{1,20}$/;

function accountFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!ACCOUNT.test(value))
    throw new UserError(
      `--account must be the checking account's digits (as INTER_ACCOUNT), got "${value}"`,
      EXIT.usage,
    );
  return value;
}

export interface AccountReport {
  account: string;
  balance: {
    available: string | null;
    blocked: string;
    limit: string | null;
    spendable: string | null;
    date: string | null;
  } | null;
  error: string | null;
  hold: {
    since: string;
    reason: string;
    source: string;
    heldPayments: number;
    heldAmount: string;
    oldestAmount: string | null;
    checks: number;
    nextCheckAt: string;
    lastCheckAt: string | null;
    lastCheckError: string | null;
  } | null;
  guardEstimate: { amount: string; readAt: string } | null;
}

function holdView(h: AccountHold): NonNullable<AccountReport["hold"]> {
  return {
    since: new Date(h.since).toISOString(),
    reason: h.reason,
    source: h.source,
    heldPayments: h.heldPayments,
    heldAmount: formatCents(h.heldCents),
    oldestAmount: h.oldestCents === undefined ? null : formatCents(h.oldestCents),
    checks: h.checks,
    nextCheckAt: new Date(h.nextCheckAt).toISOString(),
    lastCheckAt: h.lastCheckAt === undefined ? null : new Date(h.lastCheckAt).toISOString(),
    lastCheckError: h.lastCheckError ?? null,
  };
}

function money(cents: number | undefined): string | null {
  return cents === undefined ? null : formatCents(cents);
}

export function describeAccount(r: AccountReport): string {
  const lines = [`account ${r.account}`];
  if (r.balance) {
    lines.push(
      `  available        ${r.balance.available ?? "(not given)"}${r.balance.date === null ? "" : ` (${r.balance.date})`}`,
    );
    lines.push(`  blocked          ${r.balance.blocked}`);
    lines.push(`  overdraft limit  ${r.balance.limit ?? "(not given)"}`);
    lines.push(`  to pay with      ${r.balance.spendable ?? "(unknown)"}`);
  }
  if (r.error !== null) lines.push(`  balance          could not be read: ${r.error}`);
  if (r.guardEstimate)
    lines.push(
      `  guard estimate   ${r.guardEstimate.amount} (balance read ${r.guardEstimate.readAt}, less the sends reserved since)`,
    );
  if (r.hold) {
    const h = r.hold;
    lines.push(`  HELD since       ${h.since}: ${h.reason}`);
    lines.push(
      `  waiting          ${String(h.heldPayments)} payment(s), ${h.heldAmount} in all; the oldest needs ${h.oldestAmount ?? "-"}`,
    );
    lines.push(
      `  next check       ${h.nextCheckAt} (${String(h.checks)} so far${h.lastCheckError === null ? "" : `; last: ${h.lastCheckError}`})`,
    );
    lines.push(`  resume now       pixout resume --account ${r.account} --reason "…"`);
  } else {
    lines.push("  not held");
  }
  return lines.join("\n");
}

function balanceView(b: Balance, countLimit: boolean): NonNullable<AccountReport["balance"]> {
  return {
    available: money(b.availableCents),
    blocked: formatCents(b.blockedCents),
    limit: money(b.limitCents),
    spendable: money(spendableCents(b, { countLimit })),
    date: b.referenceDate ?? null,
  };
}

export function registerBalanceCommands(program: Command): void {
  program
    .command("balance")
    .description("Show the bank's balance of the paying accounts, and which the fleet holds for insufficient balance")
    .option("--account <digits>", "only this paying account (default: INTER_ACCOUNT and every held account)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Reads GET /banking/v2/saldo (scope extrato.read; through the fleet's balance budget, 10 a minute) for each
account, and the fleet's holds from Redis. A held account sends nothing until its balance covers the oldest
waiting payment (the workers check on a backoff), or until "pixout resume --account A".

Examples:
  pixout balance
  pixout balance --account 12345678 --json`,
    )
    .action(async (flags: { account?: string; json?: boolean }) => {
      const only = accountFlag(flags.account);
      const reports = await withBankSession("balance", async ({ client, config, redis }) => {
        const holds = createAccountHolds(redis, config.redisPrefix, config.queueName);
        const held = await holds.list();
        const accounts =
          only !== undefined
            ? [only]
            : [...new Set([config.inter.account ?? DEFAULT_ACCOUNT_KEY, ...held.map((h) => h.account)])];
        const guardAge = config.worker.balance.guardMaxAgeMs;
        const guard =
          guardAge === undefined
            ? undefined
            : createBalanceGuard(redis, config.redisPrefix, config.queueName, guardAge);
        const out: AccountReport[] = [];
        for (const account of accounts) {
          let balance: AccountReport["balance"] = null;
          let error: string | null = null;
          try {
            balance = balanceView(
              await client.getBalance(undefined, account === DEFAULT_ACCOUNT_KEY ? {} : { account }),
              config.worker.balance.policy.countLimit,
            );
          } catch (err) {
            error = err instanceof Error ? err.message : String(err);
          }
          const hold =
            held.find((h) => h.account === account) ?? (only === undefined ? undefined : await holds.read(account));
          const estimate = guard === undefined ? undefined : await guard.estimate(account);
          out.push({
            account,
            balance,
            error,
            hold: hold === undefined ? null : holdView(hold),
            guardEstimate:
              estimate === undefined
                ? null
                : { amount: formatCents(estimate.cents), readAt: new Date(estimate.readAt).toISOString() },
          });
        }
        return out;
      });
      process.stdout.write(
        flags.json === true
          ? `${JSON.stringify({ accounts: reports }, null, 2)}\n`
          : `${reports.map(describeAccount).join("\n\n")}\n`,
      );
      if (reports.some((r) => r.error !== null)) process.exitCode = EXIT.failed;
    });

  program
    .command("resume")
    .description("Lift the fleet's hold of a paying account now: its held payments are sent again")
    .requiredOption(
      "--account <digits>",
      `the held account (as \`pixout balance\` shows it; "${DEFAULT_ACCOUNT_KEY}" for the integration's only account)`,
    )
    .option("--reason <text>", "why (logged and sent in the account.resumed event)", "resumed by an operator")
    .option("--actor <name>", "who resumes (default: this machine's user name)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
The workers lift a hold by themselves once the balance covers the oldest held payment; resume at once after a
top-up, or to let the bank decide. A payment the bank ends again for insufficient balance holds the account again.

Example:
  pixout resume --account 12345678 --reason "topped up R$ 5,000.00"`,
    )
    .action(async (flags: { account: string; reason: string; actor?: string; json?: boolean }) => {
      const account =
        flags.account === DEFAULT_ACCOUNT_KEY
          ? DEFAULT_ACCOUNT_KEY
          : (accountFlag(flags.account) ?? DEFAULT_ACCOUNT_KEY);
      const actor = flags.actor ?? userInfo().username;
      for (const [what, text] of [
        ["reason", flags.reason],
        ["actor", actor],
      ] as const) {
        const problem = freeTextProblem(text);
        if (problem !== undefined) throw new UserError(`the ${what} ${problem}`, EXIT.usage);
      }
      const notify = loadNotifySettings();
      const result = await withQueueRedis(async (redis, queue, settings) => {
        const logger = createLogger({ level: "warn", name: "resume" });
        const notifier = createNotifier({
          connection: redis,
          redisPrefix: settings.redisPrefix,
          queueName: settings.queueName,
          settings: notify,
          logger,
        });
        try {
          return await resumeAccount(
            createAccountHolds(redis, settings.redisPrefix, settings.queueName),
            queue,
            account,
            {
              by: actor,
              reason: flags.reason,
              onResumed: (facts) => notifier.notifyAccount(accountEvent(facts)),
              logger,
            },
          );
        } finally {
          await notifier.close();
        }
      });
      if (flags.json === true) process.stdout.write(`${JSON.stringify({ account, ...result })}\n`);
      else if (result.resumed)
        process.stdout.write(
          `account ${account} resumed: ${String(result.waiting)} held payment(s) woken (${String(result.woken)} at once, the rest on their next look)\n`,
        );
      else process.stdout.write(`account ${account} is not held: nothing to resume\n`);
      if (!result.resumed) process.exitCode = EXIT.failed;
    });
}
