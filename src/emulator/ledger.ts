// The emulator's ground truth: what really reached the "bank" and what it did. Tests, the chaos suite
// and benchmarks read it (directly, or at GET /_emulator/ledger) to check claims such as "no payment
// was executed twice" or "the fleet never exceeded 60 sends a minute" without trusting the client.

export interface RouteCounts {
  total: number;
  /** HTTP status → count; "reset" = socket destroyed without an answer, "timeout" = held unanswered. */
  byStatus: Record<string, number>;
}

export interface LedgerSnapshot {
  /** Route key (e.g. "POST /banking/v2/pix", "GET /banking/v2/pix/{id}") → counts. */
  requests: Record<string, RouteCounts>;
  /** 429s given by the real rate limits (not by rate-limit faults), per route. */
  rateLimited: Record<string, number>;
  tokens: { calls: number; issued: number };
  executions: {
    /** Payments created (a replay of a remembered idempotency key is not an execution). */
    total: number;
    withoutIdempotencyKey: number;
    byIdempotencyKey: Record<string, number>;
    /** Keys that created more than one payment: must stay 0 while idempotency is on. */
    keysExecutedMoreThanOnce: number;
    /** POSTs answered from the idempotency store. */
    replays: number;
    /** POSTs refused with 409 (same key, different body). */
    conflicts: number;
  };
  payments: {
    total: number;
    byStatus: Record<string, number>;
    /** Every account's balance added up (each account has its own: `balances`); negative only with overdraft in use. */
    balanceCents: number;
    /** Each of the integration's accounts → its balance now, in centavos. */
    balances: Record<string, number>;
    /** Sum debited by executed payments. */
    debitedCents: number;
  };
  tls: {
    /** TCP connections accepted. */
    connections: number;
    handshakes: { full: number; resumed: number };
    /** Handshakes that failed (e.g. no client certificate, or one from another CA). */
    rejected: number;
  };
  callbacks: { attempts: number; delivered: number; failed: number; exhausted: number };
  /** Fault type → times fired. */
  faults: Record<string, number>;
}

export type PaymentFigures = LedgerSnapshot["payments"];

function increment<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

export class Ledger {
  #requests = new Map<string, Map<string, number>>();
  #rateLimited = new Map<string, number>();
  #byKey = new Map<string, number>();
  #faults = new Map<string, number>();
  #tokens = { calls: 0, issued: 0 };
  #executions = { total: 0, withoutIdempotencyKey: 0, keysExecutedMoreThanOnce: 0, replays: 0, conflicts: 0 };
  #tls = { connections: 0, full: 0, resumed: 0, rejected: 0 };
  #callbacks = { attempts: 0, delivered: 0, failed: 0, exhausted: 0 };

  request(route: string, status: number | "reset" | "timeout"): void {
    let byStatus = this.#requests.get(route);
    if (!byStatus) {
      byStatus = new Map();
      this.#requests.set(route, byStatus);
    }
    increment(byStatus, String(status));
  }

  rateLimited(route: string): void {
    increment(this.#rateLimited, route);
  }

  tokenCall(issued: boolean): void {
    this.#tokens.calls += 1;
    if (issued) this.#tokens.issued += 1;
  }

  execution(idempotencyKey: string | undefined): void {
    this.#executions.total += 1;
    if (idempotencyKey === undefined) {
      this.#executions.withoutIdempotencyKey += 1;
      return;
    }
    const count = (this.#byKey.get(idempotencyKey) ?? 0) + 1;
    this.#byKey.set(idempotencyKey, count);
    if (count === 2) this.#executions.keysExecutedMoreThanOnce += 1;
  }

  replay(): void {
    this.#executions.replays += 1;
  }

  conflict(): void {
    this.#executions.conflicts += 1;
  }

  connection(): void {
    this.#tls.connections += 1;
  }

  handshake(resumed: boolean): void {
    if (resumed) this.#tls.resumed += 1;
    else this.#tls.full += 1;
  }

  handshakeRejected(): void {
    this.#tls.rejected += 1;
  }

  callbackAttempt(delivered: boolean): void {
    this.#callbacks.attempts += 1;
    if (delivered) this.#callbacks.delivered += 1;
    else this.#callbacks.failed += 1;
  }

  callbackExhausted(): void {
    this.#callbacks.exhausted += 1;
  }

  faultFired(type: string): void {
    increment(this.#faults, type);
  }

  snapshot(payments: PaymentFigures): LedgerSnapshot {
    const requests: Record<string, RouteCounts> = {};
    for (const [route, byStatus] of this.#requests) {
      let total = 0;
      for (const n of byStatus.values()) total += n;
      requests[route] = { total, byStatus: Object.fromEntries(byStatus) };
    }
    return {
      requests,
      rateLimited: Object.fromEntries(this.#rateLimited),
      tokens: { ...this.#tokens },
      executions: { ...this.#executions, byIdempotencyKey: Object.fromEntries(this.#byKey) },
      payments,
      tls: {
        connections: this.#tls.connections,
        handshakes: { full: this.#tls.full, resumed: this.#tls.resumed },
        rejected: this.#tls.rejected,
      },
      callbacks: { ...this.#callbacks },
      faults: Object.fromEntries(this.#faults),
    };
  }

  /** Zeroes every counter. Payments, balance and registrations are state, not ledger: they stay. */
  reset(): void {
    this.#requests = new Map();
    this.#rateLimited = new Map();
    this.#byKey = new Map();
    this.#faults = new Map();
    this.#tokens = { calls: 0, issued: 0 };
    this.#executions = { total: 0, withoutIdempotencyKey: 0, keysExecutedMoreThanOnce: 0, replays: 0, conflicts: 0 };
    this.#tls = { connections: 0, full: 0, resumed: 0, rejected: 0 };
    this.#callbacks = { attempts: 0, delivered: 0, failed: 0, exhausted: 0 };
  }
}
