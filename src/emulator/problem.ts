// Replies and Inter's `Problema` error body (docs/reference/inter-api.md §6.1): `{type, title,
// status, detail, timestamp, violacoes[]}`, `status` a string as in the spec's examples, `violacoes` only
// where they list them (400). Handlers return a Reply value; only server.ts writes to the socket, so faults can
// replace or swallow a reply after the handler ran (reset-after, garbled-200, timeout-after).
import { STATUS_CODES } from "node:http";
import { formatProblemTimestamp } from "../payments/calendar.js";

export interface Violacao {
  razao: string;
  propriedade?: string;
  valor?: string;
}

export interface Reply {
  status: number;
  /** Serialised body; undefined = no body. */
  body?: string;
  headers?: Record<string, string>;
}

const JSON_HEADERS = { "content-type": "application/json" } as const;

export function json(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return { status, body: JSON.stringify(value), headers: headers ? { ...JSON_HEADERS, ...headers } : JSON_HEADERS };
}

export function empty(status: number, headers?: Record<string, string>): Reply {
  return headers ? { status, headers } : { status };
}

export function problem(
  now: number,
  status: number,
  title: string,
  detail: string,
  violacoes?: Violacao[],
  headers?: Record<string, string>,
): Reply {
  // ASSUMPTION (UNVERIFIED): `type` is RFC 7807's default; the spec declares the field without a value.
  const body: Record<string, unknown> = {
    type: "about:blank",
    title,
    status: String(status),
    detail,
    timestamp: formatProblemTimestamp(now),
  };
  if (violacoes !== undefined) body["violacoes"] = violacoes;
  return json(status, body, headers);
}

// Titles and details as Inter's spec words them (docs/reference/inter-api.md §6.1), where it gives them.
export const badRequest = (now: number, violacoes: Violacao[]): Reply =>
  problem(now, 400, "Dados inválidos.", "Existem dados inválidos na requisição.", violacoes);

export const unauthorized = (now: number): Reply => problem(now, 401, "Acesso negado", "Login/senha inválido.");

export const forbidden = (
  now: number,
  detail = "Requisição de participante autenticado que viola alguma regra de autorização.",
): Reply => problem(now, 403, "Acesso Negado", detail);

export const notFound = (now: number): Reply => problem(now, 404, "Não Encontrado.", "Entidade não encontrada.");

export const methodNotAllowed = (now: number): Reply =>
  problem(now, 405, "Método não permitido.", "O método HTTP não é suportado neste recurso.");

export const unprocessable = (now: number, title: string, detail: string): Reply => problem(now, 422, title, detail);

/** ASSUMPTION (UNVERIFIED, docs/reference/inter-api.md §6.1): the 429 body is our choice; Inter documents none. */
export const tooManyRequests = (now: number, retryAfterSeconds?: number): Reply =>
  problem(
    now,
    429,
    "Limite de requisições excedido.",
    "O limite de chamadas por período foi atingido. Tente novamente mais tarde.",
    undefined,
    retryAfterSeconds === undefined ? undefined : { "retry-after": String(retryAfterSeconds) },
  );

/**
 * The answer of a `status` fault (300–599). A 5xx keeps Inter's `ServicoIndisponivel` body (504 its
 * `IndisponibilidadePorTempoEsgotado`); any other status stands for something between the client and
 * Inter — a proxy, gateway or firewall — and gets a generic `Problema` titled with the reason phrase.
 */
export function faultStatusReply(now: number, status: number): Reply {
  if (status >= 500) return serviceUnavailable(now, status);
  return problem(
    now,
    status,
    STATUS_CODES[status] ?? `HTTP ${status}`,
    "Resposta de um intermediário entre o cliente e o banco (proxy ou gateway), simulada pelo emulador.",
  );
}

/** `ServicoIndisponivel` and `IndisponibilidadePorTempoEsgotado`, general errors (docs/reference/inter-api.md §3.4). */
function serviceUnavailable(now: number, status: number): Reply {
  if (status === 504) {
    return problem(
      now,
      504,
      "Indisponibilidade por tempo esgotado.",
      "O serviço demorou além do esperado para retornar.",
    );
  }
  return problem(
    now,
    status,
    "Serviço Indisponível",
    "Serviço não está disponível no momento. Serviço solicitado pode estar em manutenção ou fora da janela de funcionamento.",
  );
}
