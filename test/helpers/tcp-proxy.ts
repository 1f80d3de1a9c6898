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
   * The next `times` commands a client sends that contain every one of `needles` (each alone in its
   * chunk) are answered with `errorLine` (e.g. `READONLY …`) instead of reaching the server.
   */
  failNext(needles: readonly string[], errorLine: string, times: number): void;
  /** Connections opened so far, and freezes applied. */
  stats(): { connections: number; freezes: number };
  close(): Promise<void>;
}

/** How many complete RESP commands (arrays of bulk strings) `text` holds; -1 when it is not only that. */
function commandsIn(text: string): number {
  let i = 0;
  let count = 0;
  const line = (): string | undefined => {
    const end = text.indexOf("\r\n", i);
    if (end < 0) return undefined;
    const l = text.slice(i, end);
    i = end + 2;
    return l;
  };
  while (i < text.length) {
    const head = line();
    if (head === undefined || !head.startsWith("*")) return -1;
    for (let n = Number(head.slice(1)); n > 0; n--) {
      const size = line();
      if (size === undefined || !size.startsWith("$")) return -1;
      i += Number(size.slice(1)) + 2;
      if (i > text.length) return -1;
    }
    count++;
  }
  return count;
}

export async function startTcpProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  const links = new Set<Link>();
  let connections = 0;
  let freezes = 0;
  const triggers: { needles: readonly string[]; ms: number; fired: () => void }[] = [];
  const failures: { needles: readonly string[]; errorLine: string; left: number }[] = [];

  function flush(link: Link): void {
    // A timer can fire a moment before the wall clock says it is due: wait the rest.
    if (Date.now() < link.frozenUntil) {
      link.timer = setTimeout(() => {
        flush(link);
      }, link.frozenUntil - Date.now() + 1);
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
      const text = chunk.toString("latin1");
      const failure = failures.find((f) => f.left > 0 && f.needles.every((n) => text.includes(n)));
      if (failure && commandsIn(text) === 1) {
        failure.left--;
        client.write(`-${failure.errorLine}\r\n`);
        return;
      }
      const i = triggers.findIndex((t) => t.needles.every((n) => text.includes(n)));
      if (Date.now() < link.frozenUntil) link.toServer.push(chunk);
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
      if (Date.now() < link.frozenUntil) link.toClient.push(chunk);
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
    stats: () => ({ connections, freezes }),
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
