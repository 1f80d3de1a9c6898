// Inter's callbacks in the pipeline (docs/design.md §3.4): with a receiver running, payments finish from the
// callback without status queries; unknown, contradictory and failure callbacks are confirmed by one.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { saoPauloToday, shiftIsoDate } from "../../src/payments/calendar.js";
import { bankFor } from "../helpers/bank.js";
import { testCerts } from "../helpers/certs.js";
import { startPipeline, type TestPipeline, redisUrlOf } from "../helpers/pipeline.js";
import { postCallback, startTestReceiver, type TestReceiver } from "../helpers/webhook.js";

const STATUS = "GET /banking/v2/pix/{id}";

async function withReceiver(
  options: Parameters<typeof startPipeline>[0] = {},
  register = true,
  pins?: string[],
): Promise<TestPipeline & { receiver: TestReceiver }> {
  const pipeline = await startPipeline({
    ...options,
    env: { PIXOUT_WEBHOOK_POLL_MS: "60000", ...options.env },
    emulator: { callbackRetryScale: 1 / 60_000, ...options.emulator },
  });
  const receiver = await startTestReceiver({
    redisUrl: redisUrlOf(pipeline.config),
    redisPrefix: pipeline.config.redisPrefix,
    queueName: pipeline.config.queueName,
    ...(pins === undefined ? {} : { clientFingerprints: pins }),
  });
  if (register) await bankFor(pipeline.emulator).client.registerWebhook(receiver.url);
  return { ...pipeline, receiver };
}

const payment = (id: string, amount = "12.34") => ({
  paymentId: id,
  amount,
  recipient: { type: "key" as const, key: "fornecedor@example.com" },
});

describe("payments with Inter's webhook", () => {
  it("finish from the callbacks: every payment paid, no status query, the bank's endToEndId on each", async () => {
    // The bank settles at once: callbacks often arrive before the worker has even linked the payment
    // to its codigoSolicitacao — the worker's check after moving the job to delayed catches those.
    const { producer, emulator, receiver } = await withReceiver({
      emulator: { timing: { sentAfterMs: 0, paidAfterMs: 0 } },
    });
    const ids = Array.from({ length: 30 }, (_, i) => `wh-${String(i)}`);
    await producer.enqueueMany(ids.map((id) => payment(id)));
    // The polls are 60 s apart while the receiver runs: finishing in seconds means the callbacks did it.
    const views = await Promise.all(ids.map((id) => producer.waitForResult(id, { timeoutMs: 20_000 })));
    for (const view of views) {
      expect(view).toMatchObject({ outcome: "paid", bankStatus: "EFETIVADO" });
      expect(view.endToEndId).toBe(emulator.payment(view.codigoSolicitacao ?? "")?.endToEnd);
    }
    const ledger = emulator.ledger.snapshot();
    expect(ledger.requests[STATUS]?.total ?? 0).toBe(0);
    expect(ledger.executions.total).toBe(30);
    expect(receiver.stats().items).toBe(30);
  });

  it("confirm a failure callback with one status query, then fail with the bank's status", async () => {
    const { producer, emulator } = await withReceiver({
      emulator: {
        faults: [
          {
            method: "POST",
            path: "/banking/v2/pix",
            bodyIncludes: "will-fail",
            fault: { type: "final-status", status: "FALHA" },
          },
        ],
      },
    });
    await producer.enqueue({ ...payment("wh-fail"), description: "will-fail" });
    const view = await producer.waitForResult("wh-fail", { timeoutMs: 20_000 });
    expect(view).toMatchObject({ outcome: "failed", bankStatus: "FALHA" });
    expect(emulator.ledger.snapshot().requests[STATUS]?.total).toBe(1);
  });

  it("wake the poll for a contradictory callback; the status query decides, not the callback", async () => {
    // The bank takes long to pay and has no webhook registered: the only callback is ours, with another amount.
    const { producer, emulator, receiver, lines } = await withReceiver(
      { emulator: { timing: { sentAfterMs: 50, paidAfterMs: 3_000 } }, env: { PIXOUT_WEBHOOK_POLL_MS: "4000" } },
      false,
    );
    await producer.enqueue(payment("wh-odd", "50.00"));
    let codigo: string | null = null;
    for (let i = 0; i < 100 && codigo === null; i++) {
      codigo = (await producer.get("wh-odd"))?.codigoSolicitacao ?? null;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(codigo).not.toBeNull();
    const before = emulator.ledger.snapshot().requests[STATUS]?.total ?? 0;
    const forged = {
      codigoSolicitacao: codigo,
      status: "EFETIVADO",
      valor: "5.00",
      endToEnd: "E00416968202611271200forgedxxxxx",
    };
    expect((await postCallback(receiver.url, [forged])).status).toBe(200);
    // Woken at once (its next poll was seconds away): one status query, which says the bank is not done.
    for (let i = 0; i < 40 && (emulator.ledger.snapshot().requests[STATUS]?.total ?? 0) === before; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(emulator.ledger.snapshot().requests[STATUS]?.total).toBe(before + 1);
    expect((await producer.get("wh-odd"))?.outcome).toBe("pending");
    const view = await producer.waitForResult("wh-odd", { timeoutMs: 20_000 });
    // Paid, per the bank's status — not per the callback's endToEnd.
    expect(view).toMatchObject({ outcome: "paid", bankStatus: "PAGO" });
    expect(view.endToEndId).not.toBe(forged.endToEnd);
    expect(lines.join("\n")).toMatch(/amount differs.*confirming Inter's callback with a status query/);
  });

  describe("a forged success callback never pays", () => {
    // A payment scheduled a year ahead: the bank says AGENDADO for as long as the test runs, so "paid"
    // could only come from the callback (whose receiver stretches the status polls to a minute). The forgery is perfect in every field the job knows — the
    // codigoSolicitacao, amount, key and an end-to-end id of this very minute.
    async function scheduledAndForged(pipeline: TestPipeline, id: string): Promise<Record<string, unknown>> {
      await pipeline.producer.enqueue({ ...payment(id), scheduledFor: shiftIsoDate(saoPauloToday(Date.now()), 365) });
      let codigo: string | undefined;
      for (let i = 0; i < 200 && codigo === undefined; i++) {
        const v = await pipeline.producer.get(id);
        if (typeof v?.codigoSolicitacao === "string") codigo = v.codigoSolicitacao;
        else await new Promise((r) => setTimeout(r, 50));
      }
      expect(codigo).toBeDefined();
      const minute = new Date().toISOString().replace(/[-T:]/g, "").slice(0, 12);
      return {
        codigoSolicitacao: codigo,
        status: "EFETIVADO",
        valor: "12.34",
        chave: "fornecedor@example.com",
        endToEnd: `E00416968${minute}forged00001`,
        tipoMovimentacao: "PAGAMENTO",
      };
    }
    async function statusQueriesAfter(pipeline: TestPipeline, before: number): Promise<number> {
      for (let i = 0; i < 80 && (pipeline.emulator.ledger.snapshot().requests[STATUS]?.total ?? 0) === before; i++)
        await new Promise((r) => setTimeout(r, 25));
      return pipeline.emulator.ledger.snapshot().requests[STATUS]?.total ?? 0;
    }

    it("unpinned receiver: a certificate the CA signed (pixout's own) is heard, but only wakes the status query", async () => {
      const pipeline = await withReceiver({}, false, []);
      const forged = await scheduledAndForged(pipeline, "wh-forged");
      const before = pipeline.emulator.ledger.snapshot().requests[STATUS]?.total ?? 0;
      const certs = testCerts();
      expect(
        (await postCallback(pipeline.receiver.url, [forged], { cert: certs.clientCert, key: certs.clientKey })).status,
      ).toBe(200);
      expect(await statusQueriesAfter(pipeline, before)).toBe(before + 1);
      expect(await pipeline.producer.get("wh-forged")).toMatchObject({ outcome: "pending", bankStatus: "AGENDADO" });
      expect(pipeline.lines.join("\n")).toMatch(/caller not pinned.*confirming Inter's callback with a status query/);
      expect(pipeline.receiver.lines.join("\n")).toMatch(/a caller not pinned called the webhook/);
    });

    it("pinned receiver: refuses other certificates of the CA, and even a pinned caller cannot pay a payment due another day", async () => {
      const pipeline = await withReceiver({}, false);
      const forged = await scheduledAndForged(pipeline, "wh-forged-pinned");
      const certs = testCerts();
      expect(
        (await postCallback(pipeline.receiver.url, [forged], { cert: certs.clientCert, key: certs.clientKey })).status,
      ).toBe(403);
      const before = pipeline.emulator.ledger.snapshot().requests[STATUS]?.total ?? 0;
      // The pinned identity (standing for Inter's own certificate), saying EFETIVADO for a payment the bank holds for next year.
      expect((await postCallback(pipeline.receiver.url, [forged])).status).toBe(200);
      expect(await statusQueriesAfter(pipeline, before)).toBe(before + 1);
      expect(await pipeline.producer.get("wh-forged-pinned")).toMatchObject({
        outcome: "pending",
        bankStatus: "AGENDADO",
      });
      expect(pipeline.lines.join("\n")).toMatch(
        /scheduled for a later day.*confirming Inter's callback with a status query/,
      );
    });
  });

  it("fall back to polling at the usual pace when no receiver runs", async () => {
    const pipeline = await startPipeline({ env: { PIXOUT_WEBHOOK_POLL_MS: "600000" } });
    const id = `no-wh-${randomUUID().slice(0, 6)}`;
    await pipeline.producer.enqueue(payment(id));
    expect(await pipeline.producer.waitForResult(id, { timeoutMs: 15_000 })).toMatchObject({
      outcome: "paid",
      bankStatus: "PAGO",
    });
  });
});
