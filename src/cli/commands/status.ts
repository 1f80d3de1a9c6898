// `pixout status ID [--json]`: where a payment is, from its job.
import type { Command } from "commander";
import type { PaymentView } from "../../queue/payment-view.js";
import { UserError } from "./exit-codes.js";
import { withProducer } from "./queue-client.js";

export function describeView(view: PaymentView): string {
  const rows: [string, string | number | null | undefined][] = [
    ["payment", view.paymentId],
    ["outcome", view.outcome],
    ["amount", view.amount],
    ["bank status", view.bankStatus],
    ["codigoSolicitacao", view.codigoSolicitacao],
    ["endToEndId", view.endToEndId],
    ["failed reason", view.failedReason],
    ["reconciliation", view.reason],
    [
      "resolved",
      view.resolution
        ? `${view.resolution.outcome} by ${view.resolution.by} at ${new Date(view.resolution.at).toISOString()}${view.resolution.debitId === undefined ? "" : ` (statement entry ${view.resolution.debitId})`}`
        : null,
    ],
    ["x-id-idempotente", view.idempotencyKey],
    ["generation", view.generation],
    [
      "held",
      view.held
        ? `insufficient balance since ${view.held.since} (account ${view.held.account}; sent again when its balance allows, or pixout resume --account ${view.held.account})`
        : null,
    ],
    ...view.endedForBalance.map((e, i): [string, string] => [
      i === 0 ? "ended for balance" : "",
      `generation ${String(e.generation)} ${e.bankStatus} at ${e.at}${e.codigoSolicitacao === null ? "" : ` (codigoSolicitacao ${e.codigoSolicitacao})`}`,
    ]),
    ["waiting for", view.waitingFor ? `${view.waitingFor.why} until ${view.waitingFor.until}` : null],
    ["last error", view.lastError ? `${view.lastError.code} at ${view.lastError.at}: ${view.lastError.message}` : null],
    ["job", `${view.jobId} (${view.jobState})`],
    ["enqueued", view.enqueuedAt],
    ["finished", view.finishedAt],
    ["history", view.history.map((h) => h.status).join(" → ") || null],
    ...view.audit.map((entry, i): [string, string] => {
      const e = entry as { at?: string; actor?: string; action?: string; reason?: string; generation?: number };
      return [
        i === 0 ? "audit" : "",
        `${e.at ?? ""} ${e.actor ?? ""} ${e.action ?? ""} → generation ${String(e.generation ?? "")}: ${e.reason ?? ""}`,
      ];
    }),
  ];
  return rows
    .filter((r): r is [string, string | number] => r[1] !== null && r[1] !== undefined && r[1] !== "")
    .map(([k, v]) => `${k.padEnd(18)} ${String(v)}`)
    .join("\n");
}

export function registerStatusCommand(program: Command): void {
  program
    .command("status")
    .description("Show a payment's outcome, bank status and identifiers")
    .argument("<paymentId>", "the payment's paymentId")
    .option("--json", "print one JSON object")
    .addHelpText(
      "after",
      `
Outcomes: queued, pending (at the bank), paid, failed, rejected, blocked (by the safety limits, before the bank),
needs-reconciliation.
Exit code 0 when the payment exists, 1 when it does not.

Example:
  pixout status inv-1001 --json`,
    )
    .action(async (paymentId: string, flags: { json?: boolean }) => {
      const view = await withProducer((producer) => producer.get(paymentId));
      if (!view) throw new UserError(`no payment "${paymentId}" in the queue`);
      process.stdout.write(flags.json === true ? `${JSON.stringify(view)}\n` : `${describeView(view)}\n`);
    });
}
