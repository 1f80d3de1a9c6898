// The demo's payments: every recipient type, and one of each way a payment can end.
import { buildBrCode } from "../../payments/brcode.js";
import type { Outcome } from "../../payments/lifecycle.js";

export interface DemoPayment {
  payment: Record<string, unknown>;
  /** `refused`: our own validation refuses it before the queue, with the field's problem. */
  expected: { outcome: Outcome | "refused"; bankStatus?: string };
  /** What the line shows (masked, never the full key or document). */
  label: string;
}

/** The description that makes the emulator ask for approval (an emulator fault rule matches it). */
export const APPROVAL_MARKER = "[aprovar]";
/** The description that makes the emulator end the payment FALHA (an emulator fault rule matches it). */
export const BANK_FAILURE_MARKER = "[falhar]";

/** A CPF key names its type: 11 digits alone could also be a phone number written without +55. */
const cpfKey = (cpf: string) => ({ key: cpf, keyType: "CPF" });

const key = (
  n: number,
  key: string | { key: string; keyType: string },
  amount: string,
  label: string,
  extra: Record<string, unknown> = {},
): DemoPayment => ({
  payment: {
    paymentId: `demo-${String(n).padStart(2, "0")}`,
    amount,
    recipient: { type: "key", ...(typeof key === "string" ? { key } : key) },
    ...extra,
  },
  expected: { outcome: "paid", bankStatus: "PAGO" },
  label,
});

const bank = (n: number, accountType: string, document: string, amount: string): DemoPayment => ({
  payment: {
    paymentId: `demo-${String(n).padStart(2, "0")}`,
    amount,
    recipient: {
      type: "bank",
      ispb: "00416968",
      branch: "0001",
      account: `${String(100_000 + n)}7`,
      accountType,
      document,
      name: "Maria Silva",
    },
  },
  expected: { outcome: "paid", bankStatus: "PAGO" },
  label: `bank data, ${accountType}`,
});

export function demoScenario(tomorrow: string): DemoPayment[] {
  return [
    key(1, "fornecedor@example.com", "10.50", "Pix key: e-mail", { description: "Reembolso 1001" }),
    key(2, cpfKey("52998224725"), "25.00", "Pix key: CPF"),
    key(3, "11222333000181", "120.00", "Pix key: CNPJ"),
    key(4, "+5511987654321", "8.90", "Pix key: phone"),
    key(5, "7d9f0335-8dcc-4054-9bf9-0c4d7a1e6b2f", "42.00", "Pix key: random (EVP)"),
    key(6, "12ABC34501DE35", "15.00", "Pix key: alphanumeric CNPJ"),
    bank(7, "CONTA_CORRENTE", "12345678909", "99.90"),
    bank(8, "CONTA_POUPANCA", "52998224725", "300.00"),
    bank(9, "CONTA_PAGAMENTO", "11222333000181", "1250.00"),
    {
      payment: {
        paymentId: "demo-10",
        amount: "5.00",
        recipient: {
          type: "brcode",
          code: buildBrCode({
            key: "loja@example.com",
            amountCents: 500,
            name: "LOJA EXEMPLO",
            city: "SAO PAULO",
            txid: "DEMO10",
          }),
        },
      },
      expected: { outcome: "paid", bankStatus: "PAGO" },
      label: "copia e cola with amount",
    },
    {
      payment: {
        paymentId: "demo-11",
        amount: "17.35",
        recipient: {
          type: "brcode",
          code: buildBrCode({ key: "cafe@example.com", name: "CAFE EXEMPLO", city: "RIO DE JANEIRO" }),
        },
      },
      expected: { outcome: "paid", bankStatus: "PAGO" },
      label: "copia e cola, open amount",
    },
    key(12, "aprovador@example.com", "2500.00", "needs approval (approved)", {
      description: `Compra grande ${APPROVAL_MARKER}`,
    }),
    {
      // The DICT's e-mail format allows a domain without a dot; the bank (here, the emulator) refuses it.
      payment: { paymentId: "demo-13", amount: "30.00", recipient: { type: "key", key: "fornecedor@example" } },
      expected: { outcome: "rejected" },
      label: "rejected by bank validation",
    },
    {
      payment: {
        paymentId: "demo-14",
        amount: "750.00",
        recipient: { type: "key", key: "imobiliaria@example.com" },
        description: `Aluguel ${BANK_FAILURE_MARKER}`,
      },
      expected: { outcome: "failed", bankStatus: "FALHA" },
      label: "failed at the bank",
    },
    {
      payment: {
        paymentId: "demo-15",
        amount: "60.00",
        recipient: { type: "key", key: "aluguel@example.com" },
        scheduledFor: tomorrow,
      },
      expected: { outcome: "pending", bankStatus: "AGENDADO" },
      label: `scheduled for ${tomorrow}`,
    },
    key(16, "grafica@example.com", "210.40", "Pix key: e-mail"),
    key(17, "04252011000110", "64.99", "Pix key: CNPJ"),
    key(18, "+5521998765432", "3.50", "Pix key: phone"),
    key(19, cpfKey("11144477735"), "12.34", "Pix key: CPF"),
    key(20, "0f8fad5b-d9cb-469f-a165-70867728950e", "777.77", "Pix key: random (EVP)", {
      metadata: { invoice: "NF-2026-020" },
    }),
    {
      payment: { paymentId: "demo-21", amount: "12.5", recipient: { type: "key", key: "fornecedor@example.com" } },
      expected: { outcome: "refused" },
      label: "refused by our validation",
    },
  ];
}
