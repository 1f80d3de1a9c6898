import { describe, expect, it } from "vitest";
import { KNOWN_STATUSES, classifyStatus, isFinalStatus, isKnownStatus } from "../../src/payments/bank-status.js";

describe("bank status table", () => {
  it("classifies every status of docs/reference/inter-api.md §4.1", () => {
    const expected: Record<string, string> = {
      CRIADO: "in-progress",
      AGUARDANDO_APROVACAO: "approval",
      APROVADO: "in-progress",
      AGENDADO: "in-progress",
      ENVIADO: "in-progress",
      DEBITADO: "in-progress",
      PARCIALMENTE_DEBITADO: "in-progress",
      PARCIALMENTE_PAGO: "in-progress",
      PAGO: "success",
      REPROVADO: "failure",
      EXPIRADO: "failure",
      CANCELADO: "failure",
      CANCELADO_SEM_SALDO: "failure",
      FALHA: "failure",
      NAO_DEBITADO: "failure",
      AGENDAMENTO_CANCELADO: "failure",
      TRANSACAO_CRIADA: "in-progress",
      TRANSACAO_APROVADA: "in-progress",
      PIX_ENVIADO: "in-progress",
      PIX_PAGO: "success",
    };
    for (const [status, cls] of Object.entries(expected))
      expect([status, classifyStatus(status)]).toEqual([status, cls]);
    expect([...KNOWN_STATUSES].sort()).toEqual(Object.keys(expected).sort());
  });

  it("treats an unknown status as in progress, not final", () => {
    expect(isKnownStatus("EM_ANALISE")).toBe(false);
    expect(classifyStatus("EM_ANALISE")).toBe("in-progress");
    expect(isFinalStatus("EM_ANALISE")).toBe(false);
    expect(classifyStatus("toString")).toBe("in-progress");
    expect(isFinalStatus("PAGO")).toBe(true);
    expect(isFinalStatus("AGUARDANDO_APROVACAO")).toBe(false);
  });
});
