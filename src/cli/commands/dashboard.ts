// `pixout dashboard [--host] [--port] [--no-auth]`: the operators' web dashboard (src/ops/dashboard/), and
// `pixout dashboard hash-password`: the hash of a dashboard user's password for PIXOUT_DASHBOARD_USERS.
import { once } from "node:events";
import { Option, type Command } from "commander";
import { readEnvironment } from "../../config.js";
import { createLogger } from "../../logger.js";
import { hashPassword } from "../../ops/dashboard/password.js";
import { startDashboard } from "../../ops/dashboard/server.js";
import { loadDashboardSettings, ROLES, USER_NAME, USER_NAME_RULE } from "../../ops/dashboard/settings.js";
import { EXIT, UserError } from "./exit-codes.js";
import { nonNegativeInteger } from "./options.js";

const MIN_PASSWORD_LENGTH = 12;

/** Reads a line from a terminal without echoing it. */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let chars: string[] = [];
    const finish = (): void => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") {
          finish();
          resolve(chars.join(""));
          return;
        }
        if (ch === "\u0003") {
          finish();
          reject(new UserError("cancelled", 130));
          return;
        }
        if (ch === "\u007f" || ch === "\b") chars = chars.slice(0, -1);
        else if (ch >= " ") chars.push(ch);
      }
    };
    stdin.on("data", onData);
  });
}

/** The password: typed twice without echo on a terminal, else the whole of stdin less one final line break. */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await readHidden("Password: ");
    const again = await readHidden("Again: ");
    if (first !== again) throw new UserError("the two passwords differ; nothing was printed", EXIT.usage);
    return first;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

export function registerDashboardCommand(program: Command): void {
  const dashboard = program
    .command("dashboard")
    .description(
      "Serve the operators' dashboard: payment search, audited retries, read-only queue board, /metrics, /healthz, /readyz",
    )
    .option("--host <host>", "address to listen on (default PIXOUT_DASHBOARD_HOST, 127.0.0.1)")
    .option("--port <port>", "port (default PIXOUT_DASHBOARD_PORT, 3000)", nonNegativeInteger)
    .option(
      "--no-auth",
      "no login, everyone is an operator (local development only: refused unless the host is 127.0.0.1, ::1 or localhost; answers only requests addressed to 127.0.0.1, localhost or [::1], never through a proxy)",
    )
    .addHelpText(
      "after",
      `
Users log in with HTTP Basic: PIXOUT_DASHBOARD_USERS="ana:operator:<hash>,bruno:viewer:<hash>", each hash
from \`pixout dashboard hash-password\`. Viewers read; operators may also retry a payment (audited under their
name, by the same rules as \`pixout retry\`). /healthz and /readyz need no login. Behind a TLS-terminating
proxy set PIXOUT_DASHBOARD_ORIGIN to the public https:// address (Basic auth over plain HTTP sends passwords
in the clear: the start warns when listening beyond loopback without it); several replicas need one
PIXOUT_DASHBOARD_SECRET.
Stops on SIGTERM/SIGINT. See docs/operating/dashboard.md.

Examples:
  pixout dashboard hash-password --user ana --role operator
  PIXOUT_DASHBOARD_USERS="ana:operator:scrypt.32768.8.1.…" pixout dashboard --host 0.0.0.0 --port 3000
  pixout dashboard --no-auth                 # development, on 127.0.0.1 only`,
    )
    .action(async (flags: { host?: string; port?: number; auth?: boolean }) => {
      const settings = loadDashboardSettings(readEnvironment(), {
        ...(flags.host === undefined ? {} : { host: flags.host }),
        ...(flags.port === undefined ? {} : { port: flags.port }),
        noAuth: flags.auth === false,
      });
      const logger = createLogger({ level: settings.logLevel, name: "pixout-dashboard" });
      const running = await startDashboard(settings, logger).catch((err: unknown) => {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE")
          throw new UserError(
            `port ${String(settings.port)} is in use; choose another with --port or PIXOUT_DASHBOARD_PORT`,
          );
        if (code === "EACCES")
          throw new UserError(`not allowed to listen on port ${String(settings.port)}; use a port above 1023`);
        if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
          throw new UserError(
            `cannot listen on ${settings.host}: not an address of this machine; fix --host or PIXOUT_DASHBOARD_HOST`,
          );
        throw err;
      });
      await Promise.race([once(process, "SIGTERM"), once(process, "SIGINT")]);
      logger.info("dashboard stopping");
      await running.close();
      logger.info("dashboard stopped");
      logger.flush();
    });

  dashboard
    .command("hash-password")
    .description("Hash a dashboard user's password (read from stdin, not echoed) for PIXOUT_DASHBOARD_USERS")
    .option("--user <name>", "print the whole entry name:role:hash for this user")
    .addOption(new Option("--role <role>", "with --user: viewer or operator (default viewer)").choices(ROLES))
    .addHelpText(
      "after",
      `
On a terminal the password is asked twice and not echoed; otherwise it is the whole of stdin (one final
line break dropped). At least ${String(MIN_PASSWORD_LENGTH)} characters. The hash is scrypt with a random salt,
scrypt.N.r.p.salt.hash — no "$" in it, so it survives shells, .env files and docker compose unquoted.

Examples:
  pixout dashboard hash-password --user ana --role operator
  printf '%s' "$PASSWORD" | pixout dashboard hash-password`,
    )
    .action(async (flags: { user?: string; role?: string }) => {
      if (flags.role !== undefined && flags.user === undefined)
        throw new UserError("--role goes with --user", EXIT.usage);
      if (flags.user !== undefined && !USER_NAME.test(flags.user))
        throw new UserError(`--user: ${USER_NAME_RULE}`, EXIT.usage);
      const password = await readPassword();
      if (Array.from(password).length < MIN_PASSWORD_LENGTH)
        throw new UserError(
          `the password must have at least ${String(MIN_PASSWORD_LENGTH)} characters; nothing was printed`,
          EXIT.usage,
        );
      const hash = await hashPassword(password);
      process.stdout.write(`${flags.user === undefined ? hash : `${flags.user}:${flags.role ?? "viewer"}:${hash}`}\n`);
      if (process.stderr.isTTY && flags.user === undefined)
        process.stderr.write("Use it as name:role:<hash> in PIXOUT_DASHBOARD_USERS (role viewer or operator).\n");
    });
}
