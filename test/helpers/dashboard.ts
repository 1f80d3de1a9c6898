// A real dashboard for a test: settings through the real loader, users with real scrypt hashes, on a free
// port of 127.0.0.1; closed when the test (or the file) ends.
import { request as httpRequest } from "node:http";
import type { Environment } from "../../src/config.js";
import { hashPassword, type ScryptParams } from "../../src/ops/dashboard/password.js";
import { startDashboard, type RunningDashboard } from "../../src/ops/dashboard/server.js";
import {
  loadDashboardSettings,
  type DashboardFlags,
  type DashboardSettings,
} from "../../src/ops/dashboard/settings.js";
import { cleanupAfter } from "./cleanup.js";
import { captureLogs } from "./log-capture.js";

export interface TestUser {
  name: string;
  role: "viewer" | "operator";
  password: string;
  /** Hash parameters other than the default. */
  scrypt?: ScryptParams;
}

export const VIEWER: TestUser = { name: "bruno", role: "viewer", password: "viewer-password-123" };
export const OPERATOR: TestUser = { name: "ana.operadora", role: "operator", password: "operator-password-456" };

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface TestDashboard extends RunningDashboard {
  settings: DashboardSettings;
  lines: string[];
  /** fetch on the dashboard as `user` (no credentials when undefined). */
  get(path: string, user?: TestUser, headers?: Record<string, string>): Promise<Response>;
  /** A state-changing request as `user`, JSON with the session's CSRF token unless `headers` say otherwise. */
  post(
    path: string,
    user: TestUser | undefined,
    body: unknown,
    headers?: Record<string, string | undefined>,
  ): Promise<Response>;
  /** A request through node:http, whose headers (Host included) are sent exactly as given. */
  raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawResponse>;
}

export function basic(user: Pick<TestUser, "name" | "password">): string {
  return `Basic ${Buffer.from(`${user.name}:${user.password}`).toString("base64")}`;
}

export async function usersEnv(users: readonly TestUser[]): Promise<string> {
  const entries = await Promise.all(
    users.map(async (u) => `${u.name}:${u.role}:${await hashPassword(u.password, u.scrypt)}`),
  );
  return entries.join(",");
}

/** `env` carries REDIS_URL, PIXOUT_QUEUE and PIXOUT_REDIS_PREFIX (a pipeline's env will do). */
export async function startTestDashboard(
  env: Environment,
  options: { users?: readonly TestUser[]; flags?: DashboardFlags } = {},
): Promise<TestDashboard> {
  const users = options.users ?? [VIEWER, OPERATOR];
  const settings = loadDashboardSettings(
    {
      // The tests are the loopback proxy: an `x-forwarded-for` header stands for a client's address.
      PIXOUT_DASHBOARD_TRUSTED_PROXIES: "loopback",
      ...env,
      PIXOUT_DASHBOARD_PORT: "0",
      PIXOUT_DASHBOARD_HOST: "127.0.0.1",
      ...(users.length > 0 ? { PIXOUT_DASHBOARD_USERS: await usersEnv(users) } : {}),
    },
    options.flags,
  );
  const { logger, lines } = captureLogs("debug");
  const running = await startDashboard(settings, logger);
  cleanupAfter(() => running.close());
  const auth = (user: TestUser | undefined): Record<string, string> => (user ? { authorization: basic(user) } : {});
  const get = (path: string, user?: TestUser, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${running.url}${path}`, { headers: { ...auth(user), ...headers }, redirect: "manual" });
  const url = new URL(running.url);
  return {
    ...running,
    settings,
    lines,
    get,
    async post(path, user, body, headers = {}) {
      const session = (await (await get("/api/session", user)).json()) as { csrfToken?: string };
      const all: Record<string, string | undefined> = {
        "content-type": "application/json",
        "x-csrf-token": session.csrfToken,
        ...auth(user),
        ...headers,
      };
      const defined = Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
      return fetch(`${running.url}${path}`, {
        method: "POST",
        headers: defined,
        body: typeof body === "string" ? body : JSON.stringify(body),
        redirect: "manual",
      });
    },
    raw(method, path, headers, body) {
      return new Promise((resolve, reject) => {
        const req = httpRequest(
          { host: url.hostname.replace(/^\[|\]$/g, ""), port: url.port, method, path, headers, setHost: false },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => (text += chunk));
            res.on("end", () => {
              resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
            });
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    },
  };
}
