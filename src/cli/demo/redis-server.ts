// A private redis-server on a free port: the demo's fallback, the chaos suite's Redis that it may kill
// and restart, and the tests' when they must stop Redis. Never the machine's shared one.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";

export interface RedisServer {
  url: string;
  port: number;
  /** Stops it: SIGTERM saves nothing here (no RDB), SIGKILL is a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port, with the same files (AOF). */
  restart(): Promise<void>;
}

/** Whether a Redis answers PING at `url` (`tls`: the CA of a rediss:// server's certificate). */
export async function redisAnswers(url: string, timeoutMs = 1_000, tls?: { ca: string }): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    ...(tls === undefined ? {} : { tls }),
  });
  probe.on("error", () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

/**
 * Starts `redis-server` with `args` (e.g. `["--appendonly", "yes", "--dir", dir]`); throws if it is not
 * installed or does not answer within 5 s.
 */
export async function startRedisServer(args: string[] = ["--save", "", "--appendonly", "no"]): Promise<RedisServer> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${String(port)}`;
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const started = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", ...args], {
      stdio: "ignore",
    });
    await Promise.race([once(started, "spawn"), once(started, "error").then(([e]) => Promise.reject(e as Error))]);
    child = started;
    for (let i = 0; i < 100; i++) {
      if (await redisAnswers(url, 200)) return;
      await sleep(50);
    }
    started.kill("SIGKILL");
    throw new Error(`redis-server on port ${String(port)} did not answer`);
  };
  await launch();
  return {
    url,
    port,
    async stop(signal = "SIGTERM") {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      c.kill(signal);
      await once(c, "exit");
    },
    restart: launch,
  };
}
