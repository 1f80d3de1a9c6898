// A `CallbackPixPagamentoModel` item as the receiver reads it (docs/reference/inter-api.md §5.1): lenient, because the
// documents disagree on the vocabulary, and reduced to what the payment job needs — the recipient's
// name, document and account (`recebedor`) are personal data we have no use for, so they are not kept,
// and the Pix key is kept only as a digest, enough to compare it with the job's.
import { z } from "zod";
import { pixKeyDigest, type CallbackNews } from "../payments/callback-news.js";
import { scrubBankText } from "../payments/mask.js";

const item = z.looseObject({
  // Used inside Redis key names: a UUID in practice; anything unusual is refused.
  codigoSolicitacao: z.string().regex(/^[A-Za-z0-9-]{1,100}$/),
  status: z.string().max(64).optional(),
  valor: z.unknown().optional(),
  chave: z.string().max(200).optional(),
  endToEnd: z.string().max(64).optional(),
  dataHoraMovimento: z.string().max(64).optional(),
  tipoMovimentacao: z.string().max(64).optional(),
  erros: z
    .array(
      z.looseObject({
        codigoErro: z.unknown().optional(),
        descricaoErro: z.unknown().optional(),
        codigoErroComplementar: z.unknown().optional(),
      }),
    )
    .optional(),
});

export interface CallbackItem extends CallbackNews, Record<string, unknown> {
  tipoMovimentacao?: string;
  erros?: { codigoErro?: unknown; descricaoErro?: unknown; codigoErroComplementar?: unknown }[];
}

/** The items of a callback body: Inter sends an array; older deliveries sent one object. */
export function callbackItems(body: unknown): { items: CallbackItem[]; refused: number } {
  const list = Array.isArray(body) ? (body as unknown[]) : typeof body === "object" && body !== null ? [body] : [];
  const items: CallbackItem[] = [];
  let refused = 0;
  for (const entry of list) {
    const parsed = item.safeParse(entry);
    if (!parsed.success) {
      refused++;
      continue;
    }
    const p = parsed.data;
    items.push({
      codigoSolicitacao: p.codigoSolicitacao,
      ...(p.status === undefined ? {} : { status: p.status }),
      ...(p.valor === undefined ? {} : { valor: p.valor }),
      ...(p.chave === undefined ? {} : { chaveSha256: pixKeyDigest(p.chave) }),
      ...(p.endToEnd === undefined ? {} : { endToEnd: p.endToEnd }),
      ...(p.dataHoraMovimento === undefined ? {} : { dataHoraMovimento: p.dataHoraMovimento }),
      ...(p.tipoMovimentacao === undefined ? {} : { tipoMovimentacao: p.tipoMovimentacao }),
      // The bank's words about the payment may name its people (masked before they are kept).
      ...(p.erros === undefined
        ? {}
        : {
            erros: p.erros.map((e) => ({
              codigoErro: e.codigoErro,
              descricaoErro:
                typeof e.descricaoErro === "string"
                  ? scrubBankText(e.descricaoErro, p.chave === undefined ? [] : [p.chave])
                  : e.descricaoErro === undefined
                    ? undefined
                    : "(not text)",
              codigoErroComplementar: e.codigoErroComplementar,
            })),
          }),
    });
  }
  return { items, refused };
}
