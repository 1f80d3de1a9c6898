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
  /** Connections opened so far, and freezes applied. */
  stats(): { connections: number; freezes: number };
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  const links = new Set<Link>();
  let connections = 0;
  let freezes = 0;
  const triggers: { needles: readonly string[]; ms: number; fired: () => void }[] = [];

  function flush(link: Link): void {
    if (Date.now() < link.frozenUntil) return;
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
    stats: () => ({ connections, freezes }),
    async close() {
      for (const link of links) {
        if (link.timer) clearTimeout(link.timer);
        link.client.destroy();
        link.server.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
