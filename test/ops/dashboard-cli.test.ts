// `pixout dashboard` and `pixout dashboard hash-password` as a user runs them (the built bin/pixout.js).
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { parsePasswordHash, verifyPassword } from "../../src/ops/dashboard/password.js";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { runCli } from "../helpers/cli.js";

const bin = fileURLToPath(new URL("../../bin/pixout.js", import.meta.url));
const root = fileURLToPath(new URL("../..", import.meta.url));

/** Runs `pixout args…` with `input` on stdin (not a terminal). */
function runWithInput(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    // eslint-disable-next-line no-restricted-properties -- a clean environment for the child
    env: { PATH: process.env["PATH"] },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

describe("pixout dashboard", () => {
  const queueEnv = {
    REDIS_URL: inject("redisUrl"),
    PIXOUT_QUEUE: `test-${randomUUID().slice(0, 8)}`,
    PIXOUT_REDIS_PREFIX: `pixout-test-${randomUUID().slice(0, 8)}`,
  };

  it("refuses to start without users (exit 78, saying how to add one), and --no-auth off loopback", async () => {
    // Independent processes: run at once (each spends most of its time starting Node).
    const [noUsers, open, plain] = await Promise.all([
      runCli(["dashboard"], { env: queueEnv }),
      runCli(["dashboard", "--no-auth", "--host", "0.0.0.0"], { env: queueEnv }),
      runCli(["dashboard"], { env: { ...queueEnv, PIXOUT_DASHBOARD_USERS: "ana:operator:my-secret-password" } }),
    ]);
    expect(noUsers.code).toBe(78);
    expect(noUsers.stderr).toMatch(/PIXOUT_DASHBOARD_USERS: is required: .*pixout dashboard hash-password/);
    expect(open.code).toBe(78);
    expect(open.stderr).toMatch(/--no-auth: is allowed only on a loopback host/);
    expect(plain.code).toBe(78);
    expect(plain.stderr).toMatch(/entry 1 \(ana\): the password is in plain text/);
    expect(plain.stderr).not.toContain("my-secret-password");
  });

  it("hash-password reads stdin and prints name:role:hash with a hash that verifies; refuses a short password", async () => {
    // Two processes, at once: starting Node costs far more than the hash (the bare form, without --user,
    // and commander's --role choices are the same code path; the settings tests cover the hash's format).
    const [entry, short] = await Promise.all([
      runWithInput(
        ["dashboard", "hash-password", "--user", "ana@empresa.com", "--role", "operator"],
        "a long enough password\n",
      ),
      runWithInput(["dashboard", "hash-password"], "short\n"),
    ]);
    expect(entry).toMatchObject({ code: 0, stderr: "" });
    const m = /^ana@empresa\.com:operator:(scrypt\.32768\.8\.1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\n$/.exec(entry.stdout);
    expect(m?.[1]).toBeDefined();
    const hash = parsePasswordHash(m?.[1] ?? "");
    if ("problem" in hash) throw new Error(hash.problem);
    expect(await verifyPassword("a long enough password", hash)).toBe(true);
    expect(await verifyPassword("a long enough password\n", hash)).toBe(false); // one final line break is dropped
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/at least 12 characters/);
    expect(short.stdout).toBe("");
  });

  it("serves, logs its URL, and stops cleanly on SIGTERM", async () => {
    cleanupAfter(async () => {
      await removeQueueKeys(queueEnv.REDIS_URL, queueEnv.PIXOUT_REDIS_PREFIX);
    });
    const child = spawn(process.execPath, [bin, "dashboard", "--no-auth", "--port", "0"], {
      cwd: root,
      // eslint-disable-next-line no-restricted-properties -- a clean environment for the child
      env: { PATH: process.env["PATH"], ...queueEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: string[] = [];
    const exited = once(child, "exit");
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).on("line", (line) => {
        lines.push(line);
        const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)".*"msg":"dashboard listening"/.exec(line);
        if (m?.[1]) resolve(m[1]);
      });
      void exited.then(() => {
        reject(new Error(`exited before listening: ${lines.join("\n")}`));
      });
    });
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: "ok" });
    child.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(lines.some((l) => l.includes('"msg":"dashboard stopped"'))).toBe(true);
  });
});
