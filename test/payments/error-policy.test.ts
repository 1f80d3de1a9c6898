// The retry policy table of docs/operating/workers-and-retries.md, row by row: what each answer Inter documents (and the two it does
// not, 409 and 429) does to a payment, from the HTTP status through the error mapping to the decision.
import { describe, expect, it } from "vitest";
import { errorFromAnswer, type InterOperation } from "../../src/inter/errors.js";
import {
  DEFAULT_POLICY,
  afterPoll,
  afterSend,
  initialState,
  type Decision,
  type PaymentState,
} from "../../src/payments/lifecycle.js";

const NOW = Date.parse("2026-11-27T15:00:00Z");

/** Inter's own error body (`Problema`): an answer of the bank itself, not of something on the way. */
const PROBLEMA = JSON.stringify({
  title: "Serviço Indisponível",
  detail: "Serviço solicitado pode estar em manutenção.",
  timestamp: "2026-11-27T12:00:00.000000000-03:00",
});

function facts(operation: InterOperation, status: number, headers: Record<string, string> = {}, body = PROBLEMA) {
  const e = errorFromAnswer({ operation, status, headers, body }, NOW);
  return {
    code: e.code,
    message: e.message,
    retryable: e.retryable,
    ambiguous: e.ambiguous,
    operation: e.operation,
    ...(e.retryAfterMs === undefined ? {} : { retryAfterMs: e.retryAfterMs }),
  };
}

function summary(d: Decision): string {
  if (d.kind === "wait")
    return `wait ${d.why}${d.state.maybeExecuted ? " (may have executed)" : ""}, attempts ${String(d.state.attempts)}`;
  return d.state.outcome;
}

const send = (status: number, policy = DEFAULT_POLICY, body?: string) =>
  summary(afterSend(initialState(), { ok: false, error: facts("send-pix", status, {}, body) }, NOW, 0.5, policy));

const polling: PaymentState = {
  ...initialState(),
  step: "poll",
  maybeExecuted: true,
  codigoSolicitacao: "5f1e3c8a-0000-4000-8000-000000000001",
};
const poll = (status: number) => summary(afterPoll(polling, { ok: false, error: facts("get-pix", status) }, NOW, 0.5));

describe("retry policy of each documented answer", () => {
  it("to a send", () => {
    expect(send(400)).toBe("rejected");
    expect(send(422)).toBe("rejected");
    // A 401 reaches the rules only after the client's one retry with a new token: a retryable error.
    expect(send(401)).toBe("wait retry, attempts 1");
    expect(send(403)).toBe("wait configuration, attempts 0");
    // A 404 of the bank's own ("entity not found": the recipient) refuses the content; without Inter's body
    // it comes from something on the way (a wrong INTER_BASE_URL, a proxy): a configuration problem.
    expect(send(404)).toBe("rejected");
    expect(send(404, DEFAULT_POLICY, "")).toBe("wait configuration, attempts 0");
    expect(send(404, DEFAULT_POLICY, "<html>Not Found</html>")).toBe("wait configuration, attempts 0");
    expect(send(410)).toBe("wait configuration, attempts 0");
    expect(send(409)).toBe("needs-reconciliation");
    expect(send(429)).toBe("wait rate-limited, attempts 0");
    expect(send(500)).toBe("wait resend with the same key (may have executed), attempts 1");
    expect(send(502)).toBe("wait resend with the same key (may have executed), attempts 1");
    expect(send(504)).toBe("wait resend with the same key (may have executed), attempts 1");
    expect(send(503)).toBe("wait bank unavailable, attempts 0");
    // A 503 without Inter's body (a gateway's "upstream reset") may come after the send reached the bank.
    expect(send(503, DEFAULT_POLICY, "")).toBe("wait resend with the same key (may have executed), attempts 1");
    expect(send(503, DEFAULT_POLICY, "upstream connect error or disconnect/reset before headers")).toBe(
      "wait resend with the same key (may have executed), attempts 1",
    );
  });

  it("to a send, without trust in the bank's idempotency: what may have executed is parked, a 503 still waits", () => {
    const untrusting = { ...DEFAULT_POLICY, resendAmbiguous: false };
    expect(send(500, untrusting)).toBe("needs-reconciliation");
    expect(send(504, untrusting)).toBe("needs-reconciliation");
    expect(send(503, untrusting)).toBe("wait bank unavailable, attempts 0");
  });

  it("a 503 waits as Retry-After says, else half the time the bank has been away, and ends after the poll deadline", () => {
    const told = afterSend(
      initialState(),
      { ok: false, error: facts("send-pix", 503, { "retry-after": "120" }) },
      NOW,
      0,
      DEFAULT_POLICY,
    );
    expect(told).toMatchObject({ kind: "wait", delayMs: 120_000 });
    // Never longer than the cap (PIXOUT_MAX_BANK_WAIT_SECONDS), whatever the bank (or a proxy) asks.
    const month = afterSend(
      initialState(),
      { ok: false, error: facts("send-pix", 503, { "retry-after": "2592000" }) },
      NOW,
      0,
      DEFAULT_POLICY,
    );
    expect(month).toMatchObject({ kind: "wait", delayMs: DEFAULT_POLICY.maxBankWaitMs });
    const away: PaymentState = { ...initialState(), unavailableSince: NOW - 20 * 60_000 };
    expect(afterSend(away, { ok: false, error: facts("send-pix", 503) }, NOW, 0, DEFAULT_POLICY)).toMatchObject({
      kind: "wait",
      delayMs: DEFAULT_POLICY.retry.capMs,
    });
    const day: PaymentState = { ...initialState(), unavailableSince: NOW - DEFAULT_POLICY.pollDeadlineMs };
    const ended = afterSend(day, { ok: false, error: facts("send-pix", 503) }, NOW, 0, DEFAULT_POLICY);
    expect(ended).toMatchObject({
      kind: "fail",
      state: {
        outcome: "failed",
        reason: expect.stringMatching(/^the bank stayed unavailable for 1440 min/) as unknown,
      },
    });
    // Once a send may have executed, the end of the wait is a human's, never "failed".
    expect(
      afterSend({ ...day, maybeExecuted: true }, { ok: false, error: facts("send-pix", 503) }, NOW, 0, DEFAULT_POLICY)
        .kind,
    ).toBe("finish");
    // An answer clears the wait.
    const sent = afterSend(
      away,
      { ok: true, sent: { codigoSolicitacao: "5f1e3c8a-0000-4000-8000-000000000002" } },
      NOW,
      0,
      DEFAULT_POLICY,
    );
    expect(sent.state.unavailableSince).toBeUndefined();
  });

  it("to a status query of a payment the bank has", () => {
    expect(poll(400)).toBe("wait query again (may have executed), attempts 1");
    expect(poll(404)).toBe("wait query again (may have executed), attempts 1");
    expect(poll(422)).toBe("wait query again (may have executed), attempts 1");
    expect(poll(403)).toBe("wait configuration (may have executed), attempts 0");
    // Gone from the bank's status query for good (past its 90 days): a human reconciles it with the statement.
    expect(poll(410)).toBe("needs-reconciliation");
    expect(poll(429)).toBe("wait rate-limited (may have executed), attempts 0");
    expect(poll(500)).toBe("wait query again (may have executed), attempts 1");
    expect(poll(504)).toBe("wait query again (may have executed), attempts 1");
    expect(poll(503)).toBe("wait bank unavailable (may have executed), attempts 0");
  });

  it("a 200 to a send without tipoRetorno is a payment to follow", () => {
    const d = afterSend(
      initialState(),
      { ok: true, sent: { codigoSolicitacao: "5f1e3c8a-0000-4000-8000-000000000003" } },
      NOW,
      0,
      DEFAULT_POLICY,
    );
    expect(d).toMatchObject({ kind: "wait", why: "submitted", state: { step: "poll", maybeExecuted: true } });
    expect(d.state.tipoRetorno).toBeUndefined();
  });
});
