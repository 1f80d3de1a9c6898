// `pixout doctor [--json]`: checks settings, certificate, Redis, the queue, the bank over mTLS and a token,
// each with a fix; exit code 1 if any check is an error.
import type { Command } from "commander";
import { describeReport } from "../../ops/doctor/report-text.js";
import { runDoctor } from "../../ops/doctor/run-doctor.js";
import { EXIT } from "./exit-codes.js";

export function registerDoctorCommand(program: Command): void {
  program
    .command("doctor")
    .description(
      "Check everything a payment needs — settings, certificate, Redis, the queue, the bank over mTLS, a token and its scopes — with a fix for each problem",
    )
    .option("--json", "print one JSON object: {ok, errors, warnings, checks: [{id, title, status, detail, fix}]}")
    .option(
      "--new-token",
      "ask the bank for a new token even when the fleet holds one: only a token call proves INTER_CLIENT_SECRET (uses one of Inter's 5 token calls a minute)",
    )
    .addHelpText(
      "after",
      `
Each check is ok, warning, error or skipped (an earlier check it needs failed). It reads the same settings as
the worker (environment and ./.env). The token comes from the fleet's cache in Redis when a worker already
holds one (then the client secret is not proven: use --new-token after changing it); otherwise doctor makes
one token call, under the fleet's token budget, and shares the token. It sends no payment and writes nothing
else. Secrets are never printed; the client id is masked.
Exit code 0 when no check is an error (warnings allowed), 1 otherwise.

Examples:
  pixout doctor
  pixout doctor --new-token                         # after changing INTER_CLIENT_SECRET
  pixout doctor --json | jq '.checks[] | select(.status != "ok")'`,
    )
    .action(async (flags: { json?: boolean; newToken?: boolean }) => {
      const report = await runDoctor({ newToken: flags.newToken === true });
      process.stdout.write(flags.json === true ? `${JSON.stringify(report)}\n` : `${describeReport(report)}\n`);
      if (!report.ok) process.exitCode = EXIT.failed;
    });
}
