import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import type { Environment } from "../../src/config.js";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { cleanupAfter } from "./cleanup.js";
import { movedClockEnv } from "./moved-clock-env.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = fileURLToPath(new URL("../../bin/pixout.js", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `pixout` command (bin/pixout.js → dist/, built by `npm test`) to completion. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? root,
      env: { PATH: process.env["PATH"], ...movedClockEnv(), ...options.env }, // eslint-disable-line no-restricted-properties -- a clean environment for the child
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`pixout ${args.join(" ")} timed out\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The shared Redis, with a key prefix and a queue of the caller's own; the prefix's keys are removed afterwards. */
export function cliQueueEnv(): Environment {
  const prefix = `pixout-test-${randomUUID().slice(0, 8)}`;
  cleanupAfter(() => removeQueueKeys(inject("redisUrl"), prefix).then(() => undefined));
  return {
    REDIS_URL: inject("redisUrl"),
    PIXOUT_REDIS_PREFIX: prefix,
    PIXOUT_QUEUE: `cli-${randomUUID().slice(0, 8)}`,
  };
}
