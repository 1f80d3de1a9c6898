// One HTTP exchange with Inter over the mTLS agent. It never retries (a POST must never be replayed
// by the transport: DESIGN.md §2.1) and turns every transport failure into an InterError; HTTP
// statuses are returned as they are, for the caller to map.
import { performance } from "node:perf_hooks";
import { request, type Dispatcher } from "undici";
import type { Logger } from "../logger.js";
import { badResponse, errorFromTransport, type InterOperation } from "./errors.js";

export interface InterRequest {
  operation: InterOperation;
  method: "GET" | "POST" | "PUT" | "DELETE";
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
export type CallObserver = (event: { operation: InterOperation; status?: number; errorCode?: string; ms: number }) => void;

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
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }, max: number): Promise<string | undefined> {
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

export function createInterHttp(options: InterHttpOptions): InterHttp {
  const { baseUrl, dispatcher, logger, observer } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  return {
    async exchange(req: InterRequest): Promise<InterResponse> {
      const started = performance.now();
      const elapsed = (): number => Math.round(performance.now() - started);
      let answer: Dispatcher.ResponseData;
      try {
        answer = await request(`${baseUrl}${req.path}`, {
          method: req.method,
          dispatcher,
          headers: { accept: "application/json", ...req.headers },
          ...(req.body === undefined ? {} : { body: req.body }),
        });
      } catch (cause) {
        const error = errorFromTransport(req.operation, options.tlsFailureOf?.(cause) ?? cause);
        observer?.({ operation: req.operation, errorCode: error.code, ms: elapsed() });
        logger.debug({ operation: req.operation, errorCode: error.code, ms: elapsed() }, "inter call failed");
        throw error;
      }
      let text: string | undefined;
      try {
        text = await readCapped(answer.body, maxBodyBytes);
      } catch (cause) {
        const error = errorFromTransport(req.operation, options.tlsFailureOf?.(cause) ?? cause);
        observer?.({ operation: req.operation, status: answer.statusCode, errorCode: error.code, ms: elapsed() });
        throw error;
      }
      if (text === undefined) {
        const error = badResponse(req.operation, `body larger than ${String(maxBodyBytes)} bytes`, undefined, answer.statusCode);
        observer?.({ operation: req.operation, status: answer.statusCode, errorCode: error.code, ms: elapsed() });
        throw error;
      }
      observer?.({ operation: req.operation, status: answer.statusCode, ms: elapsed() });
      logger.debug({ operation: req.operation, status: answer.statusCode, ms: elapsed() }, "inter call");
      return { status: answer.statusCode, headers: answer.headers, body: text };
    },
  };
}
