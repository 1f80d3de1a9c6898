// zod schemas of Inter's answers (inter-api.md §3.3, §4, §5). Unknown fields are dropped and statuses
// are free strings: an unknown status is kept and surfaced, never fatal. Informational fields that come
// malformed are dropped rather than failing the whole answer — only what we act on must be right.
import { z } from "zod";

const optionalText = z.string().optional().catch(undefined);

/** `PagamentoPixResponse` (inter-api.md §3.3). `tipoRetorno` is an enum in the spec; we keep any string. */
export const sendPixAnswer = z.object({
  tipoRetorno: z.string().min(1),
  codigoSolicitacao: z.string().min(1),
  dataPagamento: optionalText,
  dataOperacao: optionalText,
  // Mapped by the official SDKs but not in the current spec (UNVERIFIED): read when present.
  endToEndId: optionalText,
  codigoAgendamento: optionalText,
});

const code = z.union([z.string(), z.number().transform(String)]).optional().catch(undefined);
const pixError = z.object({ codigoErro: code, descricaoErro: code, codigoErroComplementar: code });

/** `ConsultaPixAsyncResponse` (inter-api.md §4). */
export const getPixAnswer = z.object({
  transacaoPix: z.object({
    status: z.string().min(1),
    codigoSolicitacao: optionalText,
    endToEnd: optionalText,
    // A number in the spec; callbacks and the SDKs use strings, so both are read (never as a float).
    valor: z.union([z.number(), z.string()]).optional().catch(undefined),
    dataHoraMovimento: optionalText,
    dataHoraSolicitacao: optionalText,
    contaCorrente: optionalText,
    erros: z.array(pixError).nullish().catch(undefined),
  }),
  historico: z
    .array(z.object({ status: z.string(), dataHoraEvento: optionalText }))
    .nullish()
    .catch(undefined),
});

/** `WebhookModel` (inter-api.md §5). */
export const webhookAnswer = z.object({
  webhookUrl: z.string(),
  criacao: optionalText,
});

export type PixErrorDetail = z.infer<typeof pixError>;
