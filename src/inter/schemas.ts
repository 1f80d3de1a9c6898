// zod schemas of Inter's answers to a send, a status query and the webhook calls (docs/reference/inter-api.md §3.3,
// §4, §5). Unknown fields are dropped and statuses are free strings: an unknown status is kept and surfaced, never
// fatal. Informational fields that come malformed are dropped rather than failing the whole answer — only what we
// act on must be right.
import { z } from "zod";

const optionalText = z.string().optional().catch(undefined);

/**
 * `PagamentoPixResponse`. No field is marked required in Inter's spec: a 200 that carries a
 * `codigoSolicitacao` is a payment the bank has, to be followed by status queries whatever else it lacks.
 * `tipoRetorno` is an enum in the spec; we keep any string (or none).
 */
export const sendPixAnswer = z.object({
  tipoRetorno: optionalText,
  codigoSolicitacao: z.string().min(1),
  dataPagamento: optionalText,
  dataOperacao: optionalText,
  // Mapped by the official SDKs but not in the current spec (UNVERIFIED): read when present.
  endToEndId: optionalText,
  codigoAgendamento: optionalText,
});

const code = z
  .union([z.string(), z.number().transform(String)])
  .optional()
  .catch(undefined);
const pixError = z.object({ codigoErro: code, descricaoErro: code, codigoErroComplementar: code });

/** `ConsultaPixAsyncResponse` (docs/reference/inter-api.md §4). */
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
    chave: optionalText,
    erros: z.array(pixError).nullish().catch(undefined),
  }),
  historico: z
    .array(z.object({ status: z.string(), dataHoraEvento: optionalText }))
    .nullish()
    .catch(undefined),
});

/** `WebhookModel` (docs/reference/inter-api.md §5). */
export const webhookAnswer = z.object({
  webhookUrl: z.string(),
  criacao: optionalText,
});

export type PixErrorDetail = z.infer<typeof pixError>;

/**
 * A page of `GET …/webhooks/pix-pagamento/callbacks`: Inter's record of its deliveries. Nothing is marked
 * required; `payload` is the body Inter sent (an array of callback items, or one).
 */
export const callbackPageAnswer = z.object({
  totalElementos: z.number().optional().catch(undefined),
  totalPaginas: z.number().optional().catch(undefined),
  ultimaPagina: z.boolean().optional().catch(undefined),
  data: z
    .array(
      z.object({
        webhookUrl: optionalText,
        payload: z.unknown().optional(),
        numeroTentativa: z.number().optional().catch(undefined),
        dataEnvio: optionalText,
        dataHoraDisparo: optionalText,
        sucesso: z.boolean().optional().catch(undefined),
        httpStatus: z.number().optional().catch(undefined),
        mensagemErro: z.string().nullish().catch(undefined),
      }),
    )
    .nullish()
    .catch(undefined),
});

/** `POST …/callbacks/retry`'s answer: the codigoSolicitacao Inter found (and will deliver again). */
export const callbackRetryAnswer = z.object({ foundIds: z.array(z.string()).nullish().catch(undefined) });
