// Every error class of the client, produced by the real emulator (HTTP answers and transport faults).
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  InterAuthError,
  InterConflictError,
  InterError,
  InterForbiddenError,
  InterNotFoundError,
  InterRateLimitedError,
  InterRejectedError,
  InterUnavailableError,
  InterUnexpectedStatusError,
} from "../../src/inter/errors.js";
import type { PixOrder } from "../../src/payments/pix-request.js";
import { bankFor } from "../helpers/bank.js";
import { NO_LIMITS, startTestEmulator } from "../helpers/emulator.js";

const emulator = await startTestEmulator({ limits: NO_LIMITS });
const { client } = bankFor(emulator);
const order: PixOrder = { amountCents: 1050, recipient: { type: "key", key: "fornecedor@example.com" } };

async function failure(promise: Promise<unknown>): Promise<InterError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(InterError);
    return err as InterError;
  }
  throw new Error("expected the call to fail");
}

function withFault(rule: Parameters<typeof emulator.faults.add>[0]): void {
  emulator.faults.clear();
  emulator.faults.add(rule);
}

describe("Inter client: errors", () => {
  it("400: rejected, final, with Inter's violations (values masked)", async () => {
    const err = await failure(client.sendPix({ ...order, recipient: { type: "key", key: "not a key" } }, randomUUID()));
    expect(err).toBeInstanceOf(InterRejectedError);
    expect(err).toMatchObject({ code: "INTER_REJECTED", status: 400, retryable: false, ambiguous: false });
    expect(err.violations.length).toBeGreaterThan(0);
    expect(err.violations[0]?.propriedade).toContain("chave");
    expect(JSON.stringify(err.toJSON())).not.toContain("not a key");
  });

  it("422: an unprocessable BR Code is rejected", async () => {
    const err = await failure(
      client.sendPix(
        { ...order, recipient: { type: "brcode", code: "00020126580014br.gov.bcb.pix-broken-crc" } },
        randomUUID(),
      ),
    );
    expect(err).toMatchObject({ code: "INTER_REJECTED", status: 422, ambiguous: false });
    expect(err.title).toMatch(/QR Code/);
  });

  it("401 once: the token is refreshed and the call made again with the same idempotency key", async () => {
    emulator.faults.clear();
    const { client: fresh } = bankFor(emulator);
    await fresh.sendPix(order, randomUUID()); // a token is cached
    const before = emulator.ledger.snapshot();
    emulator.revokeTokens();
    const key = randomUUID();
    const sent = await fresh.sendPix(order, key);
    const after = emulator.ledger.snapshot();
    expect(after.tokens.calls - before.tokens.calls).toBe(1);
    expect(
      (after.requests["POST /banking/v2/pix"]?.byStatus["401"] ?? 0) -
        (before.requests["POST /banking/v2/pix"]?.byStatus["401"] ?? 0),
    ).toBe(1);
    expect(emulator.payment(sent.codigoSolicitacao)?.idempotencyKey).toBe(key);
    expect(after.executions.byIdempotencyKey[key]).toBe(1);
  });

  it("401 twice (empty body): auth error after exactly one refresh", async () => {
    emulator.faults.clear();
    const { client: fresh } = bankFor(emulator);
    await fresh.sendPix(order, randomUUID());
    withFault({ method: "POST", path: "/banking/v2/pix", times: 2, fault: { type: "unauthorized-empty" } });
    const tokenCalls = emulator.ledger.snapshot().tokens.calls;
    const err = await failure(fresh.sendPix(order, randomUUID()));
    expect(err).toBeInstanceOf(InterAuthError);
    expect(err).toMatchObject({ code: "INTER_AUTH", status: 401, retryable: true, ambiguous: false });
    expect(emulator.ledger.snapshot().tokens.calls).toBe(tokenCalls + 1);
  });

  it("a 401 storm costs one token call: a token that just replaced a refused one is not replaced again", async () => {
    emulator.faults.clear();
    const { client: fresh } = bankFor(emulator);
    await fresh.sendPix(order, randomUUID());
    withFault({ method: "POST", path: "/banking/v2/pix", times: 6, fault: { type: "unauthorized-empty" } });
    const tokenCalls = emulator.ledger.snapshot().tokens.calls;
    for (let i = 0; i < 3; i++)
      expect(await failure(fresh.sendPix(order, randomUUID()))).toBeInstanceOf(InterAuthError);
    expect(emulator.ledger.snapshot().tokens.calls).toBe(tokenCalls + 1);
    emulator.faults.clear();
  });

  it("403: forbidden for an account the integration cannot use, with the fix in the message", async () => {
    const other = bankFor(emulator, { env: { INTER_ACCOUNT: "999999" } });
    const err = await failure(other.client.sendPix(order, randomUUID()));
    expect(err).toBeInstanceOf(InterForbiddenError);
    expect(err).toMatchObject({ code: "INTER_FORBIDDEN", status: 403, retryable: false, ambiguous: false });
    expect(err.message).toMatch(/INTER_ACCOUNT/);
  });

  it("a scope the integration does not have is refused at the token call, naming INTER_SCOPES", async () => {
    const readOnly = await startTestEmulator({
      limits: NO_LIMITS,
      integration: {
        clientId: "ro",
        clientSecret: "read-only-secret",
        scopes: ["pagamento-pix.read"],
        accounts: ["1"],
      },
    });
    const ro = bankFor(readOnly, { env: { INTER_CLIENT_ID: "ro", INTER_CLIENT_SECRET: "read-only-secret" } });
    const err = await failure(ro.client.sendPix(order, randomUUID()));
    expect(err).toMatchObject({ operation: "token", retryable: false, ambiguous: false });
    expect(err.message).toMatch(/INTER_SCOPES/);
    expect(readOnly.ledger.snapshot().requests["POST /banking/v2/pix"]).toBeUndefined();
  });

  it("404: an unknown codigoSolicitacao", async () => {
    emulator.faults.clear();
    const err = await failure(client.getPix(randomUUID()));
    expect(err).toBeInstanceOf(InterNotFoundError);
    expect(err).toMatchObject({ code: "INTER_NOT_FOUND", status: 404 });
  });

  it("409: the same idempotency key with another body is a conflict, ambiguous, never a failure", async () => {
    emulator.faults.clear();
    const key = randomUUID();
    const first = await client.sendPix(order, key);
    const replay = await client.sendPix(order, key);
    expect(replay.codigoSolicitacao).toBe(first.codigoSolicitacao);
    const err = await failure(client.sendPix({ ...order, amountCents: 1051 }, key));
    expect(err).toBeInstanceOf(InterConflictError);
    expect(err).toMatchObject({ code: "INTER_CONFLICT", status: 409, ambiguous: true, retryable: false });
    expect(emulator.ledger.snapshot().executions.byIdempotencyKey[key]).toBe(1);
  });

  it("429: rate limited with the wait from Retry-After", async () => {
    withFault({
      method: "POST",
      path: "/banking/v2/pix",
      times: 1,
      fault: { type: "rate-limit", retryAfterSeconds: 7 },
    });
    const err = await failure(client.sendPix(order, randomUUID()));
    expect(err).toBeInstanceOf(InterRateLimitedError);
    expect(err).toMatchObject({
      code: "INTER_RATE_LIMITED",
      status: 429,
      retryable: true,
      ambiguous: false,
      retryAfterMs: 7000,
    });
  });

  it("5xx: retryable; ambiguous for a send (504 included), not for a status query; a 503 is Inter's 'not now'", async () => {
    for (const status of [500, 502, 504]) {
      withFault({ method: "POST", path: "/banking/v2/pix", times: 1, fault: { type: "status", status } });
      const send = await failure(client.sendPix(order, randomUUID()));
      expect(send).toBeInstanceOf(InterUnavailableError);
      expect(send).toMatchObject({ code: "INTER_UNAVAILABLE", status, retryable: true, ambiguous: true });
    }
    // Inter's ServicoIndisponivel (maintenance, outside the operating window): nothing ran, try later.
    withFault({ method: "POST", path: "/banking/v2/pix", times: 1, fault: { type: "status", status: 503 } });
    expect(await failure(client.sendPix(order, randomUUID()))).toMatchObject({
      code: "INTER_SERVICE_UNAVAILABLE",
      status: 503,
      retryable: true,
      ambiguous: false,
    });
    emulator.faults.clear();
    const sent = await client.sendPix(order, randomUUID());
    withFault({ method: "GET", path: "/banking/v2/pix/*", times: 1, fault: { type: "status", status: 500 } });
    const get = await failure(client.getPix(sent.codigoSolicitacao));
    expect(get).toMatchObject({ code: "INTER_UNAVAILABLE", status: 500, retryable: true, ambiguous: false });
  });

  it("a 200 without tipoRetorno (no field of Inter's answer is required) is a sent payment to follow", async () => {
    withFault({
      method: "POST",
      path: "/banking/v2/pix",
      times: 1,
      fault: { type: "rewrite", omit: ["tipoRetorno", "dataPagamento", "dataOperacao"] },
    });
    const sent = await client.sendPix(order, randomUUID());
    expect(sent.tipoRetorno).toBeUndefined();
    expect((await client.getPix(sent.codigoSolicitacao)).codigoSolicitacao).toBe(sent.codigoSolicitacao);
    emulator.faults.clear();
  });

  it("a 410 (the API gone at this address) is final and not ambiguous, with a hint", async () => {
    withFault({ method: "POST", path: "/banking/v2/pix", times: 1, fault: { type: "status", status: 410 } });
    const err = await failure(client.sendPix(order, randomUUID()));
    expect(err).toMatchObject({ code: "INTER_GONE", status: 410, retryable: false, ambiguous: false });
    expect(err.message).toMatch(/check INTER_BASE_URL \(and INTER_ENV\)/);
    emulator.faults.clear();
  });

  it("an unexpected status (a proxy's 408 or 307) to a send is ambiguous, never a failure", async () => {
    for (const status of [408, 307] as const) {
      withFault({ method: "POST", path: "/banking/v2/pix", times: 1, fault: { type: "status", status } });
      const err = await failure(client.sendPix(order, randomUUID()));
      expect(err).toBeInstanceOf(InterUnexpectedStatusError);
      expect(err).toMatchObject({ code: "INTER_UNEXPECTED_STATUS", status, ambiguous: true, retryable: true });
    }
    emulator.faults.clear();
  });

  it("reset after executing: ambiguous; resending with the same key returns the same payment, executed once", async () => {
    const key = randomUUID();
    withFault({ method: "POST", path: "/banking/v2/pix", times: 1, fault: { type: "reset-after" } });
    const err = await failure(client.sendPix(order, key));
    expect(err).toMatchObject({ code: "INTER_CONNECTION", retryable: true, ambiguous: true });
    expect(err.message).toMatch(/may have been executed/);
    const again = await client.sendPix(order, key);
    expect(emulator.payment(again.codigoSolicitacao)?.idempotencyKey).toBe(key);
    expect(emulator.ledger.snapshot().executions.byIdempotencyKey[key]).toBe(1);
  });

  it("reset before executing: still ambiguous to us (we cannot tell), and nothing was executed", async () => {
    const key = randomUUID();
    withFault({ method: "POST", path: "/banking/v2/pix", times: 1, fault: { type: "reset-before" } });
    const err = await failure(client.sendPix(order, key));
    expect(err).toMatchObject({ code: "INTER_CONNECTION", ambiguous: true });
    expect(emulator.ledger.snapshot().executions.byIdempotencyKey[key]).toBeUndefined();
  });

  it("timeout after executing: ambiguous, and the payment exists", async () => {
    const impatient = bankFor(emulator, { env: { INTER_REQUEST_TIMEOUT_MS: "1000" } }).client;
    await impatient.sendPix(order, randomUUID()); // token and connection ready: only the answer can be late
    const key = randomUUID();
    withFault({ method: "POST", path: "/banking/v2/pix", times: 1, fault: { type: "timeout-after", ms: 5000 } });
    const err = await failure(impatient.sendPix(order, key));
    expect(err).toMatchObject({ code: "INTER_TIMEOUT", retryable: true, ambiguous: true });
    expect(emulator.ledger.snapshot().executions.byIdempotencyKey[key]).toBe(1);
  });

  it("garbled 200: ambiguous for a send, plain bad response for a query", async () => {
    const key = randomUUID();
    withFault({ method: "POST", path: "/banking/v2/pix", times: 1, fault: { type: "garbled-200" } });
    const err = await failure(client.sendPix(order, key));
    expect(err).toMatchObject({ code: "INTER_BAD_RESPONSE", status: 200, retryable: true, ambiguous: true });
    expect(emulator.ledger.snapshot().executions.byIdempotencyKey[key]).toBe(1);
    emulator.faults.clear();
    const sent = await client.sendPix(order, randomUUID());
    withFault({ method: "GET", path: "/banking/v2/pix/*", times: 1, fault: { type: "garbled-200" } });
    expect(await failure(client.getPix(sent.codigoSolicitacao))).toMatchObject({
      code: "INTER_BAD_RESPONSE",
      ambiguous: false,
    });
    emulator.faults.clear();
  });

  it("connection refused: nothing sent, not ambiguous", async () => {
    const closed = await startTestEmulator({ limits: NO_LIMITS });
    const bank = bankFor(closed);
    await closed.close();
    const err = await failure(bank.client.sendPix(order, randomUUID()));
    expect(err).toMatchObject({ code: "INTER_CONNECTION", retryable: true, ambiguous: false });
  });

  it("refuses an idempotency key that is not a lower-case UUID before sending", async () => {
    const before = emulator.ledger.snapshot().requests["POST /banking/v2/pix"]?.total ?? 0;
    await expect(client.sendPix(order, randomUUID().toUpperCase())).rejects.toThrow(TypeError);
    expect(emulator.ledger.snapshot().requests["POST /banking/v2/pix"]?.total ?? 0).toBe(before);
  });
});
