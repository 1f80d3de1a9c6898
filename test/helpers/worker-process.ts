import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { Environment } from "../../src/config.js";
import { cleanupAfter } from "./cleanup.js";

const bin = fileURLToPath(new URL("../../bin/pixout.js", import.meta.url));

/** A `pixout worker` process (the built command) with a clean environment; killed when the test ends. */
export function startWorkerProcess(env: Environment, stdio: StdioOptions = "ignore"): ChildProcess {
  const child = spawn(process.execPath, [bin, "worker"], {
    env: { PATH: process.env["PATH"], ...env }, // eslint-disable-line no-restricted-properties -- a clean environment for the child
    stdio,
  });
  cleanupAfter(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
  });
  return child;
}
