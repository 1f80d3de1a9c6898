// `pixout webhook serve|register|show|delete`: Inter's pix-pagamento webhook (inter-api.md §5).
import { once } from "node:events";
import type { Command } from "commander";
import { loadConfig, loadWebhookReceiverSettings } from "../config.js";
import { createBank } from "../inter/bank.js";
import type { CallOptions, InterClient } from "../inter/client.js";
import { createLogger, SecretRegistry } from "../logger.js";
import { ensureReady, receiverConnection, RedisUnavailableError, safeRedisUrl } from "../queue/redis-connection.js";
import { createCallbackStore } from "../webhook/callback-store.js";
import { startWebhookReceiver } from "../webhook/receiver.js";
import { EXIT, UserError } from "./exit-codes.js";
import { nonNegativeInteger } from "./options.js";

async function withClient<T>(fn: (client: InterClient) => Promise<T>): Promise<T> {
  const { config, warnings } = loadConfig();
  const secrets = new SecretRegistry();
  const logger = createLogger({ level: config.logLevel === "info" ? "warn" : config.logLevel, name: "pixout-webhook", secrets });
  for (const warning of warnings) logger.warn(warning);
  const bank = createBank({ settings: config.inter, logger, secrets });
  try {
    return await fn(bank.client);
  } finally {
    await bank.close();
  }
}

function accountOption(flags: { account?: string }): CallOptions | undefined {
  if (flags.account === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(flags.account)) throw new UserError("--account: digits only, with the check digit and no leading zeros", EXIT.usage);
  return { account: flags.account };
}

export function registerWebhookCommand(program: Command): void {
  const webhook = program
    .command("webhook")
    .description("Inter's pix-pagamento webhook: receive its callbacks, and register, show or delete it")
    .addHelpText(
      "after",
      `
With a receiver running, Inter's callbacks finish payments as soon as the bank does, and status
queries (20 a minute at Inter) become a safety net: see README "Webhooks from Inter".

Example:
  pixout webhook serve
  pixout webhook register https://pixout.example.com:8443/inter/pix-pagamento`,
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
registered URL), REDIS_URL and PIXOUT_QUEUE (the payout queue it hands callbacks to).
Stops on SIGTERM/SIGINT.

Example (with the emulator's dev certificates):
  PIXOUT_WEBHOOK_CERT_FILE=certs/server.crt PIXOUT_WEBHOOK_KEY_FILE=certs/server.key \\
  PIXOUT_WEBHOOK_CLIENT_CA_FILE=certs/ca.crt pixout webhook serve --port 9443`,
    )
    .action(async (flags: { host?: string; port?: number }) => {
      const settings = loadWebhookReceiverSettings();
      const logger = createLogger({ level: settings.logLevel, name: "pixout-webhook" });
      const redis = receiverConnection(settings.redisUrl);
      redis.on("error", (err) => {
        logger.warn({ err: err.message, redis: safeRedisUrl(settings.redisUrl) }, "Redis connection problem; callbacks are answered 503 until it is back");
      });
      await ensureReady(redis, settings.redisUrl).catch((err: unknown) => {
        redis.disconnect();
        throw err instanceof RedisUnavailableError ? new UserError(err.message) : err;
      });
      const receiver = await startWebhookReceiver({
        host: flags.host ?? settings.host,
        port: flags.port ?? settings.port,
        path: settings.path,
        tls: settings.tls,
        clientFingerprints: settings.clientFingerprints,
        redis,
        redisPrefix: settings.redisPrefix,
        queueName: settings.queueName,
        store: createCallbackStore(redis, settings.redisPrefix, settings.queueName),
        logger,
      }).catch((err: unknown) => {
        redis.disconnect();
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE") throw new UserError(`port ${String(flags.port ?? settings.port)} is in use; choose another with --port or PIXOUT_WEBHOOK_PORT`);
        if (code === "EACCES") throw new UserError(`not allowed to listen on port ${String(flags.port ?? settings.port)}; use a port above 1023 behind a port forward`);
        throw err;
      });
      logger.info({ url: receiver.url, queue: settings.queueName, redis: safeRedisUrl(settings.redisUrl) }, "webhook receiver listening for Inter's callbacks");
      await Promise.race([once(process, "SIGTERM"), once(process, "SIGINT")]);
      await receiver.close();
      logger.info(receiver.stats(), "webhook receiver stopped");
      await redis.quit().catch(() => undefined);
      logger.flush();
    });

  webhook
    .command("register")
    .description("Register (or replace) the pix-pagamento webhook URL at Inter")
    .argument("<url>", "https:// URL Inter will POST callbacks to (exactly this URL)")
    .option("--account <number>", "x-conta-corrente (default INTER_ACCOUNT)")
    .addHelpText("after", "\nNeeds the webhook-banking.write scope on the integration.\n\nExample:\n  pixout webhook register https://pixout.example.com:8443/inter/pix-pagamento")
    .action(async (url: string, flags: { account?: string }) => {
      if (!/^https:\/\/[^\s]+$/.test(url)) throw new UserError(`the URL must start with https:// (Inter calls only HTTPS): ${url}`, EXIT.usage);
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
    .addHelpText("after", "\nExample:\n  pixout webhook delete")
    .action(async (flags: { account?: string }) => {
      const call = accountOption(flags);
      await withClient((client) => client.deleteWebhook(call));
      process.stdout.write("deleted: Inter no longer sends pix-pagamento callbacks\n");
    });
}
