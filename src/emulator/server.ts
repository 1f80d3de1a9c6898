// The emulator's HTTPS server: node:https with no framework (it must be fast), mutual TLS required on
// every route (docs/reference/inter-api.md §2.1, §9 first bullet), TLS ≥ 1.2, keep-alive. It owns the request
// pipeline: read the body → route → fault rules → handler → "after" faults → write → ledger.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Logger } from "../logger.js";
import { BodyTooLargeError, readBody } from "../net/read-body.js";
import type { RequestContext } from "./context.js";
import type { AfterFault, BeforeFault, FaultDecision, FaultEngine, FaultModifiers } from "./faults.js";
import type { Ledger } from "./ledger.js";
import { faultStatusReply, methodNotAllowed, notFound, problem, tooManyRequests, type Reply } from "./problem.js";
import type { Router } from "./router.js";

/** How long a `timeout-after` fault holds a connection when the rule gives no `ms`. */
const DEFAULT_TIMEOUT_HOLD_MS = 30_000;
/** Largest request body accepted, in bytes (UTF-8 on the wire, not UTF-16 units). */
const MAX_BODY_BYTES = 1024 * 1024;
const UNMATCHED_ROUTE = "unmatched";

export interface ServerTls {
  cert: string | Buffer;
  key: string | Buffer;
  ca: string | Buffer;
}

export interface ServerDeps {
  router: Router;
  faults: FaultEngine;
  ledger: Ledger;
  logger: Logger;
  /** Brings payment state up to `now` before a handler reads it. */
  settle: (now: number) => void;
  /** The emulator's clock (epoch ms). */
  now: () => number;
}

const NO_FAULTS: FaultDecision = { latencyMs: 0, modifiers: {}, fired: [] };

function write(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string | number> = { ...reply.headers };
  if (reply.body !== undefined) headers["content-length"] = Buffer.byteLength(reply.body);
  else headers["content-length"] = 0;
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}

/**
 * A `rewrite` fault on a JSON answer: the listed fields dropped, one set (created along its path when
 * missing). An answer that is not a JSON object is left alone.
 */
function rewrite(reply: Reply, change: NonNullable<FaultModifiers["rewrite"]>): Reply {
  let body: unknown;
  try {
    body = reply.body === undefined ? undefined : JSON.parse(reply.body);
  } catch {
    return reply;
  }
  if (typeof body !== "object" || body === null) return reply;
  const walk = (path: string, create: boolean): { parent: Record<string, unknown>; key: string } | undefined => {
    const keys = path.split(".");
    let node = body as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) {
      const next = Object.hasOwn(node, key) ? node[key] : undefined;
      if (typeof next !== "object" || next === null) {
        if (!create) return undefined;
        node[key] = {};
      }
      node = node[key] as Record<string, unknown>;
    }
    return { parent: node, key: keys[keys.length - 1] ?? "" };
  };
  for (const path of change.omit) {
    const at = walk(path, false);
    if (at) Reflect.deleteProperty(at.parent, at.key);
  }
  if (change.set) {
    const at = walk(change.set.field, true);
    if (at) at.parent[at.key] = change.set.value;
  }
  return { ...reply, body: JSON.stringify(body) };
}

/** The garbled-200 body: the real answer cut in half (non-JSON), or an HTML error page. */
function garble(reply: Reply): Reply {
  const body =
    reply.body !== undefined && reply.body.length > 2
      ? reply.body.slice(0, Math.floor(reply.body.length / 2))
      : "<html><body>Bad Gateway</body></html>";
  return { status: 200, body, headers: { "content-type": "application/json" } };
}

function beforeReply(now: number, fault: BeforeFault): Reply | "reset" {
  switch (fault.type) {
    case "reset-before":
      return "reset";
    case "status":
      return faultStatusReply(now, fault.status);
    case "rate-limit":
      return tooManyRequests(now, fault.retryAfterSeconds);
    case "unauthorized-empty":
      // A 401 with no body at all (allgood/APInter-PHP#14, docs/reference/inter-api.md §6.1).
      return { status: 401 };
  }
}

export class EmulatorServer {
  readonly #server: Server;
  readonly #deps: ServerDeps;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #wakers = new Set<() => void>();
  #closing = false;

  private constructor(server: Server, deps: ServerDeps) {
    this.#server = server;
    this.#deps = deps;
  }

  static async listen(
    options: { host: string; port: number; tls: ServerTls },
    deps: ServerDeps,
  ): Promise<EmulatorServer> {
    const server = createServer({
      cert: options.tls.cert,
      key: options.tls.key,
      ca: options.tls.ca,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: "TLSv1.2",
      keepAlive: true,
    });
    // A real gateway keeps idle connections longer than Node's 5 s default; clients reuse them.
    server.keepAliveTimeout = 30_000;
    server.headersTimeout = 35_000;
    const emulator = new EmulatorServer(server, deps);
    emulator.#wire();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return emulator;
  }

  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === "string") throw new Error("server is not listening");
    return address.port;
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const wake of this.#wakers) wake();
    this.#wakers.clear();
    const closed = new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
    for (const s of this.#sockets) s.destroy();
    await closed;
  }

  #wire(): void {
    const { ledger, logger } = this.#deps;
    this.#server.on("connection", (socket: Socket) => {
      ledger.connection();
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    this.#server.on("secureConnection", (socket: TLSSocket) => {
      ledger.handshake(socket.isSessionReused());
    });
    this.#server.on("tlsClientError", (err) => {
      ledger.handshakeRejected();
      logger.debug({ err: err.message }, "TLS handshake refused");
    });
    this.#server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      this.#handle(req, res).catch((err: unknown) => {
        logger.error({ err }, "emulator request failed");
        if (!res.headersSent && !res.destroyed) {
          write(
            res,
            problem(this.#deps.now(), 500, "Erro interno do servidor.", "Condição inesperada ao processar requisição."),
          );
        }
      });
    });
  }

  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#timers.delete(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#timers.add(timer);
      this.#wakers.add(wake);
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { router, faults, ledger, settle, now } = this.#deps;
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? "GET";
    let body: string;
    try {
      body = await readBody(req, MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        if (!res.destroyed) {
          write(
            res,
            problem(now(), 413, "Requisição muito grande.", "O corpo excede 1 MiB.", undefined, {
              connection: "close",
            }),
          );
        }
        return;
      }
      throw err;
    }
    const match = router.match(method, path);
    const ctx: RequestContext = {
      method,
      path,
      query: q < 0 ? "" : url.slice(q + 1),
      headers: req.headers,
      body,
      params: match.kind === "found" ? match.params : {},
      now: now(),
      modifiers: {},
    };

    if (match.kind === "found" && match.route.admin) {
      settle(ctx.now);
      write(res, await match.route.handler(ctx));
      return;
    }

    const routeKey = match.kind === "found" ? match.route.key : UNMATCHED_ROUTE;
    const decision = faults.size > 0 ? faults.decide({ method, path, body }) : NO_FAULTS;
    for (const type of decision.fired) ledger.faultFired(type);
    if (decision.latencyMs > 0) {
      await this.#delay(decision.latencyMs);
      if (this.#closing) return;
      ctx.now = now();
    }
    ctx.modifiers = decision.modifiers;

    let reply: Reply;
    const before = decision.before ? beforeReply(ctx.now, decision.before) : undefined;
    if (before === "reset") {
      ledger.request(routeKey, "reset");
      req.socket.destroy();
      return;
    }
    if (before !== undefined) {
      reply = before;
    } else {
      settle(ctx.now);
      if (match.kind === "found") reply = await match.route.handler(ctx);
      else if (match.kind === "method-not-allowed") reply = methodNotAllowed(ctx.now);
      else reply = notFound(ctx.now);
      if (decision.modifiers.rewrite) reply = rewrite(reply, decision.modifiers.rewrite);
    }

    if (decision.after) {
      const handled = this.#after(decision.after, req, routeKey);
      if (handled === "swallowed") return;
      reply = garble(reply);
    }
    if (res.destroyed) return;
    write(res, reply);
    ledger.request(routeKey, reply.status);
  }

  /** Applies an "after" fault. The request has been executed; its answer is lost or mangled. */
  #after(fault: AfterFault, req: IncomingMessage, routeKey: string): "swallowed" | "garble" {
    const { ledger } = this.#deps;
    switch (fault.type) {
      case "reset-after":
        ledger.request(routeKey, "reset");
        req.socket.destroy();
        return "swallowed";
      case "timeout-after": {
        // Hold the connection unanswered; the client's own timeout decides what happens first.
        ledger.request(routeKey, "timeout");
        const socket = req.socket;
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          socket.destroy();
        }, fault.ms ?? DEFAULT_TIMEOUT_HOLD_MS);
        timer.unref();
        this.#timers.add(timer);
        return "swallowed";
      }
      case "garbled-200":
        return "garble";
    }
  }
}
