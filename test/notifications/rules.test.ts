// The pure parts: destinations, the secrets setting, the event and its delivery id, the retry schedule.
import { describe, expect, it } from "vitest";
import { destinationProblem, originOf } from "../../src/payments/destination.js";
import { deliveryId, paymentEvent, type OutcomeFacts } from "../../src/notifications/event.js";
import { NOTIFY_BACKOFF_CAP_MS, notifyRetryDelayMs } from "../../src/notifications/retry-schedule.js";
import { DEFAULT_NOTIFY, parseNotifySecrets } from "../../src/notifications/settings.js";
import { validatePayment } from "../../src/payments/payment.js";

const SECRET = "s3cr3t-0123456789abcdef";

describe("destinations", () => {
  it("takes https:// anywhere and http:// only on loopback, without credentials, at most 2048 characters", () => {
    for (const ok of [
      "https://erp.example.com/hooks/pix?x=1",
      "https://b.example:8443",
      "http://localhost:3000/h",
      "http://127.0.0.1/h",
      "http://[::1]:8080/",
    ]) {
      expect(destinationProblem(ok), ok).toBeUndefined();
    }
    const bad = {
      "http://erp.example.com/hooks": /http:\/\/ only for localhost/,
      "http://10.0.0.5/": /http:\/\/ only/,
      "https://user:pw@erp.example.com/": /credentials/,
      "https://token@erp.example.com/": /credentials/,
      "ftp://erp.example.com/": /https/,
      "/hooks/pix": /absolute/,
      "https://erp.example.com/a b": /spaces/,
      [`https://erp.example.com/${"a".repeat(2030)}`]: /2048/,
    };
    for (const [url, message] of Object.entries(bad)) expect(destinationProblem(url), url).toMatch(message);
    expect(destinationProblem(`https://e.example/${"a".repeat(2048 - 18)}`)).toBeUndefined();
  });

  it("keys destinations by origin", () => {
    expect(originOf("https://ERP.example.com:443/a/b?c")).toBe("https://erp.example.com");
    expect(originOf("https://b.example:8443/x")).toBe("https://b.example:8443");
  });

  it("is a payment's optional callbackUrl", () => {
    const payment = { paymentId: "inv-1", amount: "1.00", recipient: { type: "key", key: "a@example.com" } };
    expect(validatePayment({ ...payment, callbackUrl: "https://erp.example.com/pix" }).ok).toBe(true);
    expect(validatePayment(payment).ok).toBe(true);
    expect(validatePayment({ ...payment, callbackUrl: "http://169.254.169.254/latest" })).toEqual({
      ok: false,
      issues: [{ field: "callbackUrl", message: "must be https:// (http:// only for localhost, 127.0.0.1 or [::1])" }],
    });
  });
});

describe("PIXOUT_NOTIFY_SECRETS", () => {
  it("maps origins to secrets; a secret may contain '='", () => {
    const { secrets, problems } = parseNotifySecrets(
      ` https://erp.example.com=${SECRET}, https://B.example:8443/=${SECRET}==,http://127.0.0.1:9000=${SECRET}x `,
    );
    expect(problems).toEqual([]);
    expect([...secrets]).toEqual([
      ["https://erp.example.com", SECRET],
      ["https://b.example:8443", `${SECRET}==`],
      ["http://127.0.0.1:9000", `${SECRET}x`],
    ]);
    expect(parseNotifySecrets("")).toEqual({ secrets: new Map(), problems: [] });
  });

  it("reports every bad entry, never quoting a secret", () => {
    const { problems } = parseNotifySecrets(
      [
        "just-a-secret-value-123",
        "https://a.example/path=" + SECRET,
        "http://a.example=" + SECRET,
        "https://b.example=short",
        `https://c.example=${SECRET}`,
        `https://c.example:443=${SECRET}`,
      ].join(","),
    );
    expect(problems).toEqual([
      "entry 1 must be origin=secret, e.g. https://erp.example.com=<secret>",
      "entry 2 (https://a.example): must name an origin only, scheme://host[:port], without a path",
      'entry 3: the origin before "=" must be https:// (http:// only for localhost, 127.0.0.1 or [::1])',
      "entry 4 (https://b.example): the secret must have at least 16 characters",
      "entry 6: https://c.example has a secret already",
    ]);
    expect(problems.join("\n")).not.toContain("short");
    expect(problems.join("\n")).not.toContain(SECRET);
  });
});

describe("the event", () => {
  const facts: OutcomeFacts = {
    paymentId: "inv-1001",
    outcome: "paid",
    generation: 0,
    bankStatus: "PAGO",
    codigoSolicitacao: "3f0c1c1e-1111-4222-8333-444455556666",
    endToEndId: "E00416968202611271200abcdefghijk",
    amount: "10.50",
    paidAt: "2026-11-27T12:00:01",
    occurredAt: "2026-11-27T15:00:02.000Z",
  };

  it("carries the outcome, nulls for what is unknown, no recipient data", () => {
    const event = paymentEvent(
      {
        paymentId: "inv-2",
        outcome: "rejected",
        generation: 0,
        reason: "recipient.key: invalid",
        occurredAt: "2026-11-27T15:00:00.000Z",
      },
      new Date("2026-11-27T15:00:01Z"),
    );
    expect(event).toEqual({
      id: deliveryId("inv-2", 0, "rejected"),
      type: "payment.rejected",
      paymentId: "inv-2",
      outcome: "rejected",
      generation: 0,
      bankStatus: null,
      codigoSolicitacao: null,
      endToEndId: null,
      amount: null,
      paidAt: null,
      reason: "recipient.key: invalid",
      occurredAt: "2026-11-27T15:00:00.000Z",
      createdAt: "2026-11-27T15:00:01.000Z",
    });
    expect(Object.keys(paymentEvent(facts))).not.toContain("recipient");
  });

  it("has a delivery id that is the same for the same payment, generation and outcome, and only then", () => {
    const a = paymentEvent(facts, new Date(1));
    const b = paymentEvent({ ...facts, occurredAt: "2026-11-28T00:00:00.000Z" }, new Date(2));
    expect(a.id).toBe(b.id);
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // An operator's retry that ends in the same outcome again is a new event, not swallowed as a duplicate.
    const others = [
      deliveryId("inv-1001", 1, "paid"),
      deliveryId("inv-1001", 0, "failed"),
      deliveryId("inv-1002", 0, "paid"),
      deliveryId("inv-1001", 0, "paid", 1),
    ];
    expect(new Set([a.id, ...others]).size).toBe(5);
    expect(paymentEvent({ ...facts, retries: 0 }).id).toBe(a.id);
  });
});

describe("the retry schedule", () => {
  it("doubles from the first delay and stops at one hour", () => {
    expect([1, 2, 3, 9, 10, 11, 19, 100].map((n) => notifyRetryDelayMs(n, 10_000))).toEqual([
      10_000,
      20_000,
      40_000,
      2_560_000,
      NOTIFY_BACKOFF_CAP_MS,
      NOTIFY_BACKOFF_CAP_MS,
      NOTIFY_BACKOFF_CAP_MS,
      NOTIFY_BACKOFF_CAP_MS,
    ]);
  });

  it("spans several hours with the default settings", () => {
    let total = 0;
    for (let n = 1; n < DEFAULT_NOTIFY.maxAttempts; n++) total += notifyRetryDelayMs(n, DEFAULT_NOTIFY.backoffMs);
    expect(total / 3_600_000).toBeCloseTo(11.42, 1);
  });
});
