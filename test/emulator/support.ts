// Helpers for the emulator's tests: the real emulator over real mTLS, driven with a plain undici Agent
// carrying the test client certificate (never our own Inter client: these tests check the bank side).
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request } from "undici";
import { afterAll } from "vitest";
import { DEV_INTEGRATION, type Emulator } from "../../src/emulator/emulator.js";
import { saoPauloToday } from "../../src/payments/calendar.js";
import { testCerts } from "../helpers/certs.js";

export const ALL_SCOPES = DEV_INTEGRATION.scopes.join(" ");

export { NO_LIMITS, startTestEmulator as emulatorFor } from "../helpers/emulator.js";

/** An undici Agent presenting the test client certificate and trusting the test CA. */
export function mtlsAgent(): Agent {
  const c = testCerts();
  const agent = new Agent({ connect: { cert: c.clientCert, key: c.clientKey, ca: c.ca } });
  afterAll(async () => {
    await agent.close();
  });
  return agent;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON body (undefined when empty or not JSON). */
  json: unknown;
}

/** A JSON body as a loose record, for assertions. */
export function body(res: ApiResponse): Record<string, unknown> {
  return res.json as Record<string, unknown>;
}

export interface Api {
  agent: Agent;
  call(
    method: string,
    path: string,
    options?: { body?: string; headers?: Record<string, string> },
  ): Promise<ApiResponse>;
  token(scope?: string, extra?: Record<string, string>): Promise<string>;
  /** Calls with a bearer token for all scopes (cached per Api). */
  authed(
    method: string,
    path: string,
    options?: { json?: unknown; body?: string; headers?: Record<string, string> },
  ): Promise<ApiResponse>;
  sendPix(payload: unknown, idempotencyKey?: string, headers?: Record<string, string>): Promise<ApiResponse>;
  getPix(codigo: string): Promise<ApiResponse>;
  admin(method: string, path: string, json?: unknown): Promise<ApiResponse>;
}

export function apiFor(emulator: Emulator, agent: Agent = mtlsAgent()): Api {
  let cached: Promise<string> | undefined;
  const api: Api = {
    agent,
    async call(method, path, options = {}) {
      const res = await request(`${emulator.url}${path}`, {
        method: method as "GET",
        dispatcher: agent,
        headers: options.headers ?? {},
        body: options.body,
      });
      const text = await res.body.text();
      let json: unknown;
      try {
        json = text === "" ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.statusCode, headers: res.headers, text, json };
    },
    async token(scope = ALL_SCOPES, extra = {}) {
      const form = new URLSearchParams({
        client_id: DEV_INTEGRATION.clientId,
        client_secret: DEV_INTEGRATION.clientSecret,
        grant_type: "client_credentials",
        scope,
        ...extra,
      });
      const res = await api.call("POST", "/oauth/v2/token", {
        body: form.toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      if (res.status !== 200) throw new Error(`token call failed: ${res.status} ${res.text}`);
      return (res.json as { access_token: string }).access_token;
    },
    async authed(method, path, options = {}) {
      cached ??= api.token(); // one token even for concurrent first calls (the 5/min limit)
      const headers: Record<string, string> = { authorization: `Bearer ${await cached}`, ...options.headers };
      let payload = options.body;
      if (options.json !== undefined) {
        payload = JSON.stringify(options.json);
        headers["content-type"] = "application/json";
      }
      return api.call(method, path, payload === undefined ? { headers } : { body: payload, headers });
    },
    sendPix(payload, idempotencyKey, headers = {}) {
      return api.authed("POST", "/banking/v2/pix", {
        json: payload,
        headers: idempotencyKey === undefined ? headers : { ...headers, "x-id-idempotente": idempotencyKey },
      });
    },
    getPix(codigo) {
      return api.authed("GET", `/banking/v2/pix/${codigo}`);
    },
    admin(method, path, json) {
      return api.call(
        method,
        `/_emulator${path}`,
        json === undefined ? {} : { body: JSON.stringify(json), headers: { "content-type": "application/json" } },
      );
    },
  };
  return api;
}

/** Polls `check` until it returns a value other than undefined (a bounded wait, not a speed claim). */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** A clock for `EmulatorOptions.clock` that stands still until the test moves it. */
export interface ManualClock {
  (): number;
  set(epochMs: number): void;
  advance(ms: number): void;
}

export function manualClock(start: number): ManualClock {
  let now = start;
  const clock = (() => now) as ManualClock;
  clock.set = (epochMs) => {
    now = epochMs;
  };
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}

/** 2026-11-28T00:00:00-03:00: midnight in São Paulo, for tests that cross it on a manual clock. */
export const SP_MIDNIGHT = Date.UTC(2026, 10, 28, 3, 0);

/** A São Paulo date `days` after today (2 or more stays in the future even if midnight passes mid-test). */
export function saoPauloDateIn(days: number): string {
  return saoPauloToday(Date.now() + days * 86_400_000);
}

/** A payment to a Pix key. */
export function keyPayment(
  valor: number | string = 10.5,
  chave = "fornecedor@example.com",
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { valor, destinatario: { tipo: "CHAVE", chave }, ...extra };
}

/** The current status of a payment according to GET. */
export async function statusOf(api: Api, codigo: string): Promise<string> {
  const res = await api.getPix(codigo);
  return (res.json as { transacaoPix: { status: string } }).transacaoPix.status;
}

export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}[+-]\d{2}:\d{2}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
