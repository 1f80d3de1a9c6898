// The undici Agent every call to Inter goes through: mutual TLS with the integration's certificate on
// every request, the token call included (docs/reference/inter-api.md §2.1). Server certificate and host name checks
// are always on — there is deliberately no option to turn them off (the official Java SDK does; we don't).
import { createSecureContext, rootCertificates } from "node:tls";
import { Agent, buildConnector } from "undici";

export interface InterAgentOptions {
  /** The integration's certificate and key (PEM), and an extra CA to trust. */
  tls: { cert?: string; key?: string; ca?: string };
  connectTimeoutMs: number;
  /** Longest wait for the answer's headers, and between body chunks. */
  requestTimeoutMs: number;
  /** Sockets per origin. Inter's limits (≤ 1 send/s) need few; keep-alive keeps them warm. */
  maxConnections: number;
}

export interface InterAgent {
  dispatcher: Agent;
  /**
   * The TLS error behind a failed request, if its connection died of one. Under TLS 1.3 a server that
   * refuses our client certificate says so with an alert after the handshake, when our request is
   * already written; undici then reports only "other side closed". Knowing it was the certificate
   * matters: nothing executed, so a send is not ambiguous, and the fix is the certificate.
   */
  tlsFailureOf: (cause: unknown) => Error | undefined;
  close: () => Promise<void>;
}

function isTlsFailure(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && (code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_"));
}

export function createInterAgent(options: InterAgentOptions): InterAgent {
  const { tls } = options;
  // One secure context for every connection: parsing the certificate, the key and ~140 system roots
  // again for each new socket cost milliseconds of CPU and tens of MB at start (`npm run bench`).
  const secureContext = createSecureContext({
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    // An extra CA is added to the system roots, not put in their place: production Inter presents a
    // publicly trusted certificate, the emulator one from our dev CA.
    ...(tls.ca === undefined ? {} : { ca: [...rootCertificates, tls.ca] }),
    minVersion: "TLSv1.2",
  });
  const connect = buildConnector({
    secureContext,
    rejectUnauthorized: true,
    timeout: options.connectTimeoutMs,
  });
  // TLS failures by connection (local and remote port), kept briefly after the socket closes so the
  // failed request can find it; a new socket on the same ports clears any old entry.
  const failures = new Map<string, Error>();
  const keyOf = (local: unknown, remote: unknown): string | undefined =>
    typeof local === "number" && typeof remote === "number" ? `${String(local)}:${String(remote)}` : undefined;
  const dispatcher = new Agent({
    connect(opts, callback) {
      connect(opts, (err, socket) => {
        if (err) {
          callback(err, null);
          return;
        }
        const key = keyOf(socket.localPort, socket.remotePort);
        if (key !== undefined) {
          failures.delete(key);
          socket.prependListener("error", (e: unknown) => {
            if (isTlsFailure(e)) failures.set(key, e);
          });
          socket.once("close", () => {
            if (failures.has(key)) setTimeout(() => failures.delete(key), 5_000).unref();
          });
        }
        callback(null, socket);
      });
    },
    headersTimeout: options.requestTimeoutMs,
    bodyTimeout: options.requestTimeoutMs,
    // Short idle keep-alive (undici's default): a socket the bank's gateway closed while idle would turn a
    // send into an ambiguous reset. A `Keep-Alive: timeout=N` hint from the server takes precedence.
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 60_000,
    connections: options.maxConnections,
    pipelining: 1,
  });
  return {
    dispatcher,
    tlsFailureOf: (cause) => {
      if (isTlsFailure(cause)) return cause;
      // Only a connection that never read a byte of answer can have died of its handshake.
      const info = (
        cause as { socket?: { localPort?: unknown; remotePort?: unknown; bytesRead?: unknown } } | undefined
      )?.socket;
      const key = keyOf(info?.localPort, info?.remotePort);
      if (key === undefined || info?.bytesRead !== 0) return undefined;
      const failure = failures.get(key);
      failures.delete(key);
      return failure;
    },
    close: () => dispatcher.close(),
  };
}
