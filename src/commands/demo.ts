// `pixout demo`: the emulator and one payment sent through the real client, followed until final.
// (The queue-based demo with many payments replaces this with the payment pipeline.)
import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "commander";
import { loadConfig } from "../config.js";
import { createBank } from "../inter/bank.js";
import { createLogger, SecretRegistry } from "../logger.js";
import { classifyStatus } from "../payments/bank-status.js";
import { bankIdempotencyKey } from "../payments/idempotency.js";
import { formatCents } from "../payments/money.js";
import { maskPixKey } from "../payments/mask.js";
import { DEFAULT_DEV_CERT_DIR } from "./certs.js";
import { startDevEmulator } from "./dev-emulator.js";
import { UserError } from "./exit-codes.js";

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("Start the emulator and pay one Pix through the Inter client, following it until it is final")
    .option("--certs <dir>", "dev certificates (made when missing)", DEFAULT_DEV_CERT_DIR)
    .action(async (flags: { certs: string }) => {
      const out = (line: string): void => {
        process.stdout.write(`${line}\n`);
      };
      const started = Date.now();
      const { emulator, clientEnv } = await startDevEmulator(flags.certs, { timing: { sentAfterMs: 200, paidAfterMs: 600 } });
      const secrets = new SecretRegistry();
      const logger = createLogger({ level: "warn", secrets });
      const { config } = loadConfig(clientEnv);
      const bank = createBank({ settings: config.inter, logger, secrets });
      try {
        out(`Emulator at ${emulator.url}; client certificate ${config.inter.certificate.subject}`);
        const paymentId = `demo-${String(started)}`;
        const key = "fornecedor@example.com";
        const amountCents = 1050;
        const idempotencyKey = bankIdempotencyKey(paymentId);
        const sent = await bank.client.sendPix(
          { amountCents, description: "Reembolso demo", recipient: { type: "key", key } },
          idempotencyKey,
        );
        out(`Sent R$ ${formatCents(amountCents)} to ${maskPixKey(key)} (x-id-idempotente ${idempotencyKey})`);
        out(`  tipoRetorno ${sent.tipoRetorno}, codigoSolicitacao ${sent.codigoSolicitacao}`);
        let last = "";
        for (let i = 0; i < 100; i++) {
          const status = await bank.client.getPix(sent.codigoSolicitacao);
          if (status.status !== last) {
            out(`  status ${status.status}${status.endToEndId ? ` (endToEnd ${status.endToEndId})` : ""}`);
            last = status.status;
          }
          const cls = classifyStatus(status.status);
          if (cls === "success") {
            const ledger = emulator.ledger.snapshot();
            out(`Paid in ${String(Date.now() - started)} ms. Emulator saw ${String(ledger.tokens.calls)} token call(s) and ${String(ledger.executions.total)} execution(s).`);
            return;
          }
          if (cls === "failure") throw new UserError(`the payment ended ${status.status}`);
          await sleep(200);
        }
        throw new UserError(`the payment was still ${last} after 100 status queries`);
      } finally {
        await bank.close();
        await emulator.close();
      }
    });
}
