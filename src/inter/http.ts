// One HTTP exchange with Inter over the mTLS agent. It never retries (a POST must never be replayed
// by the transport: docs/design.md §2.1) and turns every transport failure into an InterError; HTTP
// statuses are returned as they are, for the caller to map.
//
// Each exchange is a CLIENT span `inter <operation>` (OpenTelemetry semantic conventions for HTTP
// clients), a child of the worker step running it when tracing is on (src/ops/tracing.ts); without a
// registered provider @opentelemetry/api hands out no-op spans. The span holds the method, the path with
// its identifiers templated, the server and the status — never bodies, query strings or headers (the
// token and the recipient's data are in them). No `traceparent` is sent to the bank: Inter does not
// trace with us, and a header it does not document is a risk for no gain.
//
// Neither tracing nor the observer (metrics) may change an exchange's result: a throw from either after
// the bank answered would turn a 200 into an error the caller must treat as ambiguous. Both are called
// through guards that swallow what they throw.
import { performance } from "node:perf_hooks";
import { INVALID_SPAN_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from "@opentelemetry/api";
import { request, type Dispatcher } from "undici";
import type { Logger } from "../logger.js";
import { PIXOUT_VERSION } from "../version.js";
import { InterError, badResponse, errorFromAnswer, errorFromTransport, type InterOperation } from "./errors.js";
import { RequestNotSentError, onSocketInterceptor, withOnSocket } from "./on-socket.js";

export interface InterRequest {
  operation: InterOperation;
  /**
   * When (performance.now()) the fleet's gate let this request go: the time from then until its headers
   * leave the socket is reported to `onSent` — what stands between the gate and the bank's limit.
   */
  gatePassedAt?: number;
  /**
   * When (performance.now()) the request must have left: if it is only then handed a socket (it waited in
   * the pool's queue, or for a connect), it is stopped unwritten with RequestNotSentError.
   */
  sendBy?: number;
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** This answer may be larger than InterHttpOptions.maxBodyBytes (a statement page of 10,000 entries). */
  maxBodyBytes?: number;
  /** Path below the base URL, e.g. `/banking/v2/pix`. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface InterResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Told of every exchange (for metrics); never given bodies or headers. */
export type CallObserver = (event: {
  operation: InterOperation;
  status?: number;
  errorCode?: string;
  ms: number;
}) => void;

export interface InterHttp {
  exchange(req: InterRequest): Promise<InterResponse>;
}

export interface InterHttpOptions {
  baseUrl: string;
  dispatcher: Dispatcher;
  /** The TLS error behind a transport failure, when the agent knows one (see InterAgent.tlsFailureOf). */
  tlsFailureOf?: (cause: unknown) => Error | undefined;
  logger: Logger;
  /** Answers larger than this are unreadable by definition (Inter's are a few KiB). */
  maxBodyBytes?: number;
  observer?: CallObserver;
  /** A gated request's headers left the socket `gapMs` after its gate (see InterRequest.gatePassedAt). */
  onSent?: (operation: InterOperation, gapMs: number) => void;
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  max: number,
): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Span names, `inter <operation>`, in the words of the payment's steps. */
const SPAN_OPERATION: Record<InterOperation, string> = {
  token: "token",
  "send-pix": "send",
  "get-pix": "status",
  "webhook-put": "webhook-register",
  "webhook-get": "webhook-read",
  "webhook-delete": "webhook-delete",
  "webhook-callbacks": "webhook-callbacks",
  "webhook-callbacks-retry": "webhook-callbacks-retry",
  statement: "statement",
  balance: "balance",
};

/**
 * The path as a route: no query or fragment, and identifiers as placeholders, so a span never holds a
 * value that could identify a payment's recipient and its cardinality stays low. Our known routes
 * get their names; in any other path a segment that is not a plain lower-case word or version is `{id}`.
 */
export function routeOf(path: string): string {
  const bare = path.split(/[?#]/, 1)[0] ?? "";
  if (/^\/banking\/v2\/pix\/[^/]+$/.test(bare)) return "/banking/v2/pix/{codigoSolicitacao}";
  return bare
    .split("/")
    .map((segment) => (segment === "" || /^(v\d+|[a-z]+(-[a-z]+)*)$/.test(segment) ? segment : "{id}"))
    .join("/");
}

/** Runs a tracing call; what it throws is dropped (tracing is an observer of the payment, never a party). */
function traced(fn: () => void): void {
  try {
    fn();
  } catch {
    // the span loses an attribute or its end; the exchange goes on
  }
}

export function createInterHttp(options: InterHttpOptions): InterHttp {
  const { baseUrl, logger } = options;
  // Every request passes the socket hand-over (on-socket.ts): a deadline to leave by, the gate-to-socket time.
  const dispatcher = options.dispatcher.compose(onSocketInterceptor);
  const observe = (event: Parameters<CallObserver>[0]): void => {
    try {
      options.observer?.(event);
    } catch (err) {
      // The worker's observers report their own problems (combineObservers); this is the last guard.
      logger.debug(
        { operation: event.operation, err: err instanceof Error ? err.message : String(err) },
        "a call observer failed; ignored",
      );
    }
  };
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const tracer = trace.getTracer("pixout", PIXOUT_VERSION);
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, "");
  const server: Attributes = {
    "server.address": base.hostname,
    "server.port": Number(base.port || (base.protocol === "https:" ? "443" : "80")),
  };

  return {
    async exchange(req: InterRequest): Promise<InterResponse> {
      const attributes: Attributes = {
        "http.request.method": req.method,
        "url.path": `${basePath}${routeOf(req.path)}`,
        ...server,
      };
      // The bank key of a send is no personal data (a UUIDv5 of the paymentId and its generation): it is
      // what Inter's support asks for and what ties the span to `pixout status` and to the bank's record.
      const idempotencyKey = req.headers?.["x-id-idempotente"];
      if (req.operation === "send-pix" && idempotencyKey !== undefined)
        attributes["pixout.idempotency_key"] = idempotencyKey;
      let span: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT); // a no-op span, if the tracer fails
      traced(() => {
        span = tracer.startSpan(`inter ${SPAN_OPERATION[req.operation]}`, { kind: SpanKind.CLIENT, attributes });
      });
      try {
        const answer = await exchangeOnce(req);
        traced(() => {
          span.setAttribute("http.response.status_code", answer.status);
          // A 4xx is the caller's to judge (a 404 can mean "no webhook", a 401 is retried once): the span
          // records the status; only a server error marks it failed — and says whether a send may have
          // executed (the same rule as the error the caller will make of it).
          if (answer.status >= 500) {
            span.setAttribute("error.type", String(answer.status));
            span.setAttribute(
              "pixout.ambiguous",
              errorFromAnswer({ operation: req.operation, status: answer.status, headers: {}, body: "" }).ambiguous,
            );
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
        });
        return answer;
      } catch (err) {
        traced(() => {
          if (err instanceof InterError) {
            if (err.status !== undefined) span.setAttribute("http.response.status_code", err.status);
            span.setAttribute("error.type", err.code);
            // Whether the bank may have executed it (a send that timed out): what a reader of a trace needs to know.
            span.setAttribute("pixout.ambiguous", err.ambiguous);
          } else {
            span.setAttribute("error.type", "_OTHER");
          }
          // The code only: messages are for the logs, under their redaction.
          span.setStatus({ code: SpanStatusCode.ERROR, ...(err instanceof InterError ? { message: err.code } : {}) });
        });
        throw err;
      } finally {
        traced(() => {
          span.end();
        });
      }
    },
  };

  async function exchangeOnce(req: InterRequest): Promise<InterResponse> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    let answer: Dispatcher.ResponseData;
    try {
      const gate = req.gatePassedAt;
      const onSent = options.onSent;
      const pending = withOnSocket(
        {
          ...(req.sendBy === undefined ? {} : { sendBy: req.sendBy }),
          ...(gate !== undefined && onSent !== undefined
            ? {
                onStart: () => {
                  onSent(req.operation, performance.now() - gate);
                },
              }
            : {}),
        },
        () =>
          request(`${baseUrl}${req.path}`, {
            method: req.method,
            dispatcher,
            headers: { accept: "application/json", ...req.headers },
            ...(req.body === undefined ? {} : { body: req.body }),
          }),
      );
      answer = await pending;
    } catch (cause) {
      if (cause instanceof RequestNotSentError) throw cause;
      const error = errorFromTransport(req.operation, options.tlsFailureOf?.(cause) ?? cause);
      observe({ operation: req.operation, errorCode: error.code, ms: elapsed() });
      logger.debug({ operation: req.operation, errorCode: error.code, ms: elapsed() }, "inter call failed");
      throw error;
    }
    let text: string | undefined;
    try {
      text = await readCapped(answer.body, req.maxBodyBytes ?? maxBodyBytes);
    } catch (cause) {
      const error = errorFromTransport(req.operation, options.tlsFailureOf?.(cause) ?? cause);
      observe({ operation: req.operation, status: answer.statusCode, errorCode: error.code, ms: elapsed() });
      throw error;
    }
    if (text === undefined) {
      const error = badResponse(
        req.operation,
        `body larger than ${String(req.maxBodyBytes ?? maxBodyBytes)} bytes`,
        undefined,
        answer.statusCode,
      );
      observe({ operation: req.operation, status: answer.statusCode, errorCode: error.code, ms: elapsed() });
      throw error;
    }
    observe({ operation: req.operation, status: answer.statusCode, ms: elapsed() });
    logger.debug({ operation: req.operation, status: answer.statusCode, ms: elapsed() }, "inter call");
    return { status: answer.statusCode, headers: answer.headers, body: text };
  }
}
