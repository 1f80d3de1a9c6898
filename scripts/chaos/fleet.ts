// The worker fleet of a chaos run: `pixout worker` processes that are killed and restarted.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../bin/pixout.js", import.meta.url));

export interface Fleet {
  /**
   * Kills one running worker (chosen by `pick` in [0, 1)) with `signal`; it is restarted at once. A
   * worker is killed only once it has run `minUptimeMs` (waiting for that if needed), so that kills land
   * while it works rather than while it boots.
   */
  kill(signal: NodeJS.Signals, pick: number, minUptimeMs?: number): Promise<boolean>;
  readonly kills: number;
  readonly terms: number;
  stop(): Promise<void>;
}

/** `envOf(slot)`: settings of the worker in that slot, over `env` (e.g. its own Redis proxy). */
export function startFleet(
  size: number,
  env: Record<string, string>,
  logFile: string,
  envOf: (slot: number) => Record<string, string> = () => ({}),
): Fleet {
  const log: WriteStream = createWriteStream(logFile, { flags: "a" });
  const workers: (ChildProcess | undefined)[] = new Array<ChildProcess | undefined>(size);
  const startedAt = new Map<ChildProcess, number>();
  let stopping = false;
  let kills = 0;
  let terms = 0;
  const launch = (slot: number): void => {
    const child = spawn(process.execPath, [bin, "worker"], {
      // eslint-disable-next-line no-restricted-properties -- a clean environment for the child
      env: { PATH: process.env["PATH"] ?? "", ...env, ...envOf(slot) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    workers[slot] = child;
    startedAt.set(child, Date.now());
    child.once("exit", () => {
      if (!stopping) launch(slot);
    });
  };
  for (let i = 0; i < size; i++) launch(i);
  return {
    async kill(signal, pick, minUptimeMs = 0) {
      const alive = workers.filter(
        (w): w is ChildProcess => w !== undefined && w.exitCode === null && w.signalCode === null && !w.killed,
      );
      const target = alive[Math.floor(pick * alive.length)];
      if (!target) return false;
      const wait = (startedAt.get(target) ?? 0) + minUptimeMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (target.exitCode !== null || target.signalCode !== null || target.killed) return false;
      target.kill(signal);
      if (signal === "SIGKILL") kills++;
      else terms++;
      return true;
    },
    get kills() {
      return kills;
    },
    get terms() {
      return terms;
    },
    async stop() {
      stopping = true;
      await Promise.all(
        workers.map(async (w) => {
          if (!w || w.exitCode !== null || w.signalCode !== null) return;
          w.kill("SIGTERM");
          const exited = once(w, "exit");
          const timer = setTimeout(() => w.kill("SIGKILL"), 10_000);
          await exited;
          clearTimeout(timer);
        }),
      );
      log.end();
    },
  };
}
