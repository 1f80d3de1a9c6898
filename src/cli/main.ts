// The `pixout` command: parses arguments, runs one command, and turns failures into a clear message and
// a meaningful exit code (no stack traces for expected problems).
import { Command, CommanderError } from "commander";
import { ConfigError } from "../config.js";
import { registerApprovalsCommand } from "./commands/approvals.js";
import { registerBalanceCommands } from "./commands/balance.js";
import { registerCertsCommand } from "./commands/certs.js";
import { registerCompletionCommand } from "./commands/completion.js";
import { registerDashboardCommand } from "./commands/dashboard.js";
import { registerDemoCommand } from "./commands/demo.js";
import { registerDoctorCommand } from "./commands/doctor.js";
import { registerEmulatorCommand } from "./commands/emulator.js";
import { registerEnqueueCommand } from "./commands/enqueue.js";
import { registerPayCommand } from "./commands/pay.js";
import { registerReconcileCommands } from "./commands/reconcile.js";
import { registerRetryCommand } from "./commands/retry.js";
import { registerStatusCommand } from "./commands/status.js";
import { registerWebhookCommand } from "./commands/webhook.js";
import { registerWorkerCommand } from "./commands/worker.js";
import { EXIT, UserError } from "./commands/exit-codes.js";
import { guardTerminalOutput, tolerateClosedPipes } from "./commands/terminal-guard.js";
import { PIXOUT_VERSION } from "../version.js";

export function buildProgram(): Command {
  const program = new Command("pixout")
    .description("Pays Pix through Banco Inter's API from a BullMQ queue, with a built-in Inter emulator.")
    .version(PIXOUT_VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  program.addHelpText(
    "after",
    `
Exit codes: 0 done, 1 failed, 2 usage error, 78 configuration error (every wrong setting is listed).
Settings come from the environment and ./.env; see .env.example.

Examples:
  pixout doctor                     # before the first payment: settings, certificate, Redis, bank, token
  pixout pay --id inv-1001 --amount 10.50 --key fornecedor@example.com --dry-run
  pixout worker
  pixout <command> --help           # every command has its own help, with an example`,
  );
  registerDoctorCommand(program);
  registerWorkerCommand(program);
  registerPayCommand(program);
  registerEnqueueCommand(program);
  registerStatusCommand(program);
  registerRetryCommand(program);
  registerReconcileCommands(program);
  registerBalanceCommands(program);
  registerApprovalsCommand(program);
  registerDashboardCommand(program);
  registerDemoCommand(program);
  registerEmulatorCommand(program);
  registerCertsCommand(program);
  registerWebhookCommand(program);
  registerCompletionCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  guardTerminalOutput();
  tolerateClosedPipes();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander already printed the message (or the help/version).
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    return EXIT.config;
  }
  if (err instanceof UserError) {
    process.stderr.write(`pixout: ${err.message}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`pixout: ${message}\n`);
  return EXIT.failed;
}
