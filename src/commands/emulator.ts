// `pixout emulator`: the local Banco Inter (docs/emulator.md).
import { writeFile } from "node:fs/promises";
import { once } from "node:events";
import type { Command } from "commander";
import { loadQueueSettings } from "../config.js";
import { parseFaultRule } from "../emulator/fault-spec.js";
import { createLogger } from "../logger.js";
import { DEFAULT_DEV_CERT_DIR } from "./certs.js";
import { startDevEmulator } from "./dev-emulator.js";
import { UserError } from "./exit-codes.js";
import { amountInCents, collect, nonNegativeInteger, positiveInteger, positiveNumber } from "./options.js";

interface EmulatorFlags {
  host: string;
  port: number;
  certs: string;
  tokenTtl: number;
  limits: boolean;
  limitScale: number;
  balance?: number;
  approval: boolean;
  approvalDecision: "approve" | "reject" | "none";
  approvalAfterMs: number;
  sentAfterMs: number;
  paidAfterMs: number;
  fault: string[];
  seed: number;
  idempotency: boolean;
  writeEnv?: string;
  sandbox: boolean;
}

export function registerEmulatorCommand(program: Command): void {
  program
    .command("emulator")
    .description("Run the local Banco Inter emulator (mTLS, Inter's paths, statuses, limits and errors)")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port (0 picks a free one)", nonNegativeInteger, 8443)
    .option("--certs <dir>", "dev certificates (made when missing)", DEFAULT_DEV_CERT_DIR)
    .option("--token-ttl <seconds>", "expires_in of issued tokens", positiveInteger, 3600)
    .option("--sandbox", "behave as Inter's sandbox: its published limits (10 sends and 10 status queries a minute) and no callback re-send", false)
    .option("--no-limits", "turn Inter's rate limits off")
    .option("--limit-scale <factor>", "multiply every rate limit (e.g. 10 for fast benchmarks)", positiveNumber, 1)
    .option("--balance <amount>", "account balance, e.g. 1000.00 (payments above it end CANCELADO_SEM_SALDO)", amountInCents)
    .option("--approval", "every payment needs approval (tipoRetorno APROVACAO)", false)
    .option("--approval-decision <decision>", "what the emulated approver does: approve, reject or none", "approve")
    .option("--approval-after-ms <ms>", "when the approver decides", nonNegativeInteger, 2000)
    .option("--sent-after-ms <ms>", "time from creation to ENVIADO", nonNegativeInteger, 100)
    .option("--paid-after-ms <ms>", "time from creation to PAGO", nonNegativeInteger, 300)
    .option("--fault <rule>", 'fault rule, repeatable, e.g. "POST /banking/v2/pix reset-after p=0.1"', collect, [])
    .option("--seed <n>", "seed for random fault decisions", nonNegativeInteger, 1)
    .option("--no-idempotency", "forget x-id-idempotente (shows what happens when the bank does)")
    .option("--write-env <file>", "write the client settings for this emulator to FILE (e.g. .env)")
    .addHelpText(
      "after",
      `
Examples:
  pixout emulator                                  # https://127.0.0.1:8443, certs/dev made if missing
  pixout emulator --write-env .env                 # then any pixout command talks to it
  pixout emulator --sandbox --write-env .env       # rehearse a first run against Inter's sandbox
  pixout emulator --fault "POST /banking/v2/pix reset-after p=0.2" --seed 7`,
    )
    .action(async (flags: EmulatorFlags) => {
      if (!["approve", "reject", "none"].includes(flags.approvalDecision)) {
        throw new UserError("--approval-decision must be approve, reject or none", 2);
      }
      let faults;
      try {
        faults = flags.fault.map(parseFaultRule);
      } catch (err) {
        throw new UserError(`--fault: ${(err as Error).message}`, 2);
      }
      const logger = createLogger({ level: loadQueueSettings().logLevel, name: "emulator" });
      const { emulator, clientEnv } = await startDevEmulator(flags.certs, {
        environment: flags.sandbox ? "sandbox" : "production",
        host: flags.host,
        port: flags.port,
        tokenTtlSeconds: flags.tokenTtl,
        limits: flags.limits ? { scale: flags.limitScale } : { token: 0, send: 0, sendPerSecond: 0, status: 0, webhook: 0, callbacks: 0, callbackRetry: 0, statement: 0, balance: 0 },
        timing: { sentAfterMs: flags.sentAfterMs, paidAfterMs: flags.paidAfterMs },
        approval: { required: flags.approval, autoDecision: flags.approvalDecision, autoAfterMs: flags.approvalAfterMs },
        ...(flags.balance === undefined ? {} : { balanceCents: flags.balance }),
        idempotency: flags.idempotency,
        faults,
        seed: flags.seed,
        logger,
      });
      const envText = Object.entries(clientEnv)
        .map(([k, v]) => `${k}=${v ?? ""}`)
        .join("\n");
      if (flags.writeEnv !== undefined) await writeFile(flags.writeEnv, `${envText}\n`, { mode: 0o600 });
      process.stdout.write(
        `Inter emulator${flags.sandbox ? " (as the sandbox)" : ""} listening on ${emulator.url} (mTLS: client certificates must be signed by ${flags.certs}/ca.crt)\n` +
          `Client settings${flags.writeEnv === undefined ? "" : ` (written to ${flags.writeEnv})`}:\n${envText}\n` +
          `Ledger: GET ${emulator.url}/_emulator/ledger. Stop with Ctrl-C.\n`,
      );
      await Promise.race([once(process, "SIGINT"), once(process, "SIGTERM")]);
      await emulator.close();
    });
}
