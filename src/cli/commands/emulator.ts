// `pixout emulator`: the local Banco Inter (docs/reference/emulator.md).
import { writeFile } from "node:fs/promises";
import { once } from "node:events";
import { InvalidArgumentError, type Command } from "commander";
import { loadQueueSettings } from "../../config.js";
import type { EmulatorOptions } from "../../emulator/emulator.js";
import { parseFaultRule } from "../../emulator/fault-spec.js";
import { DEV_INTEGRATION } from "../../emulator/integration.js";
import { createLogger } from "../../logger.js";
import { DEFAULT_DEV_CERT_DIR } from "./certs.js";
import { startDevEmulator } from "./dev-emulator.js";
import { UserError } from "./exit-codes.js";
import { amountInCents, collect, nonNegativeInteger, positiveInteger, positiveNumber } from "./options.js";

export interface EmulatorFlags {
  host: string;
  port: number;
  certs: string;
  tokenTtl: number;
  limits: boolean;
  limitScale: number;
  balance?: number;
  /** The integration's checking accounts; default DEV_INTEGRATION's one. */
  accounts?: string[];
  /** Per account: starting balance in centavos (absent when no --account-balance is given). */
  accountBalance?: Record<string, number>;
  /** Every account's overdraft limit in centavos. */
  overdraft?: number;
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

/** As `x-conta-corrente` carries an account (auth.ts): digits, no leading zeros. */
const ACCOUNT = /^[1-9][0-9]*$/;

/** `--accounts 111,222` → the accounts, each checked, none twice. */
export function accountList(value: string): string[] {
  const accounts = value.split(",").map((a) => a.trim());
  const wrong = accounts.filter((a) => !ACCOUNT.test(a));
  if (wrong.length > 0) {
    throw new InvalidArgumentError(
      `must be checking account numbers separated by commas, digits only without leading zeros, like 12345678,87654321 (not ${wrong.map((w) => JSON.stringify(w)).join(", ")})`,
    );
  }
  const twice = accounts.find((a, i) => accounts.indexOf(a) !== i);
  if (twice !== undefined) throw new InvalidArgumentError(`names account ${twice} twice`);
  return accounts;
}

/** One `--account-balance 111=250.00`, added to the previous ones. */
export function accountBalance(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const m = /^([^=]*)=(.*)$/.exec(value.trim());
  const account = m?.[1]?.trim() ?? "";
  if (!m || !ACCOUNT.test(account))
    throw new InvalidArgumentError(
      "must be ACCOUNT=AMOUNT, like 12345678=250.00 (the account digits only, without leading zeros)",
    );
  if (Object.hasOwn(previous, account)) throw new InvalidArgumentError(`gives account ${account} a balance twice`);
  return { ...previous, [account]: amountInCents(m[2]?.trim() ?? "") };
}

/**
 * The emulator's accounts and their money from the flags: `--accounts` (the integration's accounts),
 * `--balance` (every account's), `--account-balance` (one account's, over `--balance`), `--overdraft`
 * (every account's limit). An `--account-balance` for an account the emulator does not have is a usage error.
 */
export function accountOptions(
  flags: Pick<EmulatorFlags, "accounts" | "balance" | "accountBalance" | "overdraft">,
): Pick<EmulatorOptions, "integration" | "balanceCents" | "balances" | "limitCents"> {
  const accounts = flags.accounts ?? DEV_INTEGRATION.accounts;
  const balances = flags.accountBalance ?? {};
  const strangers = Object.keys(balances).filter((a) => !accounts.includes(a));
  if (strangers.length > 0) {
    throw new UserError(
      `--account-balance: ${strangers.join(", ")} ${strangers.length === 1 ? "is not one" : "are not"} of the emulator's accounts (${accounts.join(", ")}); name every account with --accounts`,
      2,
    );
  }
  return {
    ...(flags.accounts === undefined
      ? {}
      : { integration: { ...DEV_INTEGRATION, scopes: [...DEV_INTEGRATION.scopes], accounts: flags.accounts } }),
    ...(flags.balance === undefined ? {} : { balanceCents: flags.balance }),
    ...(Object.keys(balances).length === 0 ? {} : { balances }),
    ...(flags.overdraft === undefined ? {} : { limitCents: flags.overdraft }),
  };
}

export function registerEmulatorCommand(program: Command): void {
  program
    .command("emulator")
    .description("Run the local Banco Inter emulator (mTLS, Inter's paths, statuses, limits and errors)")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port (0 picks a free one)", nonNegativeInteger, 8443)
    .option("--certs <dir>", "dev certificates (made when missing)", DEFAULT_DEV_CERT_DIR)
    .option("--token-ttl <seconds>", "expires_in of issued tokens", positiveInteger, 3600)
    .option(
      "--sandbox",
      "behave as Inter's sandbox: its published limits (10 sends and 10 status queries a minute) and no callback re-send",
      false,
    )
    .option("--no-limits", "turn Inter's rate limits off")
    .option("--limit-scale <factor>", "multiply every rate limit (e.g. 10 for fast benchmarks)", positiveNumber, 1)
    .option(
      "--accounts <list>",
      "the integration's checking accounts, comma separated, e.g. 12345678,87654321 (default 12345678); with several, the client settings name the first as INTER_ACCOUNT",
      accountList,
    )
    .option(
      "--balance <amount>",
      "every account's starting balance, e.g. 1000.00 (a payment its account cannot cover ends CANCELADO_SEM_SALDO; default 1000000000.00)",
      amountInCents,
    )
    .option(
      "--account-balance <account=amount>",
      "one account's starting balance, e.g. 12345678=250.00, over --balance (repeatable)",
      accountBalance,
    )
    .option(
      "--overdraft <amount>",
      "every account's overdraft limit, e.g. 500.00: a payment passes while it is at most the balance plus the limit (default 0.00)",
      amountInCents,
    )
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
  pixout emulator --accounts 111,222 --account-balance 222=50.00 --overdraft 100.00
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
      const money = accountOptions(flags);
      const logger = createLogger({ level: loadQueueSettings().logLevel, name: "emulator" });
      const { emulator, clientEnv } = await startDevEmulator(flags.certs, {
        environment: flags.sandbox ? "sandbox" : "production",
        host: flags.host,
        port: flags.port,
        tokenTtlSeconds: flags.tokenTtl,
        limits: flags.limits
          ? { scale: flags.limitScale }
          : {
              token: 0,
              send: 0,
              sendPerSecond: 0,
              status: 0,
              webhook: 0,
              callbacks: 0,
              callbackRetry: 0,
              statement: 0,
              balance: 0,
            },
        timing: { sentAfterMs: flags.sentAfterMs, paidAfterMs: flags.paidAfterMs },
        approval: {
          required: flags.approval,
          autoDecision: flags.approvalDecision,
          autoAfterMs: flags.approvalAfterMs,
        },
        ...money,
        idempotency: flags.idempotency,
        faults,
        seed: flags.seed,
        logger,
      });
      // With several accounts every call must name one (x-conta-corrente): the first is the client's default.
      const env =
        flags.accounts !== undefined && flags.accounts.length > 1
          ? { ...clientEnv, INTER_ACCOUNT: flags.accounts[0] }
          : clientEnv;
      const envText = Object.entries(env)
        .map(([k, v]) => `${k}=${v ?? ""}`)
        .join("\n");
      if (flags.writeEnv !== undefined) await writeFile(flags.writeEnv, `${envText}\n`, { mode: 0o600 });
      process.stdout.write(
        `Inter emulator${flags.sandbox ? " (as the sandbox)" : ""} listening on ${emulator.url} (mTLS: client certificates must be signed by ${flags.certs}/ca.crt)\n` +
          `Client settings${flags.writeEnv === undefined ? "" : ` (written to ${flags.writeEnv})`}:\n${envText}\n` +
          `Ledger: GET ${emulator.url}/_emulator/ledger; balances: GET ${emulator.url}/_emulator/balance. Stop with Ctrl-C.\n`,
      );
      await Promise.race([once(process, "SIGINT"), once(process, "SIGTERM")]);
      await emulator.close();
    });
}
