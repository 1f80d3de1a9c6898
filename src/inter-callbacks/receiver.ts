// `pixout webhook serve`: the HTTPS endpoint Inter calls with `pix-pagamento` callbacks (docs/reference/inter-api.md
// §5.1, §5.2). Inter authenticates itself with a client certificate from its CA and sends no signature,
// so the TLS handshake is the authentication: a client certificate is required and must chain to
// PIXOUT_WEBHOOK_CLIENT_CA_FILE (Inter's `ca.crt`). No HTTP route works without it.
//
// Each callback is stored in Redis before the 200 (a delivery we answered is never lost; if Redis is down
// we answer 503 and Inter retries), then the payment's delayed poll is woken so its worker reads the news
// at once. Deduplication: one record per payment and status (see callback-store.ts).
//
// ASSUMPTIONS (UNVERIFIED, docs/reference/inter-api.md §5): the body is an array of callback items (one object is
// accepted too); `x-conta-corrente` names the account; Inter's source addresses are not checked (the
// published list is unverified) — mTLS is the check.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { TLSSocket } from "node:tls";
import { Queue } from "bullmq";
import type { RedisClient } from "../redis/connections.js";
import { createLogSampler } from "../log-sampler.js";
import type { Logger } from "../logger.js";
import { BodyTooLargeError, readBody } from "../net/read-body.js";
import { bullPrefix } from "../queue/names.js";
import { callbackItems, type CallbackItem } from "./callback-item.js";
import type { CallbackStore } from "./callback-store.js";

const MAX_BODY_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 10_000;

export interface ReceiverOptions {
  host: string;
  port: number;
  /** The path of the URL registered with Inter (also taken: it plus `/pix-pagamento` or `/pix`). */
  path: string;
  tls: { cert: string | Buffer; key: string | Buffer; clientCa: string | Buffer };
  /**
   * SHA-256 fingerprints (hex, upper case, no colons) of the only client certificates accepted, and trusted
   * to finish payments. Empty (and no subjects): any certificate from the CA is accepted, but its callbacks
   * only wake the payments' status queries — the CA may sign other customers' certificates (UNVERIFIED).
   */
  clientFingerprints?: readonly string[];
  /** Subjects (`CN=…, O=…`, as the receiver logs them) pinned instead of, or beside, fingerprints. */
  clientSubjects?: readonly string[];
  redis: RedisClient;
  redisPrefix: string;
  queueName: string;
  store: CallbackStore;
  logger: Logger;
  now?: () => number;
  /** The port faces the internet: how long a caller may take, and how many connections one address may hold. */
  limits?: Partial<ReceiverLimits>;
}

export interface ReceiverLimits {
  /** The TLS handshake (a caller that connects and says nothing). */
  handshakeTimeoutMs: number;
  /** The request's headers, from the connection's first byte (a slowloris). */
  headersTimeoutMs: number;
  /** The whole request, its body included. */
  requestTimeoutMs: number;
  /** Open connections from one address at once; more are closed at once. */
  maxConnectionsPerAddress: number;
}

export const DEFAULT_RECEIVER_LIMITS: ReceiverLimits = {
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxConnectionsPerAddress: 32,
};

export interface ReceiverStats {
  deliveries: number;
  items: number;
  duplicates: number;
  refusedItems: number;
  woken: number;
}

export interface WebhookReceiver {
  /** https://HOST:PORT/PATH as bound. */
  url: string;
  /** Whether callbacks can finish payments (their callers are pinned), or only wake status queries. */
  pinned: boolean;
  port: number;
  stats(): ReceiverStats;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
  /** Work done after the answer is written. */
  afterwards?: () => void;
}

function answer(res: ServerResponse, { status, body }: Reply): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** A certificate subject as `CN=…, O=…` (Node gives it as an object; a field may repeat). */
export function subjectText(subject: object | undefined): string {
  if (subject === undefined) return "";
  return Object.entries(subject as Record<string, unknown>)
    .flatMap(([k, v]) =>
      (Array.isArray(v) ? (v as unknown[]) : [v])
        .filter((x): x is string => typeof x === "string")
        .map((x) => `${k}=${x}`),
    )
    .join(", ");
}

function normalSubject(text: string): string {
  return text
    .split(/,\s*/)
    .map((part) => part.trim())
    .filter(Boolean)
    .join(", ");
}

export async function startWebhookReceiver(options: ReceiverOptions): Promise<WebhookReceiver> {
  const { store, logger } = options;
  const now = options.now ?? Date.now;
  const stats: ReceiverStats = { deliveries: 0, items: 0, duplicates: 0, refusedItems: 0, woken: 0 };
  const queue = new Queue(options.queueName, { connection: options.redis, prefix: bullPrefix(options.redisPrefix) });
  queue.on("error", () => undefined); // reported through the failing calls
  const wakes = new Set<Promise<void>>();

  /** Moves the payment's delayed poll to now; a job that is not delayed reads the news on its next step. */
  async function wake(jobId: string, codigo: string): Promise<void> {
    try {
      const job = await queue.getJob(jobId);
      if (!job || !(await job.isDelayed())) return;
      await job.promote();
      stats.woken++;
    } catch (err) {
      // Promoted meanwhile, or just finished: the worker's own check after each wait covers it.
      logger.debug(
        { jobId, codigoSolicitacao: codigo, err: err instanceof Error ? err.message : String(err) },
        "could not wake the payment's poll",
      );
    }
  }

  const pinned = new Set(options.clientFingerprints ?? []);
  const subjects = new Set((options.clientSubjects ?? []).map(normalSubject));
  const pinning = pinned.size > 0 || subjects.size > 0;
  const callersSeen = new Set<string>();
  // Inter's spec gives the registered URL as the callback's address, but Inter's Pix API appends a suffix
  // to registered URLs: until a sandbox run settles which, callbacks are taken on the registered path and
  // on it plus `/pix-pagamento` or `/pix`, and the first use of each is logged.
  const base = options.path.replace(/\/+$/, "");
  const paths = new Set([options.path, `${base}/pix-pagamento`, `${base}/pix`]);
  const pathsSeen = new Set<string>();
  async function handle(req: IncomingMessage): Promise<Reply> {
    const peer = req.socket instanceof TLSSocket ? req.socket.getPeerCertificate() : undefined;
    const fingerprint = (peer?.fingerprint256 ?? "").replace(/:/g, "").toUpperCase();
    const subject = subjectText(peer?.subject);
    const trusted = pinned.has(fingerprint) || subjects.has(normalSubject(subject));
    if (pinning && !trusted) {
      logger.warn(
        { subject, fingerprint256: peer?.fingerprint256 },
        "refused a webhook call: its client certificate is not pinned (PIXOUT_WEBHOOK_CLIENT_FINGERPRINTS / _SUBJECTS)",
      );
      return { status: 403, body: { error: "client certificate not allowed" } };
    }
    if (!callersSeen.has(fingerprint)) {
      callersSeen.add(fingerprint);
      // What an operator needs to pin this caller; said once per caller.
      logger.info(
        { subject, fingerprint256: peer?.fingerprint256, pinned: trusted },
        trusted
          ? "a pinned caller called the webhook"
          : "a caller not pinned called the webhook: its callbacks only wake status queries; if it is Inter, pin it with PIXOUT_WEBHOOK_CLIENT_FINGERPRINTS",
      );
    }
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (!paths.has(path)) return { status: 404, body: { error: "not found" } };
    if (req.method !== "POST") return { status: 405, body: { error: "method not allowed; Inter POSTs callbacks" } };
    if (!pathsSeen.has(path)) {
      pathsSeen.add(path);
      logger.info({ path, registered: options.path }, "Inter's callbacks arrive on this path");
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req, MAX_BODY_BYTES));
    } catch (err) {
      if (err instanceof BodyTooLargeError) return { status: 413, body: { error: "body too large" } };
      return { status: 400, body: { error: "the body is not JSON" } };
    }
    const { items, refused } = callbackItems(body);
    stats.refusedItems += refused;
    if (refused > 0 && items.length > 0)
      logger.warn(
        { refused, read: items.length },
        "some items of a callback could not be read (each needs a codigoSolicitacao); the rest were taken",
      );
    if (items.length === 0) {
      logger.warn({ refused }, "a callback had no item we can read (each needs a codigoSolicitacao); answered 400");
      return { status: 400, body: { error: "expected a JSON array of callbacks, each with a codigoSolicitacao" } };
    }
    const header = req.headers["x-conta-corrente"];
    const account = typeof header === "string" && header !== "" ? header : undefined;
    const toWake: { jobId: string; codigo: string }[] = [];
    try {
      for (const item of items) {
        const recorded = await store.record({ ...item, trusted }, account, now());
        if (!recorded.isNew) stats.duplicates++;
        // Also for a redelivery: the first delivery's wake may have been lost (a crash after the 200).
        if (recorded.jobId !== undefined) toWake.push({ jobId: recorded.jobId, codigo: item.codigoSolicitacao });
        logCallback(item, recorded.isNew, recorded.jobId);
      }
    } catch (err) {
      logger.error(
        { err: err instanceof Error ? err.message : String(err) },
        "could not store a callback in Redis; answered 503 so that Inter delivers it again",
      );
      return { status: 503, body: { error: "temporarily unavailable" } };
    }
    stats.deliveries++;
    stats.items += items.length;
    return {
      status: 200,
      body: { received: items.length },
      // After the answer: waking is an optimisation, the poll is the safety net.
      afterwards: () => {
        for (const { jobId, codigo } of toWake) {
          const w = wake(jobId, codigo).finally(() => wakes.delete(w));
          wakes.add(w);
        }
      },
    };
  }

  function logCallback(item: CallbackItem, isNew: boolean, jobId: string | undefined): void {
    logger.debug(
      { codigoSolicitacao: item.codigoSolicitacao, status: item.status, jobId, duplicate: !isNew },
      "Inter callback",
    );
  }

  const limits: ReceiverLimits = { ...DEFAULT_RECEIVER_LIMITS, ...options.limits };
  const server: Server = createServer(
    {
      cert: options.tls.cert,
      key: options.tls.key,
      ca: options.tls.clientCa,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: "TLSv1.2",
      handshakeTimeout: limits.handshakeTimeoutMs,
      // How often Node looks for requests past their header or request timeout (its default, 30 s, would
      // let a slow caller hold a connection three times longer than the timeout).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 2))),
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
    },
    (req, res) => {
      handle(req).then(
        (reply) => {
          answer(res, reply);
          reply.afterwards?.();
        },
        (err: unknown) => {
          logger.error({ err: err instanceof Error ? err.message : String(err) }, "webhook receiver error");
          if (!res.headersSent) answer(res, { status: 500, body: { error: "internal error" } });
        },
      );
    },
  );
  // Anyone on the internet can knock: refusals are counted and logged at most once a minute per kind, with
  // how many they stand for, instead of a line each.
  const sampled = createLogSampler({ windowMs: 60_000, now });
  server.on("tlsClientError", (err: NodeJS.ErrnoException) => {
    const kind = err.code ?? "TLS";
    const count = sampled.take(`tls:${kind}`);
    if (count !== undefined) {
      logger.warn(
        { err: err.message, refused: count },
        "refused TLS connections to the webhook receiver (no client certificate, not from the configured CA, or too slow)",
      );
    }
  });
  // Per address: one caller cannot take every socket.
  const open = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "unknown";
    const held = open.get(address) ?? 0;
    if (held >= limits.maxConnectionsPerAddress) {
      socket.destroy();
      const count = sampled.take(`cap:${address}`);
      if (count !== undefined)
        logger.warn(
          { address, refused: count, cap: limits.maxConnectionsPerAddress },
          "closed connections to the webhook receiver beyond the per-address cap",
        );
      return;
    }
    open.set(address, held + 1);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;

  const instance = randomUUID();
  const beat = async (starting: boolean): Promise<void> => {
    await store.receiverUp(instance, starting).catch((err: unknown): void => {
      logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        "could not tell the workers that the webhook receiver runs (Redis); they keep polling at the usual pace",
      );
    });
  };
  // Not awaited: with Redis down the receiver still listens (and answers 503) instead of hanging.
  const first = beat(true);
  const heartbeat = setInterval(() => void beat(false), HEARTBEAT_MS);
  let closing: Promise<void> | undefined;
  heartbeat.unref();

  return {
    pinned: pinning,
    url: `https://${host}:${String(port)}${options.path}`,
    port,
    stats: () => ({ ...stats }),
    close() {
      closing ??= shutdown();
      return closing;
    },
  };

  async function shutdown(): Promise<void> {
    {
      clearInterval(heartbeat);
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
      await Promise.allSettled([...wakes, first]);
      await store.receiverDown(instance).catch(() => undefined);
      await queue.close();
    }
  }
}
