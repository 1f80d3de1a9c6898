// `pixout webhook serve|register|show|delete|callbacks|replay`: Inter's pix-pagamento webhook
// (docs/reference/inter-api.md §5). Every call to the bank takes its token and its slot from the
// fleet's budgets in Redis, shared with the workers, so an operator's command never pushes the
// integration over Inter's limits.
import { once } from "node:events";
import type { Command } from "commander";
import { loadWebhookReceiverSettings, type Config } from "../../config.js";
import type { CallOptions, InterClient } from "../../inter/client.js";
import { createLogger } from "../../logger.js";
import { describeRedis, ensureReady, receiverConnection, RedisUnavailableError } from "../../redis/connections.js";
import { createCallbackStore } from "../../inter-callbacks/callback-store.js";
import { startWebhookReceiver } from "../../inter-callbacks/receiver.js";
import { withBankSession } from "./bank-session.js";
import { deliveryRows, describeRows, failedUnreadable, neverDelivered, type DeliveryRow } from "./callback-report.js";
import { EXIT, UserError } from "./exit-codes.js";
import { MOMENT_FORMS, parseMoment } from "./moments.js";
import { nonNegativeInteger } from "./options.js";

/** Pages of the callbacks listing read at most (50 deliveries each, 10 calls a minute). */
const MAX_PAGES = 100;

function accountOption(flags: { account?: string }): CallOptions | undefined {
  if (flags.account === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(flags.account))
    throw new UserError("--account: digits only, with the check digit and no leading zeros", EXIT.usage);
  return { account: flags.account };
}

/** --since / --until at instant `now`: [from, to], checked. */
function windowOf(flags: { since: string; until?: string }, now: number): [number, number] {
  const from = parseMoment(flags.since, now);
  if (from === undefined)
    throw new UserError(`--since: not an instant: ${flags.since}; give ${MOMENT_FORMS}`, EXIT.usage);
  if (from > now) throw new UserError(`--since is in the future: ${flags.since}`, EXIT.usage);
  const to = flags.until === undefined ? now : parseMoment(flags.until, now);
  if (to === undefined)
    throw new UserError(`--until: not an instant: ${flags.until ?? ""}; give ${MOMENT_FORMS}`, EXIT.usage);
  if (to < from) throw new UserError("--until is before --since", EXIT.usage);
  return [from, to];
}

/**
 * Every delivery Inter records in the window, page after page (each page one call of the budget). Stops at
 * the last page, an empty one, or a page that repeats the one before (a bank that ignores `pagina`).
 */
/** The webhook commands' bank client (bank-session.ts). */
function withClient<T>(fn: (client: InterClient, config: Config) => Promise<T>): Promise<T> {
  return withBankSession("pixout-webhook", (s) => fn(s.client, s.config));
}

async function readDeliveries(
  client: InterClient,
  from: number,
  to: number,
  call: CallOptions | undefined,
): Promise<{ rows: DeliveryRow[]; complete: boolean }> {
  const rows: DeliveryRow[] = [];
  let previous = "";
  for (let page = 0; page < MAX_PAGES; page++) {
    const got = await client.listCallbacks({ from, to, page, pageSize: 50 }, call);
    const seen = JSON.stringify(got.deliveries);
    if (seen === previous) return { rows, complete: true };
    previous = seen;
    rows.push(...deliveryRows(got.deliveries));
    if (got.last || got.deliveries.length === 0) return { rows, complete: true };
  }
  return { rows, complete: false };
}

export function registerWebhookCommand(program: Command): void {
  const webhook = program
    .command("webhook")
    .description(
      "Inter's pix-pagamento webhook: receive its callbacks; register, show or delete it; list and replay its deliveries",
    )
    .addHelpText(
      "after",
      `
With a receiver running, Inter's callbacks finish payments as soon as the bank does, and status
queries (20 a minute at Inter) become a safety net: see docs/operating/inter-webhooks.md. Calls to the bank
take their slots from the fleet's budgets in Redis (REDIS_URL), shared with the workers.

Example:
  pixout webhook serve
  pixout webhook register https://pixout.example.com:8443/inter/pix-pagamento
  pixout webhook callbacks --since 2h`,
    );

  webhook
    .command("serve")
    .description("Run the HTTPS receiver Inter calls (mTLS: callers must present a certificate from Inter's CA)")
    .option("--host <host>", "address to listen on (default PIXOUT_WEBHOOK_HOST, 0.0.0.0)")
    .option("--port <port>", "port (default PIXOUT_WEBHOOK_PORT, 8443)", nonNegativeInteger)
    .addHelpText(
      "after",
      `
Settings: PIXOUT_WEBHOOK_CERT_FILE and PIXOUT_WEBHOOK_KEY_FILE (the receiver's certificate, from a public
CA in production), PIXOUT_WEBHOOK_CLIENT_CA_FILE (Inter's ca.crt), PIXOUT_WEBHOOK_PATH (the path of the
registered URL; POSTs to it plus /pix-pagamento or /pix are taken too, as Inter may append one),
REDIS_URL and PIXOUT_QUEUE (the payout queue it hands callbacks to). Stops on SIGTERM/SIGINT.

Example (with the emulator's dev certificates):
  PIXOUT_WEBHOOK_CERT_FILE=certs/server.crt PIXOUT_WEBHOOK_KEY_FILE=certs/server.key \\
  PIXOUT_WEBHOOK_CLIENT_CA_FILE=certs/ca.crt pixout webhook serve --port 9443`,
    )
    .action(async (flags: { host?: string; port?: number }) => {
      const settings = loadWebhookReceiverSettings();
      const logger = createLogger({ level: settings.logLevel, name: "pixout-webhook" });
      const redis = receiverConnection(settings.redis.target);
      redis.on("error", (err: Error) => {
        logger.warn(
          { err: err.message, redis: describeRedis(settings.redis.target) },
          "Redis connection problem; callbacks are answered 503 until it is back",
        );
      });
      await ensureReady(redis, settings.redis.target).catch((err: unknown) => {
        redis.disconnect();
        throw err instanceof RedisUnavailableError ? new UserError(err.message) : err;
      });
      const receiver = await startWebhookReceiver({
        host: flags.host ?? settings.host,
        port: flags.port ?? settings.port,
        path: settings.path,
        tls: settings.tls,
        clientFingerprints: settings.clientFingerprints,
        clientSubjects: settings.clientSubjects,
        limits: { maxConnectionsPerAddress: settings.maxConnectionsPerAddress },
        redis,
        redisPrefix: settings.redisPrefix,
        queueName: settings.queueName,
        store: createCallbackStore(redis, settings.redisPrefix, settings.queueName),
        logger,
      }).catch((err: unknown) => {
        redis.disconnect();
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE")
          throw new UserError(
            `port ${String(flags.port ?? settings.port)} is in use; choose another with --port or PIXOUT_WEBHOOK_PORT`,
          );
        if (code === "EACCES")
          throw new UserError(
            `not allowed to listen on port ${String(flags.port ?? settings.port)}; use a port above 1023 behind a port forward`,
          );
        throw err;
      });
      logger.info(
        {
          url: receiver.url,
          queue: settings.queueName,
          redis: describeRedis(settings.redis.target),
          pinned: receiver.pinned,
        },
        "webhook receiver listening for Inter's callbacks",
      );
      if (receiver.pinned) {
        logger.info(
          { fingerprints: settings.clientFingerprints.length, subjects: settings.clientSubjects.length },
          "callers are pinned: their callbacks finish payments when every field agrees",
        );
      } else {
        logger.warn(
          "NOT PINNED: any certificate from PIXOUT_WEBHOOK_CLIENT_CA_FILE is accepted, so callbacks only wake the payments' status queries (the query decides). Pin Inter's certificate — its fingerprint is logged with the first callback — in PIXOUT_WEBHOOK_CLIENT_FINGERPRINTS for callbacks to finish payments",
        );
      }
      await Promise.race([once(process, "SIGTERM"), once(process, "SIGINT")]);
      await receiver.close();
      logger.info(receiver.stats(), "webhook receiver stopped");
      await redis.quit().catch(() => undefined);
      logger.flush();
    });

  webhook
    .command("register")
    .description("Register (or replace) the pix-pagamento webhook URL at Inter")
    .argument("<url>", "https:// URL Inter will POST callbacks to")
    .option("--account <number>", "x-conta-corrente (default INTER_ACCOUNT)")
    .addHelpText(
      "after",
      "\nNeeds the webhook-banking.write scope on the integration.\n\nExample:\n  pixout webhook register https://pixout.example.com:8443/inter/pix-pagamento",
    )
    .action(async (url: string, flags: { account?: string }) => {
      if (!/^https:\/\/[^\s]+$/.test(url))
        throw new UserError(`the URL must start with https:// (Inter calls only HTTPS): ${url}`, EXIT.usage);
      const call = accountOption(flags);
      await withClient((client) => client.registerWebhook(url, call));
      process.stdout.write(`registered: Inter will POST pix-pagamento callbacks to ${url}\n`);
    });

  webhook
    .command("show")
    .description("Show the registered pix-pagamento webhook URL")
    .option("--account <number>", "x-conta-corrente (default INTER_ACCOUNT)")
    .option("--json", "print one JSON object")
    .addHelpText("after", "\nExit code 1 when no webhook is registered.\n\nExample:\n  pixout webhook show --json")
    .action(async (flags: { account?: string; json?: boolean }) => {
      const call = accountOption(flags);
      const hook = await withClient((client) => client.getWebhook(call));
      if (flags.json === true) process.stdout.write(`${JSON.stringify(hook ?? null)}\n`);
      else if (hook) process.stdout.write(`webhookUrl  ${hook.webhookUrl}\ncreated     ${hook.createdAt ?? "-"}\n`);
      if (!hook) {
        if (flags.json !== true) process.stderr.write("no pix-pagamento webhook is registered\n");
        process.exitCode = EXIT.failed;
      }
    });

  webhook
    .command("delete")
    .description("Delete the pix-pagamento webhook (payments are then followed by polling only)")
    .option("--account <number>", "x-conta-corrente (default INTER_ACCOUNT)")
    .addHelpText(
      "after",
      "\nExit code 0 also when none was registered (nothing to delete).\n\nExample:\n  pixout webhook delete",
    )
    .action(async (flags: { account?: string }) => {
      const call = accountOption(flags);
      const deleted = await withClient((client) => client.deleteWebhook(call));
      process.stdout.write(
        deleted
          ? "deleted: Inter no longer sends pix-pagamento callbacks\n"
          : "nothing to delete: no pix-pagamento webhook is registered\n",
      );
    });

  webhook
    .command("callbacks")
    .description("List Inter's record of its callback deliveries in a time window (personal data left out)")
    .requiredOption("--since <time>", `start of the window: ${MOMENT_FORMS}`)
    .option("--until <time>", "end of the window (default now), same forms")
    .option("--account <number>", "x-conta-corrente (default INTER_ACCOUNT)")
    .option("--json", "print one JSON object")
    .addHelpText(
      "after",
      `
Shows each delivery Inter made (when, which attempt, delivered or not, the answer it got) and the
payments it carried (codigoSolicitacao, status, valor, endToEnd). Each page of 50 deliveries is one call
of Inter's 10 a minute. Exit code 1 when a delivery failed and its payment was never delivered.

Example:
  pixout webhook callbacks --since 2h
  pixout webhook callbacks --since 2026-12-04 --until 2026-12-05 --json`,
    )
    .action(async (flags: { since: string; until?: string; account?: string; json?: boolean }) => {
      const [from, to] = windowOf(flags, Date.now());
      const call = accountOption(flags);
      const { rows, complete } = await withClient((client) => readDeliveries(client, from, to, call));
      const missed = neverDelivered(rows);
      const unreadable = failedUnreadable(rows);
      if (flags.json === true) {
        process.stdout.write(
          `${JSON.stringify({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), complete, deliveries: rows, neverDelivered: missed, failedUnreadable: unreadable })}\n`,
        );
      } else process.stdout.write(`${describeRows(rows)}\n`);
      if (!complete)
        process.stderr.write(
          `more than ${String(MAX_PAGES * 50)} deliveries in the window: only the newest are shown; narrow --since/--until\n`,
        );
      if (unreadable > 0)
        process.stderr.write(
          `${String(unreadable)} failed deliveries carried no payment this command can read: look at them in Inter's Internet Banking\n`,
        );
      if (missed.length > 0 || unreadable > 0) process.exitCode = EXIT.failed;
    });

  webhook
    .command("replay")
    .description("Ask Inter to deliver again the callbacks it failed to deliver in a time window (production only)")
    .requiredOption("--since <time>", `start of the window: ${MOMENT_FORMS}`)
    .option("--until <time>", "end of the window (default now), same forms")
    .option("--account <number>", "x-conta-corrente (default INTER_ACCOUNT)")
    .option("--dry-run", "list the payments that would be delivered again; ask Inter for nothing")
    .addHelpText(
      "after",
      `
Reads Inter's record of its deliveries (as pixout webhook callbacks does), takes the payments whose
every delivery failed, and asks Inter to deliver them again, 50 per call (Inter allows 5 such calls a
minute, in production only: its sandbox has no re-send). A receiver should be running.

Example:
  pixout webhook replay --since 6h --dry-run
  pixout webhook replay --since 2026-12-04T08:00-03:00`,
    )
    .action(async (flags: { since: string; until?: string; account?: string; dryRun?: boolean }) => {
      const [from, to] = windowOf(flags, Date.now());
      const call = accountOption(flags);
      await withClient(async (client, config) => {
        if (flags.dryRun !== true && config.worker.budgets.callbackRetryPerMinute === 0) {
          throw new UserError(
            config.inter.environment === "sandbox"
              ? "Inter's sandbox has no callback re-send (PIXOUT_CALLBACK_RETRY_PER_MINUTE=0): it exists in production only; the payments' status queries follow them meanwhile"
              : "PIXOUT_CALLBACK_RETRY_PER_MINUTE=0 turns the callback re-send off here: set it (Inter's production allows 5 a minute) to replay",
          );
        }
        const { rows, complete } = await readDeliveries(client, from, to, call);
        const missed = neverDelivered(rows);
        if (!complete)
          process.stderr.write(
            `more than ${String(MAX_PAGES * 50)} deliveries in the window: narrow --since/--until and replay again\n`,
          );
        if (missed.length === 0) {
          process.stdout.write(
            `nothing to replay: every payment of the window was delivered (${String(rows.length)} deliveries)\n`,
          );
          return;
        }
        if (flags.dryRun === true) {
          process.stdout.write(
            `dry run: ${String(missed.length)} payment(s) would be delivered again:\n${missed.map((c) => `  ${c}`).join("\n")}\n`,
          );
          return;
        }
        let found = 0;
        let unsaid = 0;
        for (let i = 0; i < missed.length; i += 50) {
          const chunk = missed.slice(i, i + 50);
          let ids: string[] | undefined;
          try {
            ids = await client.retryCallbacks(chunk, call);
          } catch (err) {
            // Say what was asked already, then stop: the rest can be replayed again.
            process.stdout.write(
              `asked Inter to deliver again ${String(i)} of ${String(missed.length)} payment(s) before an error; replay again for the rest\n`,
            );
            throw err;
          }
          if (ids === undefined) unsaid += chunk.length;
          else found += ids.length;
        }
        const told =
          unsaid > 0
            ? `; Inter found ${String(found)} and did not say for ${String(unsaid)}`
            : `; Inter found ${String(found)}`;
        process.stdout.write(
          `asked Inter to deliver again the callbacks of ${String(missed.length)} payment(s)${told}\n`,
        );
        if (found + unsaid < missed.length) process.exitCode = EXIT.failed;
      });
    });
}
