// `pixout enqueue FILE.jsonl`: one payment per line, enqueued in bulk; a summary of accepted, duplicate
// and invalid lines (with line numbers). Exit code 1 if any line was invalid or reused a paymentId
// with different data — so a script notices, and nothing is half-said.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import type { FieldIssue } from "../payments/field-issues.js";
import type { BulkItemResult, PayoutProducer } from "../queue/producer.js";
import { EXIT, UserError } from "./exit-codes.js";
import { withProducer } from "./queue-client.js";

const BATCH = 500;

interface LineProblem {
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
  process.stderr.write(`\r[${bar}] ${String(Math.round(ratio * 100)).padStart(3)}%  ${String(lines)} line(s)`);
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
        if (!r.sameData) summary.conflicting.push({ line, paymentId: r.paymentId, problem: "paymentId already enqueued with different data; this line was ignored" });
      } else summary.invalid.push({ line, problem: describe(r.issues) });
    });
    batch = [];
    progress(summary.lines, bytes, size);
  };

  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let number = 0;
  const flushOrStop = async (): Promise<boolean> => {
    const first = batch[0]?.line ?? number;
    try {
      await flush();
      return true;
    } catch (err) {
      summary.stopped = { line: first, error: err instanceof Error ? err.message : String(err) };
      return false;
    }
  };
  for await (const text of lines) {
    number++;
    bytes += Buffer.byteLength(text) + 1;
    if (text.trim() === "") continue;
    summary.lines++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      summary.invalid.push({ line: number, problem: "not valid JSON" });
      continue;
    }
    batch.push({ line: number, value });
    if (batch.length >= BATCH && !(await flushOrStop())) break;
  }
  if (!summary.stopped) await flushOrStop();
  lines.close();
  summary.invalid.sort((a, b) => a.line - b.line);
  if (process.stderr.isTTY) process.stderr.write("\n");
  return summary;
}

export function registerEnqueueCommand(program: Command): void {
  program
    .command("enqueue")
    .description("Enqueue payments from a JSON Lines file (one payment per line, as in the README's job data)")
    .argument("<file>", "a .jsonl file")
    .option("--json", "print the summary as JSON")
    .addHelpText(
      "after",
      `
Every line is checked first; valid lines are enqueued in batches of ${String(BATCH)}. A paymentId already in the
queue is reported as a duplicate and not enqueued again. Exit code 1 if any line was invalid or reused a
paymentId with different data.

Example:
  pixout enqueue payouts-2026-11-27.jsonl`,
    )
    .action(async (file: string, flags: { json?: boolean }) => {
      try {
        await stat(file);
      } catch {
        throw new UserError(`file not found: ${file}`, EXIT.usage);
      }
      const summary = await withProducer((producer) => enqueueFile(producer, file));
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      } else {
        const out = [
          `${String(summary.lines)} line(s): ${String(summary.accepted)} accepted, ${String(summary.duplicate)} duplicate, ${String(summary.invalid.length)} invalid`,
          ...summary.invalid.map((p) => `  line ${String(p.line)}: ${p.problem}`),
          ...summary.conflicting.map((p) => `  line ${String(p.line)}: ${p.paymentId ?? ""}: ${p.problem}`),
          ...(summary.stopped
            ? [`stopped at line ${String(summary.stopped.line)}: ${summary.stopped.error}. Lines before it were handled as counted above; run the same file again — payments already enqueued are reported as duplicates, never enqueued twice.`]
            : []),
        ];
        process.stdout.write(`${out.join("\n")}\n`);
      }
      if (summary.invalid.length > 0 || summary.conflicting.length > 0 || summary.stopped) process.exitCode = EXIT.failed;
    });
}
