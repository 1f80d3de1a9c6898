// zod schemas of Inter's answers (inter-api.md §3.3, §4, §5). Unknown fields are dropped, optional
// fields stay optional, and statuses are free strings: an unknown status is kept and surfaced, never fatal.
import { z } from "zod";

/** `PagamentoPixResponse` (inter-api.md §3.3). `tipoRetorno` is an enum in the spec; we keep any string. */
export const sendPixAnswer = z.object({
  tipoRetorno: z.string().min(1),
  codigoSolicitacao: z.string().min(1),
  dataPagamento: z.string().optional(),
  dataOperacao: z.string().optional(),
  // Mapped by the official SDKs but not in the current spec (UNVERIFIED): read when present.
  endToEndId: z.string().optional(),
  codigoAgendamento: z.string().optional(),
});

const pixError = z.object({
  codigoErro: z.string().optional(),
  descricaoErro: z.string().optional(),
  codigoErroComplementar: z.string().optional(),
});

/** `ConsultaPixAsyncResponse` (inter-api.md §4). */
export const getPixAnswer = z.object({
  transacaoPix: z.object({
    status: z.string().min(1),
    codigoSolicitacao: z.string().optional(),
    endToEnd: z.string().optional(),
    valor: z.number().optional(),
    dataHoraMovimento: z.string().optional(),
    dataHoraSolicitacao: z.string().optional(),
    contaCorrente: z.string().optional(),
    erros: z.array(pixError).nullish(),
  }),
  historico: z.array(z.object({ status: z.string(), dataHoraEvento: z.string().optional() })).nullish(),
});

/** `WebhookModel` (inter-api.md §5). */
export const webhookAnswer = z.object({
  webhookUrl: z.string(),
  criacao: z.string().optional(),
});

export type PixErrorDetail = z.infer<typeof pixError>;
