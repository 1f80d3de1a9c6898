// `pixout enqueue FILE.jsonl`: one payment per line, enqueued in bulk; a summary of accepted, duplicate
// and invalid lines (with line numbers). Exit code 1 if any line was invalid or reused a paymentId
// with different data — so a script notices, and nothing is half-said.
import { stat } from "node:fs/promises";
import type { Command } from "commander";
import { loadPaymentRules, readEnvironment } from "../../config.js";
import { withTracing } from "../../ops/tracing.js";
import { loadTracingSettings } from "../../ops/tracing-settings.js";
import type { FieldIssue } from "../../payments/field-issues.js";
import type { BulkItemResult, PayoutProducer } from "../../queue/producer/producer.js";
import { EXIT, UserError } from "./exit-codes.js";
import { writeUnguarded } from "./terminal-guard.js";
import { dryRunFile, describeDryRun } from "./enqueue-dry-run.js";
import { readJsonLines } from "./json-lines.js";
import { withProducer } from "./queue-client.js";

const BATCH = 500;

export interface LineProblem {
  line: number;
  paymentId?: string;
  problem: string;
}

export interface EnqueueSummary {
  lines: number;
  accepted: number;
  duplicate: number;
  invalid: LineProblem[];
  /** Duplicates whose data differs from the payment already queued: the new line was not enqueued. */
  conflicting: LineProblem[];
  /** Why it stopped early (e.g. Redis went away), with the first line not known to be enqueued. */
  stopped?: { line: number; error: string };
}

function describe(issues: FieldIssue[]): string {
  return issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join("; ");
}

/** A progress bar on stderr, only on a terminal (never in logs or pipes). */
function progress(lines: number, bytesRead: number, size: number): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const ratio = Math.min(1, bytesRead / Math.max(size, 1));
  const bar = "#".repeat(Math.round(ratio * width)).padEnd(width, ".");
  writeUnguarded(
    process.stderr,
    `\r[${bar}] ${String(Math.round(ratio * 100)).padStart(3)}%  ${String(lines)} line(s)`,
  );
}

async function enqueueFile(producer: PayoutProducer, file: string): Promise<EnqueueSummary> {
  const size = (await stat(file)).size;
  const summary: EnqueueSummary = { lines: 0, accepted: 0, duplicate: 0, invalid: [], conflicting: [] };
  let batch: { line: number; value: unknown }[] = [];
  let bytes = 0;

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const results: BulkItemResult[] = await producer.enqueueMany(batch.map((b) => b.value));
    results.forEach((r, k) => {
      const line = batch[k]?.line ?? 0;
      if (r.status === "accepted") summary.accepted++;
      else if (r.status === "duplicate") {
        summary.duplicate++;
        if (!r.sameData)
          summary.conflicting.push({
            line,
            paymentId: r.paymentId,
            problem: "paymentId already enqueued with different data; this line was ignored",
          });
      } else summary.invalid.push({ line, problem: describe(r.issues) });
    });
    batch = [];
    progress(summary.lines, bytes, size);
  };

  let last = 0;
  const flushOrStop = async (): Promise<boolean> => {
    const first = batch[0]?.line ?? last;
    try {
      await flush();
      return true;
    } catch (err) {
      summary.stopped = { line: first, error: err instanceof Error ? err.message : String(err) };
      return false;
    }
  };
  for await (const item of readJsonLines(file)) {
    last = item.line;
    bytes = item.bytesRead;
    summary.lines++;
    if ("problem" in item) {
      summary.invalid.push({ line: item.line, problem: item.problem });
      continue;
    }
    batch.push({ line: item.line, value: item.value });
    if (batch.length >= BATCH && !(await flushOrStop())) break;
  }
  if (!summary.stopped) await flushOrStop();
  summary.invalid.sort((a, b) => a.line - b.line);
  if (process.stderr.isTTY) process.stderr.write("\n");
  return summary;
}

export function registerEnqueueCommand(program: Command): void {
  program
    .command("enqueue")
    .description(
      "Enqueue payments from a JSON Lines file (one payment per line, as in docs/integrating/job-contract.md)",
    )
    .argument("<file>", "a .jsonl file")
    .option("--json", "print the summary as JSON")
    .option(
      "--dry-run",
      "check every line and show the request each payment's send would make (personal data masked), its bank key and amount written out; enqueue nothing",
    )
    .addHelpText(
      "after",
      `
Every line is checked first; valid lines are enqueued in batches of ${String(BATCH)}. A paymentId already in the
queue is reported as a duplicate and not enqueued again. Exit code 1 if any line was invalid or reused a
paymentId with different data.

With --dry-run nothing is enqueued and Redis is not contacted: duplicates are those within the file.

Examples:
  pixout enqueue payouts-2026-11-27.jsonl
  pixout enqueue payouts-2026-11-27.jsonl --dry-run`,
    )
    .action(async (file: string, flags: { json?: boolean; dryRun?: boolean }) => {
      try {
        await stat(file);
      } catch {
        throw new UserError(`file not found: ${file}`, EXIT.usage);
      }
      if (flags.dryRun === true) {
        const summary = await dryRunFile(file, Date.now(), loadPaymentRules());
        process.stdout.write(flags.json === true ? `${JSON.stringify(summary)}\n` : `${describeDryRun(summary)}\n`);
        if (summary.invalid.length > 0 || summary.conflicting.length > 0) process.exitCode = EXIT.failed;
        return;
      }
      // With PIXOUT_TRACING=true each batch's enqueue starts a trace that its payments' steps join.
      const summary = await withTracing(loadTracingSettings(readEnvironment()), "pixout-producer", (telemetry) =>
        withProducer((producer) => enqueueFile(producer, file), { telemetry }),
      );
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      } else {
        const out = [
          `${String(summary.lines)} line(s): ${String(summary.accepted)} accepted, ${String(summary.duplicate)} duplicate, ${String(summary.invalid.length)} invalid`,
          ...summary.invalid.map((p) => `  line ${String(p.line)}: ${p.problem}`),
          ...summary.conflicting.map((p) => `  line ${String(p.line)}: ${p.paymentId ?? ""}: ${p.problem}`),
          ...(summary.stopped
            ? [
                `stopped at line ${String(summary.stopped.line)}: ${summary.stopped.error}. Lines before it were handled as counted above; run the same file again — payments already enqueued are reported as duplicates, never enqueued twice.`,
              ]
            : []),
        ];
        process.stdout.write(`${out.join("\n")}\n`);
      }
      if (summary.invalid.length > 0 || summary.conflicting.length > 0 || summary.stopped)
        process.exitCode = EXIT.failed;
    });
}
