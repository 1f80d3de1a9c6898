// `pixout pay`: one payment from flags, through the queue (a worker pays it).
import { Option, type Command } from "commander";
import { loadPaymentRules, readEnvironment } from "../../config.js";
import { withTracing } from "../../ops/tracing.js";
import { loadTracingSettings } from "../../ops/tracing-settings.js";
import type { FieldIssue } from "../../payments/field-issues.js";
import { validatePayment } from "../../payments/payment.js";
import { PIX_KEY_TYPES } from "../../payments/pix-key.js";
import { ACCOUNT_TYPES } from "../../payments/recipient.js";
import { PaymentValidationError, WaitTimeoutError } from "../../queue/producer/producer.js";
import { describePreview, previewPayments } from "./dry-run.js";
import { EXIT, UserError } from "./exit-codes.js";
import { positiveInteger } from "./options.js";
import { withProducer } from "./queue-client.js";
import { describeView } from "./status.js";

interface PayFlags {
  id: string;
  amount: string;
  description?: string;
  key?: string;
  keyType?: string;
  brcode?: string;
  ispb?: string;
  branch?: string;
  bankAccount?: string;
  accountType?: string;
  document?: string;
  name?: string;
  scheduledFor?: string;
  fromAccount?: string;
  wait?: boolean;
  timeout: number;
  json?: boolean;
  dryRun?: boolean;
}

function invalidPayment(issues: FieldIssue[]): UserError {
  return new UserError(
    `the payment is invalid:\n${issues.map((i) => `  ${i.field || "payment"}: ${i.message}`).join("\n")}`,
    EXIT.usage,
  );
}

/** --dry-run: the payment checked and its first send shown; nothing sent, nothing enqueued. */
function dryRun(payment: Record<string, unknown>, json: boolean, now: number): void {
  const checked = validatePayment(payment, loadPaymentRules(), now);
  if (!checked.ok) throw invalidPayment(checked.issues);
  const [preview] = previewPayments([checked.value], now);
  if (!preview) return;
  process.stdout.write(
    json
      ? `${JSON.stringify({ dryRun: true, ...preview })}\n`
      : `dry run: valid; nothing was sent to the bank or enqueued\n${describePreview(preview)}\n`,
  );
}

function recipientOf(flags: PayFlags): Record<string, unknown> {
  const bankFields = [flags.ispb, flags.branch, flags.bankAccount, flags.accountType, flags.document, flags.name];
  const kinds = [flags.key !== undefined, flags.brcode !== undefined, bankFields.some((v) => v !== undefined)].filter(
    Boolean,
  ).length;
  if (kinds !== 1) {
    throw new UserError(
      "give exactly one recipient: --key, --brcode, or the bank data (--ispb --branch --bank-account --account-type --document --name)",
      EXIT.usage,
    );
  }
  if (flags.key !== undefined)
    return { type: "key", key: flags.key, ...(flags.keyType === undefined ? {} : { keyType: flags.keyType }) };
  if (flags.brcode !== undefined) return { type: "brcode", code: flags.brcode };
  return {
    type: "bank",
    ispb: flags.ispb,
    branch: flags.branch,
    account: flags.bankAccount,
    accountType: flags.accountType,
    document: flags.document,
    name: flags.name,
  };
}

export function registerPayCommand(program: Command): void {
  program
    .command("pay")
    .description("Enqueue one payment (a worker sends it to the bank); optionally wait for its outcome")
    .requiredOption(
      "--id <paymentId>",
      "your id for the payment (1-64 of A-Z a-z 0-9 . _ -); the same id is never paid twice",
    )
    .requiredOption("--amount <amount>", 'amount in reais with two decimals, e.g. "10.50"')
    .option("--description <text>", "description shown to the recipient (up to 140 characters)")
    .option("--key <pixKey>", "recipient's Pix key (e-mail, CPF, CNPJ, +55 phone or random key)")
    .addOption(
      new Option(
        "--key-type <type>",
        "the key's type (required for a CPF key: 11 digits could also be a phone)",
      ).choices(PIX_KEY_TYPES),
    )
    .option("--brcode <code>", "a Pix copia e cola (BR Code)")
    .option("--ispb <ispb>", "recipient bank's 8-digit ISPB")
    .option("--branch <branch>", "recipient's branch (agência)")
    .option(
      "--bank-account <account>",
      "recipient's account number with its check digit, no hyphen (X allowed as the check digit)",
    )
    .addOption(new Option("--account-type <type>", "recipient's account type").choices(ACCOUNT_TYPES))
    .option("--document <cpfOrCnpj>", "recipient's CPF or CNPJ")
    .option("--name <name>", "recipient's name")
    .option("--scheduled-for <date>", "pay on this date (YYYY-MM-DD)")
    .option(
      "--from-account <account>",
      "your checking account to pay from (x-conta-corrente), if the integration has several",
    )
    .option("--wait", "wait until the payment is final; exit 0 only if it was paid")
    .option("--timeout <seconds>", "how long --wait waits", positiveInteger, 120)
    .option("--json", "print JSON")
    .option(
      "--dry-run",
      "check the payment and show the request its send would make (personal data masked), its bank key and the amount written out; send and enqueue nothing",
    )
    .addHelpText(
      "after",
      `
Examples:
  pixout pay --id inv-1001 --amount 10.50 --key fornecedor@example.com --description "Reembolso 1001"
  pixout pay --id inv-1001 --amount 10.50 --key fornecedor@example.com --dry-run
  pixout pay --id inv-1002 --amount 99.90 --ispb 00416968 --branch 0001 --bank-account 1234567 \\
             --account-type CONTA_CORRENTE --document 12345678909 --name "Maria Silva" --wait`,
    )
    .action(async (flags: PayFlags) => {
      const payment = {
        paymentId: flags.id,
        amount: flags.amount,
        ...(flags.description === undefined ? {} : { description: flags.description }),
        recipient: recipientOf(flags),
        ...(flags.scheduledFor === undefined ? {} : { scheduledFor: flags.scheduledFor }),
        ...(flags.fromAccount === undefined ? {} : { account: flags.fromAccount }),
      };
      if (flags.dryRun === true) {
        // One instant for the check and the preview: a run at midnight must not judge the date twice.
        dryRun(payment, flags.json === true, Date.now());
        return;
      }
      // The configured maximum (PIXOUT_MAX_AMOUNT) applies before the queue.
      const checked = validatePayment(payment, loadPaymentRules());
      if (!checked.ok) throw invalidPayment(checked.issues);
      // With PIXOUT_TRACING=true the enqueue starts the payment's trace (the worker's steps join it).
      await withTracing(loadTracingSettings(readEnvironment()), "pixout-producer", (telemetry) =>
        withProducer(
          async (producer) => {
            let result;
            try {
              result = await producer.enqueue(payment);
            } catch (err) {
              if (err instanceof PaymentValidationError) throw invalidPayment(err.issues);
              throw err;
            }
            const said =
              result.status === "accepted"
                ? `enqueued ${result.paymentId}`
                : `${result.paymentId} was already enqueued${result.sameData ? "" : " WITH DIFFERENT DATA (this one was ignored)"}`;
            if (flags.wait !== true) {
              process.stdout.write(flags.json === true ? `${JSON.stringify(result)}\n` : `${said}\n`);
              if (result.status === "duplicate" && !result.sameData) process.exitCode = EXIT.failed;
              return;
            }
            if (flags.json !== true) process.stdout.write(`${said}; waiting for the outcome…\n`);
            try {
              const view = await producer.waitForResult(flags.id, { timeoutMs: flags.timeout * 1000 });
              process.stdout.write(flags.json === true ? `${JSON.stringify(view)}\n` : `${describeView(view)}\n`);
              if (view.outcome !== "paid") process.exitCode = EXIT.failed;
            } catch (err) {
              if (err instanceof WaitTimeoutError) {
                const outcome = err.view?.outcome;
                throw new UserError(
                  `still ${outcome ?? "unknown"} after ${String(flags.timeout)} s; follow it with: pixout status ${flags.id}`,
                );
              }
              throw err;
            }
          },
          { telemetry },
        ),
      );
    });
}
