// `pixout reconcile` (the queue's payments against Inter's statement) and `pixout resolve` (an operator's
// resolution of a parked payment, checked against the statement): docs/operating/reconciliation.md.
import { writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { Queue } from "bullmq";
import type { Command } from "commander";
import { createNotifier, type Notifier } from "../../notifications/notifier.js";
import { saoPauloToday, shiftIsoDate } from "../../payments/calendar.js";
import { formatCents } from "../../payments/money.js";
import { FINDING_KINDS, type Row } from "../../payments/reconciliation.js";
import { loadQueueSettings } from "../../config.js";
import { bullPrefix, jobIdFor, reconcileQueueName } from "../../queue/names.js";
import { ensureReady, producerConnection } from "../../redis/connections.js";
import {
  DEFAULT_WINDOW_DAYS,
  ReconcileWindowError,
  runReconciliation,
  runSettings,
  type ReconcileReport,
} from "../../queue/worker/reconcile-run.js";
import { resolvePayment, type ResolveResult } from "../../queue/producer/resolve.js";
import { withBankSession, type BankSession } from "./bank-session.js";
import { EXIT, UserError } from "./exit-codes.js";

interface ReconcileFlags {
  date?: string;
  since?: string;
  until?: string;
  account?: string;
  apply?: boolean;
  json?: boolean;
  csv?: string;
  actor?: string;
  unschedule?: boolean;
}

/** `--unschedule`: the fleet's reconciliation schedulers removed (Redis only, no bank). */
async function unschedule(): Promise<void> {
  const settings = loadQueueSettings();
  const redis = producerConnection(settings.redis.target);
  const queue = new Queue(reconcileQueueName(settings.queueName), {
    connection: redis,
    prefix: bullPrefix(settings.redisPrefix),
  });
  queue.on("error", () => undefined);
  try {
    await ensureReady(redis, settings.redis.target);
    const removed = await Promise.all(["daily", "frequent"].map((id) => queue.removeJobScheduler(id)));
    await queue.drain();
    process.stdout.write(
      `removed ${String(removed.filter(Boolean).length)} reconciliation scheduler(s) of queue ${settings.queueName}; workers with PIXOUT_RECONCILE=true add them again when they start\n`,
    );
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

const CSV_COLUMNS = [
  "kind",
  "finding",
  "paymentId",
  "amount",
  "debitIds",
  "candidateIds",
  "resolution",
  "detail",
] as const;

function csvCell(value: string): string {
  // Quoted always; a cell a spreadsheet would run as a formula is prefixed with a quote.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function reportCsv(rows: readonly Row[]): string {
  const lines = rows.map((r) =>
    [
      r.kind,
      FINDING_KINDS.has(r.kind) ? "yes" : "no",
      r.paymentId ?? "",
      r.amountCents === undefined ? "" : formatCents(r.amountCents),
      r.debitIds.join(" "),
      (r.candidateIds ?? []).join(" "),
      r.resolution?.outcome ?? "",
      r.detail,
    ]
      .map(csvCell)
      .join(","),
  );
  return `${CSV_COLUMNS.join(",")}\n${lines.join("\n")}${lines.length > 0 ? "\n" : ""}`;
}

export function describeReport(report: ReconcileReport): string {
  const lines = [
    `reconciliation ${report.window.from} .. ${report.window.to} (today ${report.today} in São Paulo): ${String(report.payments)} payment(s) read`,
    ...report.accounts.map(
      (a) =>
        `  account ${a.account === "" ? "(the integration's)" : a.account}: ${String(a.debits)} Pix debit(s)${a.skipped > 0 ? `, ${String(a.skipped)} other entries` : ""}${a.unreadable > 0 ? `, ${String(a.unreadable)} UNREADABLE` : ""}${a.complete ? "" : " — NOT read to its end"}`,
    ),
    `  ${
      Object.entries(report.byKind)
        .map(([k, n]) => `${k} ${String(n)}`)
        .join(", ") || "nothing to reconcile"
    }`,
  ];
  for (const r of report.rows) {
    if (r.kind === "matched" || r.kind === "awaiting-debit") continue;
    const amount = r.amountCents === undefined ? "" : ` R$ ${formatCents(r.amountCents)}`;
    lines.push(
      `${FINDING_KINDS.has(r.kind) ? "FINDING" : "parked "} ${r.kind.padEnd(22)} ${r.paymentId ?? "-"}${amount}: ${r.detail}${r.debitIds.length > 0 ? ` [debit ${r.debitIds.join(", ")}]` : ""}${r.candidateIds ? ` [candidates ${r.candidateIds.join(", ")}]` : ""}`,
    );
  }
  for (const a of report.applied) lines.push(`applied ${describeResolve(a)}`);
  if (!report.complete)
    lines.push(
      "The statement was not read to its end: nothing concluded from a missing debit, nothing applied. Run again later.",
    );
  else if (report.findings === 0) lines.push("clean: every debit and every payment accounted for");
  else lines.push(`${String(report.findings)} finding(s) need a human: see docs/operating/reconciliation.md`);
  return lines.join("\n");
}

function describeResolve(r: ResolveResult): string {
  switch (r.status) {
    case "resolved":
      return `${r.paymentId}: resolved ${r.outcome}${r.notified ? " (event queued)" : r.why === undefined ? "" : ` (${r.why})`}`;
    case "refused":
      return `${r.paymentId}: not resolved: ${r.why}`;
    case "not-found":
      return `${r.paymentId}: not found in the queue`;
  }
}

function digits(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && !/^[1-9][0-9]*$/.test(value))
    throw new UserError(`${flag}: digits only, with the check digit and no leading zeros`, EXIT.usage);
  return value;
}

async function withQueue<T>(
  name: string,
  fn: (session: BankSession, queue: Queue, notifier: Notifier) => Promise<T>,
): Promise<T> {
  return withBankSession(name, async (session) => {
    const queue = new Queue(session.config.queueName, {
      connection: session.redis,
      prefix: bullPrefix(session.config.redisPrefix),
    });
    queue.on("error", () => undefined);
    const notifier = createNotifier({
      connection: session.redis,
      redisPrefix: session.config.redisPrefix,
      queueName: session.config.queueName,
      settings: session.config.notify,
      logger: session.logger,
    });
    try {
      return await fn(session, queue, notifier);
    } finally {
      await notifier.close();
      await queue.close();
    }
  });
}

export function registerReconcileCommands(program: Command): void {
  program
    .command("reconcile")
    .description(
      "Check the queue's payments against Inter's statement (extrato), and resolve parked payments it proves",
    )
    .option("--date <date>", "one São Paulo day (YYYY-MM-DD)")
    .option("--since <date>", "first São Paulo day (YYYY-MM-DD); default 13 days before --until")
    .option("--until <date>", "last São Paulo day (YYYY-MM-DD); default today")
    .option("--account <number>", "only this paying account (default: every account of the queue's payments)")
    .option("--apply", "resolve the parked payments the statement proves paid or not executed (audited, announced)")
    .option("--actor <name>", "who applies (kept in the audit; default: reconciliation by <this machine's user>)")
    .option("--json", "print the report as one JSON object")
    .option("--csv <file>", "also write every row to this CSV file")
    .option("--unschedule", "remove the fleet's scheduled runs (PIXOUT_RECONCILE), then exit")
    .addHelpText(
      "after",
      `
Needs the integration's scope extrato.read. Reads every Pix debit of the window (10 statement calls a minute,
shared with the fleet), asks the bank again for every parked payment it knows, and puts every debit and every
payment in one row: matched, awaiting-debit (until the next business day), parked-resolved, parked-not-executed,
parked-waiting, or a finding — paid-without-debit, debit-without-payment, duplicate-debit, amount-mismatch,
parked-ambiguous, failed-with-debit. Nothing is resolved without --apply, and nothing on a guess.
Exit code 0 when clean, 1 when a finding needs a human or the statement could not be read to its end.

Examples:
  pixout reconcile                             # the last 14 days, report only
  pixout reconcile --date 2026-11-27           # one day
  pixout reconcile --since 2026-11-27 --until 2026-11-30 --apply --csv recon.csv`,
    )
    .action(async (flags: ReconcileFlags) => {
      if (flags.unschedule === true) {
        await unschedule();
        return;
      }
      const account = digits("--account", flags.account);
      if (flags.date !== undefined && (flags.since !== undefined || flags.until !== undefined))
        throw new UserError("--date, or --since/--until, not both", EXIT.usage);
      const from = flags.date ?? flags.since;
      const to = flags.date ?? flags.until;
      const report = await withQueue("pixout-reconcile", async (session, queue, notifier) => {
        const { config } = session;
        try {
          return await runReconciliation({
            ...runSettings(config, queue, session.redis, session.client),
            ...(account === undefined ? {} : { account }),
            window: { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) },
            now: Date.now(),
            apply: flags.apply === true,
            actor: flags.actor ?? `reconciliation by ${userInfo().username}`,
            notifier,
          });
        } catch (err) {
          if (err instanceof ReconcileWindowError) throw new UserError(err.message, EXIT.usage);
          throw err;
        }
      });
      if (flags.csv !== undefined) await writeFile(flags.csv, reportCsv(report.rows), { mode: 0o600 });
      process.stdout.write(flags.json === true ? `${JSON.stringify(report)}\n` : `${describeReport(report)}\n`);
      if (report.findings > 0 || !report.complete || report.applied.some((a) => a.status !== "resolved"))
        process.exitCode = EXIT.failed;
    });

  program
    .command("resolve")
    .description("Resolve a payment parked as needs-reconciliation: paid (with its end-to-end id) or not executed")
    .argument("<paymentId>", "the parked payment")
    .option("--paid", "the bank paid it (give --end-to-end)")
    .option(
      "--end-to-end <id>",
      "with --paid: the Pix end-to-end id of its debit (E + ISPB + yyyyMMddHHmm + 11 characters)",
    )
    .option("--not-executed", "the bank did not execute it (its statement has no debit for it)")
    .option("--reason <text>", "why (kept in the audit; required)")
    .option("--actor <name>", "who resolves (kept in the audit; default: this machine's user name)")
    .option(
      "--without-statement",
      "do not check the statement (an integration without extrato.read); your word alone, audited so",
    )
    .option("--json", "print one JSON object")
    .addHelpText(
      "after",
      `
Before resolving, the statement of the payment's days is read and the resolution is refused when it
contradicts it: --not-executed when a debit is the payment's (or may be), --paid when its debit carries
another end-to-end id. A payment resolved paid is never sent again; one resolved not executed may be paid
again under a new key with: pixout retry ID --new-attempt.

Examples:
  pixout resolve inv-1003 --paid --end-to-end E00416968202611271405abcdefghijk --reason "found in the statement"
  pixout resolve inv-1004 --not-executed --reason "no debit on 27-30/11"`,
    )
    .action(
      async (
        paymentId: string,
        flags: {
          paid?: boolean;
          endToEnd?: string;
          notExecuted?: boolean;
          reason?: string;
          actor?: string;
          withoutStatement?: boolean;
          json?: boolean;
        },
      ) => {
        if ((flags.paid === true) === (flags.notExecuted === true))
          throw new UserError("say --paid (with --end-to-end) or --not-executed", EXIT.usage);
        if (flags.paid === true && flags.endToEnd === undefined)
          throw new UserError("--paid needs --end-to-end <id> (the debit's Pix end-to-end id)", EXIT.usage);
        if (flags.reason === undefined || flags.reason.trim() === "")
          throw new UserError('a resolution needs --reason "…" (it is audited)', EXIT.usage);
        const reason = flags.withoutStatement === true ? `${flags.reason} (statement not checked)` : flags.reason;
        const result = await withQueue("pixout-resolve", async (session, queue, notifier): Promise<ResolveResult> => {
          const { config } = session;
          if (flags.withoutStatement !== true) {
            const contradiction = await statementContradiction(
              session,
              queue,
              paymentId,
              flags.paid === true ? flags.endToEnd : undefined,
            );
            if (contradiction !== undefined)
              return { paymentId, status: "refused", why: contradiction } satisfies ResolveResult;
          }
          return resolvePayment(queue, session.redis, config.redisPrefix, paymentId, {
            outcome: flags.paid === true ? "paid" : "failed",
            actor: flags.actor ?? userInfo().username,
            reason,
            evidence: flags.endToEnd === undefined ? {} : { endToEndId: flags.endToEnd },
            recordTtlDays: config.data.idempotencyDays,
            notifier,
          });
        });
        process.stdout.write(flags.json === true ? `${JSON.stringify(result)}\n` : `${describeResolve(result)}\n`);
        if (result.status !== "resolved") process.exitCode = EXIT.failed;
      },
    );
}

/** What in the statement of the payment's days says the resolution is wrong, if anything. */
async function statementContradiction(
  session: BankSession,
  queue: Queue,
  paymentId: string,
  paidWith: string | undefined,
): Promise<string | undefined> {
  const { config } = session;
  const now = Date.now();
  const today = saoPauloToday(now);
  const job = await queue.getJob(jobIdFor(paymentId));
  // From its enqueue: no send of it, in any generation, is earlier.
  const from = job === undefined ? shiftIsoDate(today, -(DEFAULT_WINDOW_DAYS - 1)) : saoPauloToday(job.timestamp);
  const report = await runReconciliation({
    ...runSettings(config, queue, session.redis, session.client),
    window: {
      from: from > today ? today : from < shiftIsoDate(today, -90) ? shiftIsoDate(today, -90) : from,
      to: today,
    },
    now,
    apply: false,
    keep: "none",
  });
  if (!report.complete)
    return "the statement could not be read to its end: nothing can be concluded from it now — try again later, or --without-statement";
  const row = report.rows.find((r) => r.paymentId === paymentId);
  if (paidWith === undefined) {
    // Not executed lets the payment be paid again: only what the statement proves (docs/operating/reconciliation.md).
    if (row?.kind === "parked-not-executed") return undefined;
    return row === undefined
      ? "the payment is not in the statement's window (sent more than 90 days ago?): check it in Inter's internet banking, then --without-statement"
      : `the statement does not prove it was not executed (${row.kind}: ${row.detail})`;
  }
  const debit = report.debits.find((d) => d.endToEndId === paidWith);
  if (debit === undefined)
    return `no debit of the statement of ${report.window.from} .. ${report.window.to} carries the end-to-end id ${paidWith}`;
  const owner = report.rows.find(
    (r) => r.paymentId !== undefined && r.paymentId !== paymentId && r.debitIds.includes(debit.id),
  );
  if (owner !== undefined) return `the debit with that end-to-end id is payment ${owner.paymentId ?? ""}'s`;
  const e2e = row?.resolution?.outcome === "paid" ? row.resolution.endToEndId : undefined;
  if (e2e !== undefined && e2e !== paidWith)
    return `its debit in the statement carries the end-to-end id ${e2e}, not ${paidWith}`;
  return undefined;
}
