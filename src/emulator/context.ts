// What a route handler receives: one parsed request. Handlers return a Reply (problem.ts) and never
// touch the socket.
import type { IncomingHttpHeaders } from "node:http";
import type { FaultModifiers } from "./faults.js";
import type { Reply } from "./problem.js";

export interface RequestContext {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Raw query string without "?" ("" when none). */
  query: string;
  headers: IncomingHttpHeaders;
  /** Raw body text ("" when none). */
  body: string;
  /** Path parameters, e.g. { id } for /banking/v2/pix/{id}. */
  params: Record<string, string>;
  /** Instant the request is handled at (epoch ms). */
  now: number;
  /** What fault rules changed for this request. */
  modifiers: FaultModifiers;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

/** A header as one string (the first value when repeated). */
export function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
