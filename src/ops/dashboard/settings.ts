// `pixout dashboard` settings, from an Environment (callers pass readEnvironment()): where it
// listens, who may log in with which role, the CSRF secret and the public origin, plus the queue's settings
// and where an operator's resume of a held account is announced (PIXOUT_NOTIFY_*). Every problem is
// reported at once (ConfigError, exit 78), each with what to do; none quotes a secret.
import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { z } from "zod";
import {
  ConfigError,
  digits,
  loadNotifySettings,
  loadQueueSettings,
  withoutEmpty,
  type Environment,
  type QueueSettings,
} from "../../config.js";
import type { NotifySettings } from "../../notifications/settings.js";
import type { CredentialProblem } from "../../tls/client-credentials.js";
import { looksLikeHash, parsePasswordHash, type PasswordHash } from "./password.js";

export const ROLES = ["viewer", "operator"] as const;
export type Role = (typeof ROLES)[number];

export interface DashboardUser {
  name: string;
  role: Role;
  hash: PasswordHash;
}

export interface DashboardSettings extends QueueSettings {
  host: string;
  port: number;
  /** Who may log in; empty only with noAuth. */
  users: DashboardUser[];
  /** `--no-auth` on a loopback host: everyone is an operator, audited as NO_AUTH_ACTOR. */
  noAuth: boolean;
  /** `--no-auth` although PIXOUT_DASHBOARD_USERS lists users (they are ignored: the start warns). */
  usersIgnored: boolean;
  /** Signs CSRF tokens: PIXOUT_DASHBOARD_SECRET, or random per process when unset. */
  csrfSecret: Buffer;
  /** Whether csrfSecret came from PIXOUT_DASHBOARD_SECRET (several replicas need the same one). */
  sharedSecret: boolean;
  /** PIXOUT_DASHBOARD_ORIGIN as URL.origin writes it (`https://ops.example.com`), for the Origin check behind a proxy. */
  origin?: string;
  /**
   * PIXOUT_DASHBOARD_TRUSTED_PROXIES: the reverse proxies whose X-Forwarded-For names the client (addresses,
   * CIDRs, or `loopback`/`linklocal`/`uniquelocal`); empty: the connection's address is the client's.
   */
  trustedProxies: string[];
  /**
   * PIXOUT_NOTIFY_*: where the account.resumed event of a resume from the dashboard goes. Invalid ones do
   * not stop the dashboard (it announces nothing else, and its pages matter more): `notifyProblem` says
   * what is wrong, and the start warns.
   */
  notify?: NotifySettings;
  notifyProblem?: string;
}

/** The audit's actor when the dashboard runs without authentication. */
export const NO_AUTH_ACTOR = "local (no auth)";
export const LOOPBACK_HOSTS: readonly string[] = ["127.0.0.1", "::1", "localhost"];
/** A dashboard user's name (PIXOUT_DASHBOARD_USERS, `hash-password --user`): an operator's login, maybe an e-mail. */
export const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;
export const USER_NAME_RULE = "1-64 characters of letters, digits, '.', '_', '@' or '-'";

/** Whether `host` is this machine only (127.0.0.0/8, ::1, localhost): nothing crosses a network. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.includes(host) || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
const MIN_SECRET_LENGTH = 32;
const HASH_HINT = "run `pixout dashboard hash-password`, then use name:role:<the line it prints>";

/** `ana:operator:scrypt.…,bruno:viewer:scrypt.…` → users. Problems name an entry by position and name, never its hash. */
function parseUsers(text: string): { users: DashboardUser[]; problems: string[] } {
  const users: DashboardUser[] = [];
  const problems: string[] = [];
  const entries = text
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  entries.forEach((entry, i) => {
    const parts = entry.split(":");
    const name = parts[0] ?? "";
    const where = USER_NAME.test(name) ? `entry ${String(i + 1)} (${name})` : `entry ${String(i + 1)}`;
    if (parts.length !== 3) {
      problems.push(`${where} must be name:role:hash, e.g. ana:operator:scrypt.32768.8.1.…; ${HASH_HINT}`);
      return;
    }
    const [, role = "", stored = ""] = parts;
    if (!USER_NAME.test(name)) problems.push(`${where}: the user name must be ${USER_NAME_RULE}`);
    if (!(ROLES as readonly string[]).includes(role)) problems.push(`${where}: the role must be viewer or operator`);
    if (!looksLikeHash(stored)) {
      problems.push(`${where}: the password is in plain text, which is refused; ${HASH_HINT}`);
      return;
    }
    const hash = parsePasswordHash(stored);
    if ("problem" in hash) {
      problems.push(`${where}: the hash ${hash.problem}`);
      return;
    }
    if (users.some((u) => u.name === name)) {
      problems.push(`${where}: the user is listed twice`);
      return;
    }
    if (USER_NAME.test(name) && (ROLES as readonly string[]).includes(role))
      users.push({ name, role: role as Role, hash });
  });
  return { users, problems };
}

const schema = z.object({
  PIXOUT_DASHBOARD_HOST: z.string().min(1).default("127.0.0.1"),
  PIXOUT_DASHBOARD_PORT: digits().pipe(z.number().max(65_535, "must be at most 65535")).default(3000),
  PIXOUT_DASHBOARD_USERS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const parsed = parseUsers(v ?? "");
      for (const message of parsed.problems) ctx.addIssue({ code: "custom", message });
      return parsed.users;
    }),
  PIXOUT_DASHBOARD_SECRET: z
    .string()
    .min(
      MIN_SECRET_LENGTH,
      `must be at least ${String(MIN_SECRET_LENGTH)} characters, e.g. from \`openssl rand -base64 32\``,
    )
    .optional(),
  PIXOUT_DASHBOARD_ORIGIN: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      let url: URL | undefined;
      try {
        url = new URL(v);
      } catch {
        url = undefined;
      }
      if (
        !url ||
        (url.protocol !== "https:" && url.protocol !== "http:") ||
        url.pathname !== "/" ||
        url.search !== "" ||
        url.hash !== "" ||
        url.username !== ""
      ) {
        ctx.addIssue({
          code: "custom",
          message:
            "must be the public origin browsers see, scheme://host[:port] without a path, e.g. https://ops.example.com",
        });
        return undefined;
      }
      return url.origin;
    }),
  PIXOUT_DASHBOARD_TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const list = (v ?? "")
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean);
      for (const entry of list) {
        const [address, bits, ...rest] = entry.split("/");
        const max = isIP(address ?? "") === 4 ? 32 : 128;
        const ok =
          ["loopback", "linklocal", "uniquelocal"].includes(entry) ||
          (isIP(address ?? "") !== 0 &&
            rest.length === 0 &&
            (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max)));
        if (!ok)
          ctx.addIssue({
            code: "custom",
            message: `"${entry}" is not an address, a CIDR (10.0.0.0/8) or one of loopback, linklocal, uniquelocal`,
          });
      }
      return list;
    }),
});

export interface DashboardFlags {
  /** `--host`: wins over PIXOUT_DASHBOARD_HOST. */
  host?: string;
  /** `--port`: wins over PIXOUT_DASHBOARD_PORT. */
  port?: number;
  /** `--no-auth`: no login, only on a loopback host. */
  noAuth?: boolean;
}

export function loadDashboardSettings(env: Environment, flags: DashboardFlags = {}): DashboardSettings {
  const input = withoutEmpty(env);
  if (flags.host !== undefined) input["PIXOUT_DASHBOARD_HOST"] = flags.host;
  if (flags.port !== undefined) input["PIXOUT_DASHBOARD_PORT"] = String(flags.port);
  const problems: CredentialProblem[] = [];
  let queue: QueueSettings | undefined;
  try {
    queue = loadQueueSettings(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  const parsed = schema.safeParse(input);
  const flagFor: Record<string, string | undefined> = {
    PIXOUT_DASHBOARD_HOST: flags.host === undefined ? undefined : "--host",
    PIXOUT_DASHBOARD_PORT: flags.port === undefined ? undefined : "--port",
  };
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const setting = issue.path.map(String).join(".");
      problems.push({ setting: flagFor[setting] ?? setting, message: issue.message });
    }
  }
  const e = parsed.success ? parsed.data : undefined;
  const host = e?.PIXOUT_DASHBOARD_HOST ?? input["PIXOUT_DASHBOARD_HOST"] ?? "127.0.0.1";
  const noAuth = flags.noAuth === true;
  if (noAuth && !LOOPBACK_HOSTS.includes(host)) {
    problems.push({
      setting: "--no-auth",
      message: `is allowed only on a loopback host (${LOOPBACK_HOSTS.join(", ")}), not ${host}: anyone reaching the port could retry payments; set PIXOUT_DASHBOARD_USERS instead`,
    });
  }
  if (!noAuth && e !== undefined && e.PIXOUT_DASHBOARD_USERS.length === 0) {
    problems.push({
      setting: "PIXOUT_DASHBOARD_USERS",
      message: `is required: name:role:hash entries, comma-separated, role viewer or operator (${HASH_HINT}); for local development only, \`pixout dashboard --no-auth\` on 127.0.0.1`,
    });
  }
  if (problems.length > 0 || !e || !queue) throw new ConfigError(problems);
  const secret = e.PIXOUT_DASHBOARD_SECRET;
  let notify: { notify: NotifySettings } | { notifyProblem: string };
  try {
    notify = { notify: loadNotifySettings(env) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    notify = { notifyProblem: err.problems.map((p) => `${p.setting}: ${p.message}`).join("; ") };
  }
  return {
    ...queue,
    host,
    port: e.PIXOUT_DASHBOARD_PORT,
    users: noAuth ? [] : e.PIXOUT_DASHBOARD_USERS,
    noAuth,
    usersIgnored: noAuth && e.PIXOUT_DASHBOARD_USERS.length > 0,
    csrfSecret: secret === undefined ? randomBytes(32) : Buffer.from(secret, "utf8"),
    sharedSecret: secret !== undefined,
    ...(e.PIXOUT_DASHBOARD_ORIGIN === undefined ? {} : { origin: e.PIXOUT_DASHBOARD_ORIGIN }),
    trustedProxies: e.PIXOUT_DASHBOARD_TRUSTED_PROXIES,
    ...notify,
  };
}
