// One small hierarchy for everything that can go wrong talking to Inter, and one function that maps an
// HTTP answer or a transport failure onto it (docs/design.md §4, stripe-node style). Callers decide with
// `retryable` and `ambiguous`, never by looking at raw HTTP client errors.
//
// `ambiguous` is the money flag (docs/design.md §2.3): the request may have reached the bank and executed,
// so the payment is neither failed nor safe to re-key. Only an operation that executes something
// (`send-pix`) can be ambiguous.
import { z } from "zod";
import { maskText, scrubBankText, scrubPersonalData } from "../payments/mask.js";

export type InterOperation =
  | "token"
  | "send-pix"
  | "get-pix"
  | "webhook-put"
  | "webhook-get"
  | "webhook-delete"
  | "webhook-callbacks"
  | "webhook-callbacks-retry"
  | "statement"
  | "balance";

export type InterErrorCode =
  | "INTER_REJECTED" // 400/422: the bank refused the content; final
  | "INTER_AUTH" // 401: token missing/expired/revoked, or bad client credentials at the token endpoint
  | "INTER_FORBIDDEN" // 403: authenticated but not allowed (scope, account); a configuration problem; final
  | "INTER_NOT_FOUND" // 404 (to a send: the path or the account is wrong — a configuration problem)
  | "INTER_GONE" // 410: the API is gone at this address; a configuration problem; nothing executed
  | "INTER_CONFLICT" // 409: x-id-idempotente reused with another body? (UNVERIFIED, docs/reference/inter-api.md §6.1)
  | "INTER_RATE_LIMITED" // 429
  | "INTER_UNAVAILABLE" // 500, 502, 504 and other 5xx: the bank may have executed a send
  | "INTER_SERVICE_UNAVAILABLE" // 503: maintenance or outside the operating window; nothing executed, try again later
  | "INTER_TIMEOUT" // no answer in time
  | "INTER_CONNECTION" // connection refused, reset, closed
  | "INTER_BAD_RESPONSE" // an answer we cannot read (garbled 200, unexpected shape)
  | "INTER_TLS" // certificate problem on either side; final until the configuration changes
  | "INTER_UNEXPECTED_STATUS"; // any other HTTP status

export interface Violation {
  razao: string;
  propriedade?: string;
  /** The offending value, masked: it can be a Pix key or a document. */
  valor?: string;
}

export interface InterErrorInit {
  code: InterErrorCode;
  operation: InterOperation;
  message: string;
  retryable: boolean;
  ambiguous?: boolean;
  status?: number;
  retryAfterMs?: number;
  title?: string;
  detail?: string;
  violations?: Violation[];
  requestId?: string;
  cause?: unknown;
}

/** A summary of a low-level error: name, code and message only (no request options, no sockets). */
export interface ErrorSummary {
  name: string;
  code?: string;
  message: string;
}

export function summarizeCause(cause: unknown): ErrorSummary | undefined {
  if (cause === undefined || cause === null) return undefined;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return { name: cause.name, ...(typeof code === "string" ? { code } : {}), message: cause.message };
  }
  return { name: "Error", message: typeof cause === "string" ? cause : JSON.stringify(cause) };
}

export class InterError extends Error {
  override readonly name: string = "InterError";
  readonly code: InterErrorCode;
  readonly operation: InterOperation;
  readonly retryable: boolean;
  readonly ambiguous: boolean;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly title: string | undefined;
  readonly detail: string | undefined;
  readonly violations: Violation[];
  readonly requestId: string | undefined;

  constructor(init: InterErrorInit) {
    const cause = summarizeCause(init.cause);
    super(init.message, cause ? { cause } : undefined);
    this.code = init.code;
    this.operation = init.operation;
    this.retryable = init.retryable;
    this.ambiguous = init.ambiguous ?? false;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.title = init.title;
    this.detail = init.detail;
    this.violations = init.violations ?? [];
    this.requestId = init.requestId;
  }

  /** Plain data for job results, logs and CLI output. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      operation: this.operation,
      message: this.message,
      retryable: this.retryable,
      ambiguous: this.ambiguous,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      ...(this.violations.length === 0 ? {} : { violations: this.violations }),
      ...(this.requestId === undefined ? {} : { requestId: this.requestId }),
    };
  }
}

export class InterRejectedError extends InterError {
  override readonly name = "InterRejectedError";
}
export class InterAuthError extends InterError {
  override readonly name = "InterAuthError";
}
export class InterForbiddenError extends InterError {
  override readonly name = "InterForbiddenError";
}
export class InterNotFoundError extends InterError {
  override readonly name = "InterNotFoundError";
}
export class InterGoneError extends InterError {
  override readonly name = "InterGoneError";
}
export class InterConflictError extends InterError {
  override readonly name = "InterConflictError";
}
export class InterRateLimitedError extends InterError {
  override readonly name = "InterRateLimitedError";
}
/** 5xx, timeouts, resets and unreadable answers: worth another try; ambiguous for a send. */
export class InterUnavailableError extends InterError {
  override readonly name: string = "InterUnavailableError";
}

/**
 * The fleet's token cache (Redis) failed under a call: nothing was asked of the bank. `storeError` is the
 * cache's own error, kept whole (the `cause` is only a summary) so that a worker can tell Redis's failure
 * from the bank's (src/queue/worker/call-errors.ts).
 */
export class TokenCacheError extends InterUnavailableError {
  override readonly name: string = "TokenCacheError";
  constructor(
    init: InterErrorInit,
    readonly storeError: unknown,
  ) {
    super(init);
  }
}
export class InterTlsError extends InterError {
  override readonly name = "InterTlsError";
}
export class InterUnexpectedStatusError extends InterError {
  override readonly name = "InterUnexpectedStatusError";
}

const CLASS_BY_CODE: Record<InterErrorCode, new (init: InterErrorInit) => InterError> = {
  INTER_REJECTED: InterRejectedError,
  INTER_AUTH: InterAuthError,
  INTER_FORBIDDEN: InterForbiddenError,
  INTER_NOT_FOUND: InterNotFoundError,
  INTER_GONE: InterGoneError,
  INTER_CONFLICT: InterConflictError,
  INTER_RATE_LIMITED: InterRateLimitedError,
  INTER_UNAVAILABLE: InterUnavailableError,
  INTER_SERVICE_UNAVAILABLE: InterUnavailableError,
  INTER_TIMEOUT: InterUnavailableError,
  INTER_CONNECTION: InterUnavailableError,
  INTER_BAD_RESPONSE: InterUnavailableError,
  INTER_TLS: InterTlsError,
  INTER_UNEXPECTED_STATUS: InterUnexpectedStatusError,
};

/** Builds the error of the class that belongs to `init.code` (e.g. to rebuild one shared through Redis). */
export function interError(init: InterErrorInit): InterError {
  return new CLASS_BY_CODE[init.code](init);
}

/** Operations that execute something at the bank, so a lost answer leaves us not knowing. */
const EXECUTING: ReadonlySet<InterOperation> = new Set(["send-pix"]);

// Inter's `Problema` (docs/reference/inter-api.md §6.1). Lenient: every field optional, `status` sometimes a string.
const problemSchema = z.object({
  title: z.string().optional(),
  detail: z.string().optional(),
  violacoes: z
    .array(
      z.object({ razao: z.string().optional(), propriedade: z.string().optional(), valor: z.unknown().optional() }),
    )
    .optional(),
});

function parseProblem(body: string): z.infer<typeof problemSchema> | undefined {
  if (body.trim() === "") return undefined;
  try {
    const result = problemSchema.safeParse(JSON.parse(body));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface HttpAnswer {
  operation: InterOperation;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Personal values of the request (key, document, name…) to mask if the bank quotes them. */
  personal?: readonly string[];
}

function header(headers: HttpAnswer["headers"], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const CREDENTIALS_HINT =
  "check INTER_CLIENT_ID and INTER_CLIENT_SECRET (the integration's credentials in Inter's Internet Banking)";

const HINTS: Partial<Record<InterErrorCode, Partial<Record<InterOperation, string>>>> = {
  INTER_AUTH: { token: CREDENTIALS_HINT },
  // Inter's token endpoint answers wrong credentials with a 400 (its spec has no 401).
  INTER_REJECTED: { token: `${CREDENTIALS_HINT}, and that INTER_SCOPES asks only for scopes the integration has` },
  INTER_NOT_FOUND: {
    "send-pix": "no answer of the bank's own: check INTER_BASE_URL (and INTER_ENV), and any proxy on the way",
    "webhook-callbacks-retry": "Inter's sandbox has no callback re-send (production only)",
  },
  INTER_GONE: {
    token: "check INTER_BASE_URL (and INTER_ENV): the bank says this API is gone there",
    "send-pix": "check INTER_BASE_URL (and INTER_ENV): the bank says this API is gone there",
    "get-pix":
      "the bank no longer has this payment (past the 90 days of the status query, or removed): reconcile it with the statement",
  },
  INTER_FORBIDDEN: {
    token:
      "a requested scope is not enabled for the integration: compare INTER_SCOPES with the integration's permissions",
    "send-pix": "the integration lacks scope pagamento-pix.write, or INTER_ACCOUNT names an account it cannot use",
    "get-pix": "the integration lacks scope pagamento-pix.read, or INTER_ACCOUNT names an account it cannot use",
    "webhook-put": "the integration lacks scope webhook-banking.write",
    "webhook-delete": "the integration lacks scope webhook-banking.write",
    "webhook-get": "the integration lacks scope webhook-banking.read",
    "webhook-callbacks": "the integration lacks scope webhook-banking.read",
    "webhook-callbacks-retry": "the integration lacks scope webhook-banking.write",
    statement:
      "the integration lacks scope extrato.read (tick it on the integration's page in Inter's Internet Banking), or INTER_ACCOUNT names an account it cannot use",
    balance: "the integration lacks scope extrato.read, or INTER_ACCOUNT names an account it cannot use",
  },
};

/** Maps a non-success HTTP answer to our hierarchy. */
export function errorFromAnswer(answer: HttpAnswer, now: number = Date.now()): InterError {
  const { operation, status } = answer;
  const parsed = parseProblem(answer.body);
  // The bank's texts can quote a Pix key, a document or a name (its 422 `detail` has no violations to
  // point at them): mask the request's personal values, the offending values, and anything shaped
  // like personal data, wherever they appear.
  const offending = (parsed?.violacoes ?? []).map((v) =>
    typeof v.valor === "string" ? v.valor : v.valor === undefined || v.valor === null ? "" : JSON.stringify(v.valor),
  );
  const known = [...(answer.personal ?? []), ...offending];
  const scrub = (text: string | undefined): string | undefined =>
    text === undefined ? undefined : scrubBankText(text, known);
  // A problem's title is the bank's fixed wording for its status ("Acesso Negado"): shapes and known values
  // only; its detail and violations, which may be about the payment's people, lose names too.
  const problem = parsed && {
    ...parsed,
    title: parsed.title === undefined ? undefined : scrubPersonalData(parsed.title, known),
    detail: scrub(parsed.detail),
  };
  const violations: Violation[] = (parsed?.violacoes ?? []).map((v) => ({
    razao: scrub(v.razao) ?? "",
    ...(v.propriedade === undefined ? {} : { propriedade: v.propriedade }),
    ...(v.valor === undefined || v.valor === null
      ? {}
      : { valor: maskText(typeof v.valor === "string" ? v.valor : JSON.stringify(v.valor)) }),
  }));
  const requestId = header(answer.headers, "x-request-id");
  const base = {
    operation,
    status,
    ...(problem?.title === undefined ? {} : { title: problem.title }),
    ...(problem?.detail === undefined ? {} : { detail: problem.detail }),
    violations,
    ...(requestId === undefined ? {} : { requestId }),
  };
  const described = [problem?.title, problem?.detail].filter(Boolean).join(" ");
  const listed = violations.map((v) => `${v.propriedade ?? "?"}: ${v.razao}`).join("; ");
  const what = (code: InterErrorCode, text: string): string => {
    const hint = HINTS[code]?.[operation];
    return `${operation}: ${text} (HTTP ${String(status)}${described ? `: ${described}` : ""})${listed ? ` — ${listed}` : ""}${hint ? `; ${hint}` : ""}`;
  };
  const executing = EXECUTING.has(operation);

  if (status === 400 || status === 422) {
    return new InterRejectedError({
      ...base,
      code: "INTER_REJECTED",
      retryable: false,
      message: what("INTER_REJECTED", "rejected by the bank"),
    });
  }
  if (status === 401) {
    return new InterAuthError({
      ...base,
      code: "INTER_AUTH",
      retryable: operation !== "token",
      message: what("INTER_AUTH", "not authorised"),
    });
  }
  if (status === 403) {
    return new InterForbiddenError({
      ...base,
      code: "INTER_FORBIDDEN",
      retryable: false,
      message: what("INTER_FORBIDDEN", "forbidden"),
    });
  }
  // Inter's own error body (`Problema`) says the bank itself answered; an empty, HTML or unreadable one
  // may come from anything on the way (a proxy, a gateway, a wrong INTER_BASE_URL).
  const fromBank = problem?.title !== undefined || problem?.detail !== undefined;
  if (status === 404) {
    // From the bank, to a send, "entity not found" is about the payment (its recipient): refused content.
    if (operation === "send-pix" && fromBank) {
      return new InterRejectedError({
        ...base,
        code: "INTER_REJECTED",
        retryable: false,
        message: what("INTER_REJECTED", "rejected by the bank (not found)"),
      });
    }
    return new InterNotFoundError({
      ...base,
      code: "INTER_NOT_FOUND",
      retryable: false,
      message: what("INTER_NOT_FOUND", "not found"),
    });
  }
  if (status === 410) {
    // Inter documents 410 for every endpoint: the entity existed and was removed for good (a payment past
    // the 90 days of the status query), or the API is gone at this address. Nothing ran.
    return new InterGoneError({
      ...base,
      code: "INTER_GONE",
      retryable: false,
      message: what("INTER_GONE", "gone (permanently removed)"),
    });
  }
  if (status === 409) {
    // The bank says it already knows this request under another form: the payment may exist, so this is
    // never a plain failure for a send. Not retryable with the same key either (UNVERIFIED semantics).
    return new InterConflictError({
      ...base,
      code: "INTER_CONFLICT",
      retryable: false,
      ambiguous: executing,
      message: what("INTER_CONFLICT", "conflict"),
    });
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(header(answer.headers, "retry-after"), now);
    // We assume a 429 is answered before anything executes (a gateway limit): UNVERIFIED,
    // docs/reference/inter-api.md §6.1.
    return new InterRateLimitedError({
      ...base,
      code: "INTER_RATE_LIMITED",
      retryable: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      message: what(
        "INTER_RATE_LIMITED",
        `rate limited${retryAfterMs === undefined ? "" : `, retry after ${String(Math.ceil(retryAfterMs / 1000))} s`}`,
      ),
    });
  }
  if (status === 503 && (fromBank || !executing)) {
    // Inter's `ServicoIndisponivel`: maintenance or outside the operating window — the service did not take
    // the request. Wait (as Retry-After says, if it does) and try again with the same key.
    const retryAfterMs = parseRetryAfter(header(answer.headers, "retry-after"), now);
    return new InterUnavailableError({
      ...base,
      code: "INTER_SERVICE_UNAVAILABLE",
      retryable: true,
      ambiguous: false,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      message: what("INTER_SERVICE_UNAVAILABLE", "service unavailable (maintenance or outside its operating window)"),
    });
  }
  if (status >= 500) {
    // 500, 502, 504 (a gateway that gave up waiting), a 503 without Inter's body (a gateway's "upstream
    // reset" can come after the request reached the bank) and the rest: the bank may have run a send.
    return new InterUnavailableError({
      ...base,
      code: "INTER_UNAVAILABLE",
      retryable: true,
      ambiguous: executing,
      message: what("INTER_UNAVAILABLE", "bank unavailable"),
    });
  }
  if (status >= 200 && status < 300) {
    // A success status we did not expect for this call (e.g. 202 instead of 200): we cannot read it.
    return badResponse(operation, `unexpected success status ${String(status)}`, undefined, status);
  }
  // Anything else (a redirect, 408, 413 from a proxy…) says nothing about whether the bank ran a
  // send: ambiguous, and worth another try with the same key.
  return new InterUnexpectedStatusError({
    ...base,
    code: "INTER_UNEXPECTED_STATUS",
    retryable: executing || status === 408,
    ambiguous: executing,
    message: what("INTER_UNEXPECTED_STATUS", "unexpected answer"),
  });
}

/** A 2xx we cannot read. For a send, the bank may have executed it: ambiguous. */
export function badResponse(
  operation: InterOperation,
  why: string,
  cause?: unknown,
  status?: number,
): InterUnavailableError {
  return new InterUnavailableError({
    code: "INTER_BAD_RESPONSE",
    operation,
    retryable: true,
    ambiguous: EXECUTING.has(operation),
    message: `${operation}: unreadable answer from the bank (${why})`,
    ...(status === undefined ? {} : { status }),
    ...(cause === undefined ? {} : { cause }),
  });
}

// Codes raised while connecting (DNS, TCP): the request was never sent.
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);
// The server's certificate alerts (RFC 8446 §6.2: handshake_failure, bad_certificate,
// unsupported_certificate, certificate_revoked, certificate_expired, certificate_unknown, unknown_ca,
// access_denied, certificate_required): the bank refused our client certificate while finishing the
// handshake, before reading any HTTP request — even under TLS 1.3, where the alert arrives after our
// first write. Any other TLS failure may come after the bank read the request.
const CLIENT_CERT_REFUSED = new Set([
  "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
  "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
  "ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
  "ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED",
  "ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED",
  "ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN",
  "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
  "ERR_SSL_TLSV1_ALERT_ACCESS_DENIED",
  "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
]);
// Our side refused the bank's certificate: nothing was sent.
const SERVER_CERT_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REVOKED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"]);

/** Maps a failure below HTTP (connect, TLS, timeout, reset) to our hierarchy. */
export function errorFromTransport(operation: InterOperation, cause: unknown): InterError {
  const rawCode = (cause as { code?: unknown } | undefined)?.code;
  const code = typeof rawCode === "string" ? rawCode : "";
  const text = summarizeCause(cause)?.message ?? "unknown error";
  const executing = EXECUTING.has(operation);

  if (SERVER_CERT_CODES.has(code)) {
    return new InterTlsError({
      code: "INTER_TLS",
      operation,
      retryable: false,
      cause,
      message: `${operation}: the bank's TLS certificate was not accepted (${code}: ${text}); with the emulator, set INTER_CA_FILE to its CA (certs/dev/ca.crt)`,
    });
  }
  if (CLIENT_CERT_REFUSED.has(code)) {
    return new InterTlsError({
      code: "INTER_TLS",
      operation,
      retryable: false,
      cause,
      message: `${operation}: the bank refused our client certificate (${code}); check INTER_CERT_FILE/INTER_KEY_FILE (or INTER_PFX_FILE): it must be the integration's current certificate`,
    });
  }
  if (code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_")) {
    return new InterUnavailableError({
      code: "INTER_CONNECTION",
      operation,
      retryable: true,
      ambiguous: executing,
      cause,
      message: `${operation}: TLS failure on the connection (${code})${executing ? "; the payment may have been executed" : ""}`,
    });
  }
  if (NOT_SENT_CODES.has(code)) {
    return new InterUnavailableError({
      code: code === "UND_ERR_CONNECT_TIMEOUT" ? "INTER_TIMEOUT" : "INTER_CONNECTION",
      operation,
      retryable: true,
      ambiguous: false,
      cause,
      message: `${operation}: could not connect to the bank (${code}); nothing was sent`,
    });
  }
  if (TIMEOUT_CODES.has(code) || (cause instanceof Error && cause.name === "AbortError")) {
    return new InterUnavailableError({
      code: "INTER_TIMEOUT",
      operation,
      retryable: true,
      ambiguous: executing,
      cause,
      message: `${operation}: no answer from the bank in time (${code || "aborted"})${executing ? "; the payment may have been executed" : ""}`,
    });
  }
  // Resets, closed sockets and anything we do not recognise: the request may have been delivered.
  // A connection closed before a single byte of answer is also how some servers refuse a client
  // certificate (Node's own TLS server closes without an alert): say so, without claiming it.
  const bytesRead = (cause as { socket?: { bytesRead?: unknown } } | undefined)?.socket?.bytesRead;
  const hint =
    bytesRead === 0
      ? "; if this repeats, the bank may be refusing our client certificate (check INTER_CERT_FILE/INTER_KEY_FILE or INTER_PFX_FILE)"
      : "";
  return new InterUnavailableError({
    code: "INTER_CONNECTION",
    operation,
    retryable: true,
    ambiguous: executing,
    cause,
    message: `${operation}: connection to the bank failed (${code || text})${executing ? "; the payment may have been executed" : ""}${hint}`,
  });
}
