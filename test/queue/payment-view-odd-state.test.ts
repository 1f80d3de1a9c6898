// A job's state is written by the worker, but a job written by another producer or edited in Redis may hold
// anything there: the view (pixout status, the dashboard's search, a reconciliation run) shows what it can and
// never throws.
import { describe, expect, it } from "vitest";
import { paymentView } from "../../src/queue/payment-view.js";

const ENQUEUED_AT = Date.UTC(2026, 0, 15, 12);

function viewOf(state: unknown, jobState = "delayed") {
  return paymentView({
    id: "payment-odd",
    state: jobState,
    data: { paymentId: "odd", amount: "10.50", recipient: { type: "key", key: "x@example.com" }, state },
    timestamp: ENQUEUED_AT,
  } as Parameters<typeof paymentView>[0]);
}

describe("the view of a job with an odd state", () => {
  const odd: [string, unknown][] = [
    ["lastError without its moment", { step: "submit", lastError: { code: "X", message: "y" } }],
    ["lastError with a moment out of range", { step: "submit", lastError: { code: "X", message: "y", at: 1e20 } }],
    ["lastError as text", { step: "submit", lastError: "oops" }],
    ["waitingFor null", { step: "poll", waitingFor: null }],
    ["waitingFor until as text", { step: "poll", waitingFor: { why: "x", until: "tomorrow" } }],
    ["held since NaN-like", { step: "submit", held: { account: "123", since: "then" } }],
    ["held null", { step: "submit", held: null }],
    ["endedForBalance with junk entries", { step: "submit", endedForBalance: [null, 3, { generation: 0 }] }],
  ];
  for (const [what, state] of odd) {
    it(`shows ${what} without throwing`, () => {
      const view = viewOf(state);
      expect(view.paymentId).toBe("odd");
      expect(view.enqueuedAt).toBe(new Date(ENQUEUED_AT).toISOString());
    });
  }

  it("still shows what is well formed", () => {
    const at = ENQUEUED_AT + 60_000;
    const view = viewOf({ step: "submit", lastError: { code: "INTER_UNAVAILABLE", message: "503", at } });
    expect(view.lastError).toEqual({ code: "INTER_UNAVAILABLE", message: "503", at: new Date(at).toISOString() });
  });
});
