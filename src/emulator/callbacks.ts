// Callback delivery to the registered webhook (docs/reference/inter-api.md §5.1, §5.2): an HTTPS POST of a JSON array
// of `CallbackPixPagamentoModel` items, header `x-conta-corrente`, over mutual TLS with the emulator's
// callback identity (Inter calls receivers with its own client certificate). A failed delivery (no
// answer, or a status outside 2xx) is retried at Inter's 5, 10, 30 and 60-minute offsets (scaled).
//
// ASSUMPTIONS (UNVERIFIED):
//  - "até 4 tentativas com intervalos de 5, 10, 30 e 60 minutos" is read as the first delivery plus
//    up to 4 retries (5 attempts in all); the spec is ambiguous (docs/reference/inter-api.md §5.1);
//  - payments that become final together are sent in one array per account, at most 50 items;
//  - each attempt waits at most 10 s for the receiver's answer.
import { Agent, request } from "undici";
import type { Logger } from "../logger.js";
import type { InterDates } from "./inter-dates.js";
import type { Ledger } from "./ledger.js";

export const CALLBACK_RETRY_OFFSETS_MS: readonly number[] = [5, 10, 30, 60].map((min) => min * 60_000);
const CALLBACK_BATCH_MAX = 50;
const ATTEMPT_TIMEOUT_MS = 10_000;

export interface CallbackAttempt {
  account: string;
  webhookUrl: string;
  /** The body sent: the array of callback items. */
  payload: Record<string, unknown>[];
  numeroTentativa: number;
  sentAt: number;
  dataEnvio: string;
  sucesso: boolean;
  httpStatus: number | null;
  mensagemErro: string | null;
}

export interface CallbackTls {
  cert?: string | Buffer;
  key?: string | Buffer;
  ca?: string | Buffer;
}

export interface CallbackDispatcherOptions {
  tls: CallbackTls;
  /** Delay before each retry (attempt 2, 3, …). */
  retryOffsetsMs: readonly number[];
  ledger: Ledger;
  dates: InterDates;
  logger: Logger;
  /** The emulator's clock (epoch ms): when an attempt counts as sent. */
  now: () => number;
}

interface Delivery {
  account: string;
  url: string;
  body: string;
  payload: Record<string, unknown>[];
}

export class CallbackDispatcher {
  readonly #options: CallbackDispatcherOptions;
  readonly #agent: Agent;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #inFlight = new Set<Promise<void>>();
  #attempts: CallbackAttempt[] = [];
  #closed = false;

  constructor(options: CallbackDispatcherOptions) {
    this.#options = options;
    const { cert, key, ca } = options.tls;
    this.#agent = new Agent({
      connect: {
        ...(cert === undefined ? {} : { cert }),
        ...(key === undefined ? {} : { key }),
        ...(ca === undefined ? {} : { ca }),
      },
      headersTimeout: ATTEMPT_TIMEOUT_MS,
      bodyTimeout: ATTEMPT_TIMEOUT_MS,
    });
  }

  /** Sends `items` (split into batches) to `url` now; retries on its own. */
  deliver(account: string, url: string, items: Record<string, unknown>[]): void {
    if (this.#closed) return;
    for (let i = 0; i < items.length; i += CALLBACK_BATCH_MAX) {
      const payload = items.slice(i, i + CALLBACK_BATCH_MAX);
      this.#attempt({ account, url, payload, body: JSON.stringify(payload) }, 1);
    }
  }

  /** Every attempt so far, oldest first. */
  attempts(): readonly CallbackAttempt[] {
    return this.#attempts;
  }

  /** Resolves when no attempt is in flight (tests wait on it; scheduled retries are not waited for). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await this.#agent.destroy();
    await Promise.allSettled([...this.#inFlight]);
  }

  #attempt(delivery: Delivery, n: number): void {
    const run = this.#send(delivery, n).finally(() => this.#inFlight.delete(run));
    this.#inFlight.add(run);
  }

  async #send(delivery: Delivery, n: number): Promise<void> {
    const { ledger, logger, dates } = this.#options;
    const sentAt = this.#options.now();
    let httpStatus: number | null = null;
    let error: string | null = null;
    try {
      const res = await request(delivery.url, {
        method: "POST",
        dispatcher: this.#agent,
        headers: { "content-type": "application/json", "x-conta-corrente": delivery.account },
        body: delivery.body,
      });
      httpStatus = res.statusCode;
      await res.body.dump();
      if (httpStatus < 200 || httpStatus > 299) error = `HTTP ${httpStatus}`;
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    if (this.#closed) return;
    const sucesso = error === null;
    this.#attempts.push({
      account: delivery.account,
      webhookUrl: delivery.url,
      payload: delivery.payload,
      numeroTentativa: n,
      sentAt,
      dataEnvio: dates.offsetDateTime(sentAt),
      sucesso,
      httpStatus,
      mensagemErro: error,
    });
    ledger.callbackAttempt(sucesso);
    if (sucesso) return;
    const delay = this.#options.retryOffsetsMs[n - 1];
    if (delay === undefined) {
      ledger.callbackExhausted();
      logger.warn({ attempts: n, items: delivery.payload.length, error }, "callback delivery gave up");
      return;
    }
    logger.info({ attempt: n, retryInMs: delay, error }, "callback delivery failed; will retry");
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#attempt(delivery, n + 1);
    }, delay);
    timer.unref();
    this.#timers.add(timer);
  }
}
