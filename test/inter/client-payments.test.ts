// The Inter client against the real emulator over mTLS: every recipient type and every status path.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { InterClient, PixStatus } from "../../src/inter/client.js";
import { KNOWN_STATUSES, classifyStatus } from "../../src/payments/bank-status.js";
import { buildBrCode } from "../../src/payments/brcode.js";
import { saoPauloToday, shiftIsoDate } from "../../src/payments/calendar.js";
import { bankFor } from "../helpers/bank.js";
import { NO_LIMITS, startTestEmulator } from "../helpers/emulator.js";

const emulator = await startTestEmulator({ limits: NO_LIMITS, timing: { sentAfterMs: 20, paidAfterMs: 60 } });
const { client } = bankFor(emulator);

async function until(c: InterClient, codigo: string, done: (s: PixStatus) => boolean): Promise<PixStatus> {
  for (let i = 0; i < 200; i++) {
    const status = await c.getPix(codigo);
    if (done(status)) return status;
    await sleep(25);
  }
  throw new Error(`payment ${codigo} never reached the expected status`);
}
const final = (s: PixStatus): boolean => ["success", "failure"].includes(classifyStatus(s.status));

describe("Inter client: sending and following payments", () => {
  it("pays by Pix key and follows it to PAGO with endToEnd, amount and history", async () => {
    const key = randomUUID();
    const sent = await client.sendPix(
      { amountCents: 1050, description: "Reembolso 1001", recipient: { type: "key", key: "fornecedor@example.com" } },
      key,
    );
    expect(sent.tipoRetorno).toBe("PROCESSADO");
    expect(sent.codigoSolicitacao).toMatch(/^[0-9a-f-]{36}$/);
    const seen = emulator.payment(sent.codigoSolicitacao);
    expect(seen?.amountCents).toBe(1050);
    expect(seen?.idempotencyKey).toBe(key);

    const status = await until(client, sent.codigoSolicitacao, final);
    expect(status.status).toBe("PAGO");
    expect(status.codigoSolicitacao).toBe(sent.codigoSolicitacao);
    expect(status.amountCents).toBe(1050);
    expect(status.endToEndId).toMatch(/^E00416968\d{12}[A-Za-z0-9]{11}$/);
    expect(status.history.map((h) => h.status)).toEqual([
      "TRANSACAO_CRIADA",
      "TRANSACAO_APROVADA",
      "PIX_ENVIADO",
      "PIX_PAGO",
    ]);
    expect(status.errors).toEqual([]);
  });

  it("pays by bank account data (DADOS_BANCARIOS)", async () => {
    const sent = await client.sendPix(
      {
        amountCents: 9990,
        recipient: {
          type: "bank",
          ispb: "00416968",
          branch: "0001",
          account: "1234567",
          accountType: "CONTA_CORRENTE",
          document: "12345678909",
          name: "Maria Silva",
        },
      },
      randomUUID(),
    );
    expect(emulator.payment(sent.codigoSolicitacao)?.recipient).toMatchObject({
      tipo: "DADOS_BANCARIOS",
      nome: "Maria Silva",
    });
    expect((await until(client, sent.codigoSolicitacao, final)).status).toBe("PAGO");
  });

  it("pays a BR Code (PIX_COPIA_E_COLA)", async () => {
    const code = buildBrCode({
      key: "fornecedor@example.com",
      amountCents: 500,
      name: "Fornecedor",
      city: "SAO PAULO",
    });
    const sent = await client.sendPix({ amountCents: 500, recipient: { type: "brcode", code } }, randomUUID());
    expect((await until(client, sent.codigoSolicitacao, final)).status).toBe("PAGO");
  });

  it("schedules a payment for a future date (AGENDADO)", async () => {
    const nextMonth = shiftIsoDate(saoPauloToday(Date.now()), 31);
    const sent = await client.sendPix(
      { amountCents: 100, paymentDate: nextMonth, recipient: { type: "key", key: "+5511987654321" } },
      randomUUID(),
    );
    expect(sent.tipoRetorno).toBe("AGENDADO");
    expect(sent.dataPagamento).toBe(nextMonth);
    expect((await client.getPix(sent.codigoSolicitacao)).status).toBe("AGENDADO");
  });

  it("follows approval: APROVACAO → AGUARDANDO_APROVACAO → approved and PAGO, or REPROVADO, or EXPIRADO", async () => {
    emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: "needs-approval",
      fault: { type: "approval-required" },
    });
    const send = () =>
      client.sendPix(
        { amountCents: 700, description: "needs-approval", recipient: { type: "key", key: "12345678909" } },
        randomUUID(),
      );
    const [a, b, c] = [await send(), await send(), await send()];
    for (const s of [a, b, c]) {
      expect(s.tipoRetorno).toBe("APROVACAO");
      expect((await client.getPix(s.codigoSolicitacao)).status).toBe("AGUARDANDO_APROVACAO");
    }
    emulator.approve(a.codigoSolicitacao);
    emulator.reject(b.codigoSolicitacao);
    emulator.expire(c.codigoSolicitacao);
    expect((await until(client, a.codigoSolicitacao, final)).status).toBe("PAGO");
    expect((await until(client, b.codigoSolicitacao, final)).status).toBe("REPROVADO");
    expect((await until(client, c.codigoSolicitacao, final)).status).toBe("EXPIRADO");
    emulator.faults.clear();
  });

  it("reports CANCELADO_SEM_SALDO when the balance is too low, and forced failures with their errors", async () => {
    const poor = await startTestEmulator({
      limits: NO_LIMITS,
      balanceCents: 1000,
      timing: { sentAfterMs: 0, paidAfterMs: 0 },
    });
    const poorClient = bankFor(poor).client;
    const big = await poorClient.sendPix(
      { amountCents: 1001, recipient: { type: "key", key: "fornecedor@example.com" } },
      randomUUID(),
    );
    expect((await until(poorClient, big.codigoSolicitacao, final)).status).toBe("CANCELADO_SEM_SALDO");
    expect(poor.ledger.snapshot().payments.debitedCents).toBe(0);

    for (const forced of ["FALHA", "NAO_DEBITADO", "CANCELADO"] as const) {
      poor.faults.clear();
      poor.faults.add({
        method: "POST",
        path: "/banking/v2/pix",
        fault: { type: "final-status", status: forced, erros: [{ codigoErro: "E42", descricaoErro: "Falha emulada" }] },
      });
      const sent = await poorClient.sendPix(
        { amountCents: 10, recipient: { type: "key", key: "fornecedor@example.com" } },
        randomUUID(),
      );
      const status = await until(poorClient, sent.codigoSolicitacao, final);
      expect(status.status).toBe(forced);
      expect(status.errors[0]).toMatchObject({ codigoErro: "E42", descricaoErro: "Falha emulada" });
    }
  });

  it("keeps an unknown status string and surfaces it instead of failing", async () => {
    const sent = await client.sendPix(
      { amountCents: 10, recipient: { type: "key", key: "fornecedor@example.com" } },
      randomUUID(),
    );
    emulator.faults.add({
      method: "GET",
      path: "/banking/v2/pix/*",
      times: 1,
      fault: { type: "unknown-status", status: "EM_ANALISE_NOVA" },
    });
    const status = await client.getPix(sent.codigoSolicitacao);
    expect(status.status).toBe("EM_ANALISE_NOVA");
    expect(classifyStatus(status.status)).toBe("in-progress");
    emulator.faults.clear();
  });

  it("surfaces every status string the bank reports, known or not", async () => {
    const sent = await client.sendPix(
      { amountCents: 10, recipient: { type: "key", key: "fornecedor@example.com" } },
      randomUUID(),
    );
    for (const status of [...KNOWN_STATUSES, "EM_ANALISE_NOVA"]) {
      emulator.faults.clear();
      emulator.faults.add({
        method: "GET",
        path: "/banking/v2/pix/*",
        times: 1,
        fault: { type: "unknown-status", status },
      });
      expect((await client.getPix(sent.codigoSolicitacao)).status).toBe(status);
    }
    emulator.faults.clear();
  });

  it("sends x-conta-corrente when an account is configured", async () => {
    const multi = await startTestEmulator({
      limits: NO_LIMITS,
      integration: {
        clientId: "multi",
        clientSecret: "multi-secret-123",
        scopes: ["pagamento-pix.read", "pagamento-pix.write"],
        accounts: ["111", "222"],
      },
    });
    const env = { INTER_CLIENT_ID: "multi", INTER_CLIENT_SECRET: "multi-secret-123" };
    const order = { amountCents: 10, recipient: { type: "key" as const, key: "fornecedor@example.com" } };
    await expect(bankFor(multi, { env }).client.sendPix(order, randomUUID())).rejects.toMatchObject({
      code: "INTER_REJECTED",
    });
    const sent = await bankFor(multi, { env: { ...env, INTER_ACCOUNT: "222" } }).client.sendPix(order, randomUUID());
    expect(multi.payment(sent.codigoSolicitacao)?.account).toBe("222");
  });
});
