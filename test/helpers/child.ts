import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Runs a TypeScript file of the project in a child Node process (through tsx). */
export function spawnTs(
  file: string,
  args: string[],
  env: Record<string, string | undefined>,
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ["--import", "tsx", file, ...args], {
    cwd: root,
    env: { PATH: process.env["PATH"], ...env }, // eslint-disable-line no-restricted-properties -- children need PATH only
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Resolves with the next stdout line of the child (rejects if it exits first, with its stderr). */
export function nextLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const rl = createInterface({ input: child.stdout });
    const onExit = (code: number | null): void => {
      reject(new Error(`child exited with ${String(code)} before answering: ${stderr}`));
    };
    child.once("exit", onExit);
    rl.once("line", (line) => {
      child.off("exit", onExit);
      rl.close();
      resolve(line);
    });
  });
}
