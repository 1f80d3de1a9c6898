// The shell commands the README and docs/getting-started.md give (their ```sh blocks) run as written, on a clean
// copy of the repository: the files git tracks or would track, nothing else (no node_modules, no dist, no .env,
// no certs/dev). A reader who copies them must get what the page promises; a page that drifts from the code fails
// here. A block that cannot run inside the suite says so right before it, visibly:
//   <!-- not run by test/docs/commands.test.ts: the reason -->
// The commands run in page order, README first, in one copy: a line already run there (getting-started repeats the
// README's `npm ci && npm run demo`) is not run twice. Servers a command starts (the emulator, a worker) run in the
// background until the page is done, then are stopped. The commands get the shared Redis, and a queue and key
// prefix of this run's own (the environment wins over the .env the emulator writes), removed afterwards.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { removeIntegrationKeys, removeQueueKeys } from "../../src/queue/cleanup.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { tempDir } from "../helpers/temp-dir.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const PAGES = ["README.md", "docs/getting-started.md"];
const SKIP = /^<!-- not run by test\/docs\/commands\.test\.ts: (.+) -->$/;

/** npm ci from the npm cache takes about a minute, the demo about 40 s; a loaded CI machine takes longer. */
const COMMAND_TIMEOUT_MS = 6 * 60_000;
const READY_TIMEOUT_MS = 60_000;

/** Commands that keep running until stopped, and the line that says they are ready for the next command. */
const SERVERS: { command: RegExp; ready: RegExp }[] = [
  { command: /\b(pixout|npm run) emulator\b/, ready: /listening on https:\/\// },
  { command: /\bpixout worker\b/, ready: /payout worker started/ },
  { command: /\bpixout dashboard\b(?! hash-password)/, ready: /dashboard listening/ },
];

interface Block {
  page: string;
  line: number;
  commands: string[];
  /** Why the block is not run, as the page says; undefined when it is run. */
  skipped?: string;
}

/** The ```sh blocks of a page, each with its commands (comment lines dropped, `\` continuations joined). */
function shellBlocks(page: string): Block[] {
  const lines = readFileSync(join(root, page), "utf8").split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if ((lines[i] ?? "").trim() !== "```sh") continue;
    let before = i - 1;
    while (before >= 0 && (lines[before] ?? "").trim() === "") before--;
    const skipped = SKIP.exec((lines[before] ?? "").trim())?.[1];
    const commands: string[] = [];
    let pending = "";
    let j = i + 1;
    for (; j < lines.length && (lines[j] ?? "").trim() !== "```"; j++) {
      const text = (lines[j] ?? "").trim();
      if (pending === "" && (text === "" || text.startsWith("#"))) continue;
      if (text.endsWith("\\")) {
        pending += `${text.slice(0, -1)} `;
        continue;
      }
      commands.push(pending + text);
      pending = "";
    }
    blocks.push({ page, line: i + 1, commands, ...(skipped === undefined ? {} : { skipped }) });
    i = j;
  }
  return blocks;
}

/** A command without its trailing `# comment`. */
function withoutComment(command: string): string {
  return command.replace(/\s+#.*$/, "").trim();
}

/** The command .ci/run ends with: the one the README gives for the tests. */
function ciTestCommand(): string {
  const lines = readFileSync(join(root, ".ci/run"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  return lines[lines.length - 1] ?? "";
}

/** The files `git ls-files -co --exclude-standard` lists (tracked, and untracked but not ignored), copied. */
function cleanCopy(): string {
  const dir = tempDir("docs-commands");
  const listed = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: root, encoding: "utf8" });
  for (const file of listed.split("\0")) {
    const from = join(root, file);
    // A tracked file deleted in the working tree is not part of this checkout.
    if (file === "" || !existsSync(from) || !statSync(from).isFile()) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(from, join(dir, file));
  }
  return dir;
}

/** The environment a reader's shell would have: no npm_* of the running `npm test`, no project's .bin on PATH. */
function readerEnv(extra: Record<string, string>): Record<string, string> {
  // eslint-disable-next-line no-restricted-properties -- the commands run as a reader's shell would
  const env = process.env;
  const path = (env["PATH"] ?? "")
    .split(":")
    .filter((p) => !p.includes("node_modules/.bin"))
    .join(":");
  return { PATH: path, HOME: env["HOME"] ?? "/root", LANG: env["LANG"] ?? "C.UTF-8", ...extra };
}

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function start(command: string, cwd: string, env: Record<string, string>): Run {
  // Its own process group, so that stopping it stops what it started (npx → node).
  const child = spawn("bash", ["-c", command], { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      resolve(code);
    }),
  );
  return { child, output: () => output, exit };
}

function tail(text: string): string {
  return text.length > 4000 ? `…${text.slice(-4000)}` : text;
}

async function runToEnd(block: Block, command: string, cwd: string, env: Record<string, string>): Promise<void> {
  const run = start(command, cwd, env);
  const timer = setTimeout(() => {
    stopGroup(run.child, "SIGKILL");
  }, COMMAND_TIMEOUT_MS);
  const code = await run.exit;
  clearTimeout(timer);
  expect(code, `${block.page}:${block.line} \`${command}\` exited ${String(code)}:\n${tail(run.output())}`).toBe(0);
}

async function startServer(
  block: Block,
  command: string,
  ready: RegExp,
  cwd: string,
  env: Record<string, string>,
): Promise<Run> {
  const run = start(command, cwd, env);
  const end = Date.now() + READY_TIMEOUT_MS;
  while (!ready.test(run.output())) {
    const where = `${block.page}:${block.line} \`${command}\``;
    if (run.child.exitCode !== null) {
      throw new Error(`${where} exited ${String(run.child.exitCode)}:\n${tail(run.output())}`);
    }
    if (Date.now() > end) {
      await stop(run);
      throw new Error(`${where} did not say ${String(ready)} within 60 s:\n${tail(run.output())}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return run;
}

function stopGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // The whole group, even if its first process is gone: what it started may still run.
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function stop(run: Run): Promise<void> {
  stopGroup(run.child, "SIGTERM");
  const killer = setTimeout(() => {
    stopGroup(run.child, "SIGKILL");
  }, 15_000);
  await run.exit;
  clearTimeout(killer);
}

/** INTER_BASE_URL and INTER_CLIENT_ID of the .env the emulator wrote into the copy, if it did. */
function emulatorIntegration(dir: string): { baseUrl: string; clientId: string } | undefined {
  const file = join(dir, ".env");
  if (!existsSync(file)) return undefined;
  const env = new Map<string, string>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) env.set(m[1], m[2]);
  }
  const baseUrl = env.get("INTER_BASE_URL");
  const clientId = env.get("INTER_CLIENT_ID");
  return baseUrl && clientId ? { baseUrl, clientId } : undefined;
}

describe("the documented shell commands", () => {
  const blocks = PAGES.flatMap(shellBlocks);

  it("are found, and every block not run says why", () => {
    for (const page of PAGES)
      expect(blocks.filter((b) => b.page === page && !b.skipped).length, page).toBeGreaterThan(0);
    for (const b of blocks) expect(b.commands.length, `${b.page}:${b.line} is an empty block`).toBeGreaterThan(0);
    for (const b of blocks.filter((x) => x.skipped !== undefined)) expect(b.skipped?.trim().length).toBeGreaterThan(10);
  });

  it("the README's test command is the one CI runs (.ci/run), and is the one README command not run here", () => {
    const ci = ciTestCommand();
    expect(ci).toBe("npm test");
    const skipped = blocks.filter((b) => b.page === "README.md" && b.skipped !== undefined);
    expect(skipped.flatMap((b) => b.commands.map(withoutComment))).toEqual([ci]);
  });

  it("run as written on a clean copy of the repository", { timeout: 20 * 60_000 }, async () => {
    const dir = cleanCopy();
    const redisUrl = inject("redisUrl");
    const prefix = `pixout-docs-${randomUUID().slice(0, 8)}`;
    const env = readerEnv({
      REDIS_URL: redisUrl,
      PIXOUT_REDIS_PREFIX: prefix,
      PIXOUT_QUEUE: `docs-${randomUUID().slice(0, 8)}`,
    });
    // The emulator's budgets and token are keyed by its URL (a free port: this run's own); read before the copy goes.
    let integration: { baseUrl: string; clientId: string } | undefined;
    cleanupAfter(async () => {
      await removeQueueKeys(redisUrl, prefix);
      if (integration) await removeIntegrationKeys(redisUrl, integration);
    });
    const done = new Set<string>();
    for (const page of PAGES) {
      const servers: Run[] = [];
      try {
        for (const block of blocks.filter((b) => b.page === page && b.skipped === undefined)) {
          for (const command of block.commands) {
            if (done.has(command)) continue;
            const server = SERVERS.find((s) => s.command.test(command));
            if (server) servers.push(await startServer(block, command, server.ready, dir, env));
            else await runToEnd(block, command, dir, env);
            done.add(command);
          }
        }
        for (const s of servers) {
          expect(s.child.exitCode, `a server of ${page} stopped by itself:\n${tail(s.output())}`).toBeNull();
        }
      } finally {
        await Promise.all(servers.map(stop));
        integration ??= emulatorIntegration(dir);
      }
    }
  });
});
