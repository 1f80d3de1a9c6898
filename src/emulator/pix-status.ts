// Status vocabularies of an outbound Pix (docs/reference/inter-api.md §4.1) and the tables that translate between
// them. Everything that maps one status word to another lives here, in one place.

/** `transacaoPix.status` values listed by Inter's spec (`StatusPix`). The field is a free string. */
export const PIX_STATUSES = [
  "CRIADO",
  "AGUARDANDO_APROVACAO",
  "APROVADO",
  "REPROVADO",
  "EXPIRADO",
  "AGENDADO",
  "ENVIADO",
  "DEBITADO",
  "PARCIALMENTE_DEBITADO",
  "PARCIALMENTE_PAGO",
  "PAGO",
  "CANCELADO",
  "CANCELADO_SEM_SALDO",
  "FALHA",
  "NAO_DEBITADO",
  "AGENDAMENTO_CANCELADO",
] as const;
export type PixStatus = (typeof PIX_STATUSES)[number];

/**
 * Final statuses. Inter does not document which statuses are final; this is docs/reference/inter-api.md §4.1's
 * inference (UNVERIFIED). PARCIALMENTE_* are "unclear" there; the emulator never produces them.
 */
// Deliberately not shared with src/payments/bank-status.ts: the emulator models the bank, the client's table is our inference of it.
const FINAL_STATUSES: ReadonlySet<string> = new Set<PixStatus>([
  "PAGO",
  "REPROVADO",
  "EXPIRADO",
  "CANCELADO",
  "CANCELADO_SEM_SALDO",
  "FALHA",
  "NAO_DEBITADO",
  "AGENDAMENTO_CANCELADO",
]);

/** Failure statuses a `final-status` fault may force on a new payment. */
export const FORCEABLE_FINAL_STATUSES = [
  "FALHA",
  "NAO_DEBITADO",
  "CANCELADO",
  "CANCELADO_SEM_SALDO",
  "AGENDAMENTO_CANCELADO",
] as const;
export type ForcedFinalStatus = (typeof FORCEABLE_FINAL_STATUSES)[number];

export function isFinalStatus(status: string): boolean {
  return FINAL_STATUSES.has(status);
}

/**
 * `historico[].status` for each step. The only captured sandbox answer (docs/reference/inter-api.md §4.1, fixture in
 * renatojdev/bancointer-python) shows `TRANSACAO_CRIADA → TRANSACAO_APROVADA → PIX_ENVIADO → PIX_PAGO`
 * while `transacaoPix.status` is PAGO, so the four steps of the happy path use those history-only
 * words. ASSUMPTION (UNVERIFIED): every other step appears in the history under its own status name
 * (`StatusHistoricoPix` lists the same 16 values as `StatusPix`).
 */
const HISTORY_NAMES: Partial<Record<PixStatus, string>> = {
  CRIADO: "TRANSACAO_CRIADA",
  APROVADO: "TRANSACAO_APROVADA",
  ENVIADO: "PIX_ENVIADO",
  PAGO: "PIX_PAGO",
};

export function historyName(status: PixStatus): string {
  return HISTORY_NAMES[status] ?? status;
}

/** The callback's own status vocabulary (docs/reference/inter-api.md §5.1 `CallbackPixPagamentoModel.status`). */
export type CallbackStatus = "EFETIVADO" | "ERRO" | "REPROVADO" | "APROVACAO_EXPIRADA" | "CANCELADO";

/**
 * Final payment status → callback status. ASSUMPTION (UNVERIFIED): the spec's enum is
 * EFETIVADO | ERRO | REPROVADO | APROVACAO_EXPIRADA | CANCELADO, but its own examples send
 * "PROCESSADO" (not in the enum) and samfelgar/inter-sdk models NAO_EFETIVADO — the vocabulary is not
 * reliable (docs/reference/inter-api.md §5.1), which is why clients must confirm with GET. We send the enum
 * values only.
 */
const CALLBACK_STATUS: Record<string, CallbackStatus> = {
  PAGO: "EFETIVADO",
  REPROVADO: "REPROVADO",
  EXPIRADO: "APROVACAO_EXPIRADA",
  CANCELADO: "CANCELADO",
  CANCELADO_SEM_SALDO: "CANCELADO",
  AGENDAMENTO_CANCELADO: "CANCELADO",
  FALHA: "ERRO",
  NAO_DEBITADO: "ERRO",
};

export function callbackStatus(status: PixStatus): CallbackStatus {
  return CALLBACK_STATUS[status] ?? "ERRO";
}

/** One entry of `erros[]` (docs/reference/inter-api.md §4 and §5.1). */
export interface PixError {
  codigoErro: string;
  descricaoErro: string;
  codigoErroComplementar: string;
}

/** An error as a fault rule may give it: the complementary code is optional (defaults to ""). */
export interface PixErrorInput {
  codigoErro: string;
  descricaoErro: string;
  codigoErroComplementar?: string;
}

export function toPixError(e: PixErrorInput): PixError {
  return {
    codigoErro: e.codigoErro,
    descricaoErro: e.descricaoErro,
    codigoErroComplementar: e.codigoErroComplementar ?? "",
  };
}

/**
 * `erros[]` for a failure when nobody specified one. ASSUMPTION (UNVERIFIED): Inter's error codes for
 * outbound Pix are not documented; these are our own, with ISO 20022 reason codes (AM04 = insufficient
 * funds, as in Pix's pacs.002) in `codigoErroComplementar`.
 */
const DEFAULT_ERRORS: Partial<Record<PixStatus, PixError>> = {
  CANCELADO_SEM_SALDO: {
    codigoErro: "SALDO_INSUFICIENTE",
    descricaoErro: "Saldo insuficiente para realizar a transação.",
    codigoErroComplementar: "AM04",
  },
  FALHA: {
    codigoErro: "FALHA_PROCESSAMENTO",
    descricaoErro: "Falha no processamento do Pix.",
    codigoErroComplementar: "",
  },
  NAO_DEBITADO: {
    codigoErro: "NAO_DEBITADO",
    descricaoErro: "Não foi possível debitar a conta.",
    codigoErroComplementar: "",
  },
  CANCELADO: { codigoErro: "CANCELADO", descricaoErro: "Pagamento cancelado.", codigoErroComplementar: "" },
  AGENDAMENTO_CANCELADO: {
    codigoErro: "AGENDAMENTO_CANCELADO",
    descricaoErro: "Agendamento cancelado.",
    codigoErroComplementar: "",
  },
};

export function defaultErrors(status: PixStatus): PixError[] {
  const e = DEFAULT_ERRORS[status];
  return e ? [{ ...e }] : [];
}
