// Inter's payment statuses (docs/reference/inter-api.md §4.1) and what each means for us. Inter does not document
// which are final; this table is our inference (UNVERIFIED upstream) and the one place that holds it.
// Any status not listed is "in-progress": we keep asking, and the caller logs it.

export type StatusClass = "success" | "failure" | "approval" | "in-progress";

const TABLE: Readonly<Record<string, StatusClass>> = {
  PAGO: "success",
  PIX_PAGO: "success", // history-only step, final success
  REPROVADO: "failure", // rejected by an approver
  EXPIRADO: "failure", // approval window expired
  CANCELADO: "failure",
  CANCELADO_SEM_SALDO: "failure",
  FALHA: "failure",
  NAO_DEBITADO: "failure",
  AGENDAMENTO_CANCELADO: "failure",
  AGUARDANDO_APROVACAO: "approval", // human-dependent; may take hours
  CRIADO: "in-progress",
  APROVADO: "in-progress",
  AGENDADO: "in-progress",
  ENVIADO: "in-progress",
  DEBITADO: "in-progress", // probably precedes PAGO
  // Partial states are unclear in Inter's documents: not final, never success. A payment stuck in one
  // is for a human (the approval/poll deadline parks it for reconciliation).
  PARCIALMENTE_DEBITADO: "in-progress",
  PARCIALMENTE_PAGO: "in-progress",
  TRANSACAO_CRIADA: "in-progress",
  TRANSACAO_APROVADA: "in-progress",
  PIX_ENVIADO: "in-progress",
};

export function isKnownStatus(status: string): boolean {
  return Object.hasOwn(TABLE, status);
}

export function classifyStatus(status: string): StatusClass {
  return isKnownStatus(status) ? (TABLE[status] ?? "in-progress") : "in-progress";
}

export function isFinalStatus(status: string): boolean {
  const c = classifyStatus(status);
  return c === "success" || c === "failure";
}

export const KNOWN_STATUSES: readonly string[] = Object.keys(TABLE);
