// A TCP proxy in front of a server (Redis) that a test or the chaos suite controls: it can freeze its
// connections — hold every byte in both directions, as a frozen network link does (nothing is lost or
// closed; it all arrives when the link thaws) — at once, or right after a client sends a command that
// contains given text (so that the command reaches the server and runs, and its reply is what is held).
import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

interface Link {
  client: Socket;
  server: Socket;
  /** Bytes held while frozen, per direction. */
  toServer: Buffer[];
  toClient: Buffer[];
  frozenUntil: number;
  timer?: NodeJS.Timeout;
}

export interface TcpProxy {
  port: number;
  /** `redis://127.0.0.1:PORT` when the target is a Redis. */
  url: string;
  /** Holds every connection's bytes for `ms`. */
  freeze(ms: number): void;
  /**
   * Once a client sends a chunk containing every one of `needles`, lets that chunk through and then holds
   * that connection's bytes for `ms`. Resolves when it fired.
   */
  freezeAfter(needles: readonly string[], ms: number): Promise<void>;
  /**
   * The next `times` commands a client sends that contain every one of `needles` are answered with
   * `errorLine` (e.g. `READONLY …`) instead of running: each is replaced by a script that makes the server
   * itself answer that error, so the replies keep their order.
   */
  failNext(needles: readonly string[], errorLine: string, times: number): void;
  /** Connections opened so far, freezes applied, and commands answered with an error by failNext. */
  stats(): { connections: number; freezes: number; failed: number };
  close(): Promise<void>;
}

/** The [start, end) of each complete RESP command (an array of bulk strings) in `text`; undefined when it is not only that. */
function commandSpans(text: string): [number, number][] | undefined {
  let i = 0;
  const spans: [number, number][] = [];
  const line = (): string | undefined => {
    const end = text.indexOf("\r\n", i);
    if (end < 0) return undefined;
    const l = text.slice(i, end);
    i = end + 2;
    return l;
  };
  while (i < text.length) {
    const start = i;
    const head = line();
    if (head === undefined || !head.startsWith("*")) return undefined;
    for (let n = Number(head.slice(1)); n > 0; n--) {
      const size = line();
      if (size === undefined || !size.startsWith("$")) return undefined;
      i += Number(size.slice(1)) + 2;
      if (i > text.length) return undefined;
    }
    spans.push([start, i]);
  }
  return spans;
}

/** A RESP command that makes Redis answer `errorLine` as an error, in its turn. */
function errorCommand(errorLine: string): string {
  const script = `return redis.error_reply(${JSON.stringify(errorLine)})`;
  const parts = ["EVAL", script, "0"];
  return `*${String(parts.length)}\r\n${parts.map((p) => `$${String(Buffer.byteLength(p, "latin1"))}\r\n${p}\r\n`).join("")}`;
}

export async function startTcpProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  const links = new Set<Link>();
  let connections = 0;
  let freezes = 0;
  let failed = 0;
  const triggers: { needles: readonly string[]; ms: number; fired: () => void }[] = [];
  const failures: { needles: readonly string[]; errorLine: string; left: number }[] = [];

  function flush(link: Link): void {
    // A timer can fire a moment before the wall clock says it is due: wait the rest.
    if (Date.now() < link.frozenUntil) {
      link.timer = setTimeout(
        () => {
          flush(link);
        },
        link.frozenUntil - Date.now() + 1,
      );
      return;
    }
    for (const chunk of link.toServer.splice(0)) link.server.write(chunk);
    for (const chunk of link.toClient.splice(0)) link.client.write(chunk);
  }

  function hold(link: Link, ms: number): void {
    freezes++;
    link.frozenUntil = Math.max(link.frozenUntil, Date.now() + ms);
    if (link.timer) clearTimeout(link.timer);
    link.timer = setTimeout(() => {
      flush(link);
    }, link.frozenUntil - Date.now());
  }

  const server: Server = createServer((client) => {
    connections++;
    const upstream = connect(targetPort, targetHost);
    const link: Link = { client, server: upstream, toServer: [], toClient: [], frozenUntil: 0 };
    links.add(link);
    client.on("data", (chunk: Buffer) => {
      let text = chunk.toString("latin1");
      if (failures.some((f) => f.left > 0 && f.needles.every((n) => text.includes(n)))) {
        // Each matching command (a chunk may hold several) is swapped for one that fails in its turn.
        const spans = commandSpans(text) ?? [];
        let rewritten = "";
        let at = 0;
        for (const [start, end] of spans) {
          const command = text.slice(start, end);
          const failure = failures.find((f) => f.left > 0 && f.needles.every((n) => command.includes(n)));
          rewritten += text.slice(at, start);
          if (failure) {
            failure.left--;
            failed++;
            rewritten += errorCommand(failure.errorLine);
          } else {
            rewritten += command;
          }
          at = end;
        }
        text = rewritten + text.slice(at);
        chunk = Buffer.from(text, "latin1");
      }
      const i = triggers.findIndex((t) => t.needles.every((n) => text.includes(n)));
      // Bytes still held go first: a chunk never overtakes them, frozen or not.
      if (Date.now() < link.frozenUntil || link.toServer.length > 0) link.toServer.push(chunk);
      else upstream.write(chunk);
      if (i >= 0) {
        const [trigger] = triggers.splice(i, 1);
        if (trigger) {
          hold(link, trigger.ms);
          trigger.fired();
        }
      }
    });
    upstream.on("data", (chunk: Buffer) => {
      if (Date.now() < link.frozenUntil || link.toClient.length > 0) link.toClient.push(chunk);
      else client.write(chunk);
    });
    const end = (): void => {
      if (link.timer) clearTimeout(link.timer);
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `redis://127.0.0.1:${String(port)}`,
    freeze(ms) {
      for (const link of links) hold(link, ms);
    },
    freezeAfter(needles, ms) {
      return new Promise((resolve) => triggers.push({ needles, ms, fired: resolve }));
    },
    failNext(needles, errorLine, times) {
      failures.push({ needles, errorLine, left: times });
    },
    stats: () => ({ connections, freezes, failed }),
    async close() {
      for (const link of links) {
        if (link.timer) clearTimeout(link.timer);
        link.client.destroy();
        link.server.destroy();
      }
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
