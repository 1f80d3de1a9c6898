// `pixout retry ID` / `pixout retry --failed [--since DATE] [--dry-run]`: an operator's retry, by the rules
// of src/payments/retry-rules.ts, audited on the job and in the audit stream.
import { userInfo } from "node:os";
import { Queue } from "bullmq";
import type { Command } from "commander";
import type { RedisClient } from "../../redis/connections.js";
import { loadQueueSettings } from "../../config.js";
import { bullPrefix } from "../../queue/names.js";
import { ensureReady, producerConnection } from "../../redis/connections.js";
import { retryPayment, type RetryResult } from "../../queue/producer/retry.js";
import { EXIT, UserError } from "./exit-codes.js";

interface RetryFlags {
  failed?: boolean;
  since?: string;
  dryRun?: boolean;
  newAttempt?: boolean;
  notExecuted?: boolean;
  reason?: string;
  actor?: string;
  json?: boolean;
}

function describe(r: RetryResult, dryRun: boolean): string {
  switch (r.status) {
    case "retried":
    case "would-retry":
      return `${r.paymentId}: ${dryRun ? "would retry" : "retried"} (was ${r.previousOutcome}) with ${r.newKey ? "a NEW" : "the same"} bank key ${r.idempotencyKey}`;
    case "refused":
      return `${r.paymentId}: not retried: ${r.why}`;
    case "not-found":
      return `${r.paymentId}: not found in the queue`;
  }
}

function parseSince(text: string): number {
  const at = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00-03:00` : text);
  if (Number.isNaN(at))
    throw new UserError(
      `--since must be a date (YYYY-MM-DD, São Paulo) or an ISO 8601 instant, got "${text}"`,
      EXIT.usage,
    );
  return at;
}

export function registerRetryCommand(program: Command): void {
  program
    .command("retry")
    .description("Retry a finished payment (same bank key, or a new one after a definitive bank failure)")
    .argument("[paymentId]", "the payment to retry")
    .option("--failed", "retry every failed payment (see --since)")
    .option("--since <date>", "with --failed: only those that ended since (YYYY-MM-DD in São Paulo, or an ISO instant)")
    .option("--dry-run", "say what would be retried, change nothing")
    .option(
      "--new-attempt",
      "after a definitive bank failure (CANCELADO_SEM_SALDO, REPROVADO, EXPIRADO…): pay again under a new bank key",
    )
    .option(
      "--not-executed",
      "for a parked payment you reconciled with the bank and found NOT executed: resend it (same key)",
    )
    .option("--reason <text>", "why (kept in the audit; required unless --dry-run)")
    .option("--actor <name>", "who asks (kept in the audit; default: this machine's user name)")
    .option("--json", "print JSON lines")
    .addHelpText(
      "after",
      `
Rules: a paid payment is never retried; one still in progress is left alone. A retry reuses the payment's bank
key (x-id-idempotente), so the bank answers with the payment it may already have; only a payment the bank
ended for good can be paid again, under a new key, with --new-attempt. A parked payment whose send may have
executed is resent only if the workers trust the bank's idempotency, unless you reconciled it and say
--not-executed. Every retry is audited on the job and in the Redis stream {prefix}:audit.

Examples:
  pixout retry inv-1001 --reason "certificate renewed"
  pixout retry inv-1002 --new-attempt --reason "balance topped up"
  pixout retry inv-1003 --not-executed --reason "not in the statement of 2026-11-27"
  pixout retry --failed --since 2026-11-27 --dry-run`,
    )
    .action(async (paymentId: string | undefined, flags: RetryFlags) => {
      if ((paymentId === undefined) === (flags.failed !== true))
        throw new UserError("give a paymentId, or --failed", EXIT.usage);
      if (flags.since !== undefined && flags.failed !== true)
        throw new UserError("--since goes with --failed", EXIT.usage);
      if (flags.dryRun !== true && (flags.reason === undefined || flags.reason.trim() === "")) {
        throw new UserError('a retry needs --reason "…" (it is audited); --dry-run does not', EXIT.usage);
      }
      const since = flags.since === undefined ? 0 : parseSince(flags.since);
      const settings = loadQueueSettings();
      const redis: RedisClient = producerConnection(settings.redis.target);
      const queue = new Queue(settings.queueName, { connection: redis, prefix: bullPrefix(settings.redisPrefix) });
      queue.on("error", () => undefined);
      const options = {
        actor: flags.actor ?? userInfo().username,
        dryRun: flags.dryRun === true,
        newAttempt: flags.newAttempt === true,
        notExecuted: flags.notExecuted === true,
        reason: flags.reason ?? "",
      };
      const results: RetryResult[] = [];
      const print = (r: RetryResult): void => {
        results.push(r);
        process.stdout.write(`${flags.json === true ? JSON.stringify(r) : describe(r, options.dryRun)}\n`);
      };
      try {
        await ensureReady(redis, settings.redis.target);
        if (paymentId !== undefined) {
          print(await retryPayment(queue, redis, settings.redisPrefix, paymentId, options));
        } else {
          // Page through the failed set; a retried job leaves it, so read ids first, then retry. The
          // paymentId comes from the job id (what the worker vouches for), never from the data alone.
          const ids: string[] = [];
          for (let start = 0; ; start += 500) {
            const jobs = await queue.getFailed(start, start + 499);
            for (const job of jobs) {
              const id = job.id?.startsWith("payment-") ? job.id.slice("payment-".length) : undefined;
              if ((job.finishedOn ?? 0) >= since && id !== undefined) ids.push(id);
            }
            if (jobs.length < 500) break;
          }
          for (const id of ids) {
            try {
              print(await retryPayment(queue, redis, settings.redisPrefix, id, options));
            } catch (err) {
              print({
                paymentId: id,
                status: "refused",
                why: `error: ${err instanceof Error ? err.message : String(err)}`,
              });
            }
          }
          if (flags.json !== true) {
            const done = results.filter((r) => r.status === "retried" || r.status === "would-retry").length;
            process.stdout.write(
              `${String(ids.length)} failed payment(s): ${String(done)} ${options.dryRun ? "would be retried" : "retried"}, ${String(ids.length - done)} not\n`,
            );
          }
        }
      } finally {
        await queue.close();
        redis.disconnect();
      }
      const refused = results.some((r) => r.status !== "retried" && r.status !== "would-retry");
      const broken = results.some((r) => r.status === "refused" && r.why.startsWith("error:"));
      if ((paymentId !== undefined && refused) || broken) process.exitCode = EXIT.failed;
    });
}
