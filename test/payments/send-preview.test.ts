// The dry run's picture of a send: the exact body the bank client would write, personal data masked.
import { describe, expect, it } from "vitest";
import { pixRequestBody } from "../../src/payments/pix-request.js";
import { bankIdempotencyKey } from "../../src/payments/idempotency.js";
import { validatePayment, type Payment } from "../../src/payments/payment.js";
import { saoPauloToday, shiftIsoDate } from "../../src/payments/calendar.js";
import { firstPixOrder } from "../../src/payments/pix-order.js";
import { sendPreview } from "../../src/payments/send-preview.js";

const NOW = Date.parse("2026-11-27T15:00:00Z"); // 12:00 in São Paulo

function payment(input: Record<string, unknown>): Payment {
  const checked = validatePayment(input, {}, NOW);
  if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
  return checked.value;
}

describe("send preview", () => {
  it("shows the exact body with only the Pix key masked, the bank key and the amount written out", () => {
    const p = payment({
      paymentId: "inv-1001",
      amount: "1234.50",
      description: "Reembolso 1001",
      recipient: { type: "key", key: "fornecedor@example.com" },
    });
    const preview = sendPreview(p, NOW);
    const real = pixRequestBody(firstPixOrder(p, NOW));
    expect(preview.request.body).toBe(real.replace('"fornecedor@example.com"', '"f***@e***.com"'));
    expect(preview.request.body).toBe(
      '{"valor":1234.50,"descricao":"Reembolso 1001","destinatario":{"tipo":"CHAVE","chave":"f***@e***.com"}}',
    );
    expect(preview.idempotencyKey).toBe(bankIdempotencyKey("inv-1001", 0));
    expect(preview.request.headers).toEqual({
      authorization: "Bearer ***",
      "content-type": "application/json",
      "x-id-idempotente": preview.idempotencyKey,
    });
    expect(preview).toMatchObject({
      amount: "1234.50",
      amountText: "R$ 1.234,50",
      amountInWords: "mil duzentos e trinta e quatro reais e cinquenta centavos",
    });
  });

  it("masks the document, name and account of bank data, and personal data quoted in the description", () => {
    const p = payment({
      paymentId: "inv-1002",
      amount: "99.90",
      description: "para maria@example.com CPF 123.456.789-09",
      recipient: {
        type: "bank",
        ispb: "00416968",
        branch: "0001",
        account: "1234567",
        accountType: "CONTA_CORRENTE",
        document: "12345678909",
        name: "Maria Silva",
      },
      account: "12345678",
    });
    const { request } = sendPreview(p, NOW, "999");
    const body = JSON.parse(request.body) as { descricao: string; destinatario: Record<string, unknown> };
    expect(body.destinatario).toEqual({
      tipo: "DADOS_BANCARIOS",
      contaCorrente: "12***67",
      tipoConta: "CONTA_CORRENTE",
      cpfCnpj: "***.456.789-**",
      agencia: "0001",
      nome: "M*** S***",
      instituicaoFinanceira: { ispb: "00416968" },
    });
    expect(body.descricao).toBe("para m***@e***.com CPF ***.456.789-**");
    for (const secret of ["12345678909", "Maria Silva", '1234567"', "maria@example.com"])
      expect(request.body).not.toContain(secret);
    expect(request.headers["x-conta-corrente"]).toBe("12345678"); // the payment's account wins over INTER_ACCOUNT
  });

  it("sends dataPagamento only for a date still in the future in São Paulo, and masks a BR Code", () => {
    const code =
      "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D";
    const today = saoPauloToday(NOW);
    expect(today).toBe("2026-11-27");
    const tomorrow = sendPreview(
      payment({
        paymentId: "s-1",
        amount: "5.00",
        scheduledFor: shiftIsoDate(today, 1),
        recipient: { type: "brcode", code },
      }),
      NOW,
      "42",
    );
    expect(tomorrow.request.body).toBe(
      `{"valor":5.00,"dataPagamento":"2026-11-28","destinatario":{"tipo":"PIX_COPIA_E_COLA","pixCopiaECola":"000201…(${String(code.length)} chars)"}}`,
    );
    expect(tomorrow.request.headers["x-conta-corrente"]).toBe("42");
    const sameDay = sendPreview(
      payment({ paymentId: "s-2", amount: "5.00", scheduledFor: today, recipient: { type: "brcode", code } }),
      NOW,
    );
    expect(sameDay.request.body).not.toContain("dataPagamento");
    // Twelve hours later it is midnight in São Paulo: the same payment is due today, and pays now.
    expect(
      sendPreview(
        payment({ paymentId: "s-1", amount: "5.00", scheduledFor: "2026-11-28", recipient: { type: "brcode", code } }),
        NOW + 12 * 3_600_000,
      ).request.body,
    ).not.toContain("dataPagamento");
  });
});
