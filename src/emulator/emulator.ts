// The local Banco Inter: `startEmulator()` wires the pieces together and returns the control surface
// tests, the CLI (`pixout emulator`), the demo and benchmarks use. Behaviour follows Inter's published API
// (docs/reference/inter-api.md); every choice where Inter's behaviour is UNVERIFIED is marked where it is
// made and listed in docs/reference/emulator.md.
import { randomInt, randomUUID } from "node:crypto";
import { createLogger, type Logger } from "../logger.js";
import { createAuthenticator } from "./auth.js";
import { createBalanceControls } from "./balance-controls.js";
import { Balances, type AccountBalance } from "./balances.js";
import { createCallbackEndpoints } from "./callback-endpoints.js";
import { CALLBACK_RETRY_OFFSETS_MS, CallbackDispatcher } from "./callbacks.js";
import { FaultEngine, type FaultRule } from "./faults.js";
import { IdempotencyStore } from "./idempotency.js";
import { DEV_INTEGRATION, type Integration } from "./integration.js";
import { createInterDates } from "./inter-dates.js";
import { Ledger, type LedgerSnapshot } from "./ledger.js";
import { registerAdminRoutes } from "./admin.js";
import { newEndToEndId } from "./end-to-end.js";
import { PaymentBook, PaymentNotFoundError, TransitionError, type PaymentRecord } from "./payment-book.js";
import { finalStep, type Timing } from "./payment-state.js";
import { callbackItem, paymentView, type EmulatedPaymentView } from "./payment-views.js";
import { createSendEndpoint, createStatusEndpoint } from "./pix-endpoints.js";
import { pixKeyType } from "./pix-key.js";
import { createRandom } from "./prng.js";
import { INTER_PRODUCTION_LIMITS, INTER_SANDBOX_LIMITS, RateLimits, type EmulatorLimits } from "./rate-limits.js";
import { recipientFor } from "./recipient.js";
import { Router } from "./router.js";
import { EmulatorServer } from "./server.js";
import { BALANCE_PATH, createStatementEndpoints, STATEMENT_PATH } from "./statement-endpoints.js";
import { StatementScrolls } from "./statement-scrolls.js";
import { statementEntryView, type EmulatedStatementEntry } from "./statement-views.js";
import { paymentDebit, Statement } from "./statement.js";
import { createTokenEndpoint } from "./token-endpoint.js";
import { IssuedTokens } from "./tokens.js";
import { WakeTimer } from "./wake-timer.js";
import { createWebhookEndpoints, WebhookRegistry, WEBHOOK_ROUTE } from "./webhooks.js";
import { validateFaultRule } from "./fault-spec.js";

export { DEV_INTEGRATION, type Integration } from "./integration.js";
export { parseFaultRule, FaultSpecError } from "./fault-spec.js";
export type { Fault, FaultRule } from "./faults.js";
export type { LedgerSnapshot } from "./ledger.js";
export type { EmulatedPaymentView } from "./payment-views.js";
export type { EmulatedStatementEntry } from "./statement-views.js";
export { InsufficientBalanceError, type AccountBalance } from "./balances.js";
export type { EmulatorLimits } from "./rate-limits.js";
export { INTER_PRODUCTION_LIMITS, INTER_SANDBOX_LIMITS } from "./rate-limits.js";

export type EmulatorTiming = Timing;

/** A Pix debit made outside pixout (as in Inter's internet banking): `Emulator.addOutOfBandDebit`. */
export interface OutOfBandDebit {
  /** Positive integer of centavos. */
  amountCents: number;
  /** The recipient's Pix key (any valid format); default a random EVP key. */
  key?: string;
  /** The debit's instant (epoch ms, the emulator's clock), not after now; default now. */
  at?: number;
  /** One of the integration's accounts; default its first. */
  account?: string;
  /**
   * A bank bug: the debit names this codigoSolicitacao (and end-to-end id) — e.g. a payment's with another
   * amount, or one the bank ended. Default: new ones, as a Pix made in internet banking has.
   */
  codigoSolicitacao?: string;
  endToEndId?: string;
}

export interface EmulatorOptions {
  /** Default "127.0.0.1". */
  host?: string;
  /** Default 0 (a free port); the CLI passes 8443. */
  port?: number;
  tls: {
    /** Server identity and the CA that client certificates must chain to. */
    cert: string | Buffer;
    key: string | Buffer;
    ca: string | Buffer;
    /**
     * Identity presented to webhook receivers (mTLS, docs/reference/inter-api.md §5.2). Without it callbacks go
     * without a client certificate.
     */
    callbackCert?: string | Buffer;
    callbackKey?: string | Buffer;
    /** CA to trust for the receiver's server certificate (default: the system's). */
    callbackCa?: string | Buffer;
  };
  /** Default DEV_INTEGRATION. */
  integration?: Integration;
  /** `expires_in`; default 3600 (docs/reference/inter-api.md §2.2). */
  tokenTtlSeconds?: number;
  /**
   * Which of Inter's environments to behave as: its published limits are the defaults of `limits`, and the
   * sandbox has no callback re-send (`POST …/callbacks/retry` answers 404 there). Default "production".
   */
  environment?: "production" | "sandbox";
  /** Per minute unless named; default the environment's published limits. 0 or Infinity disables a limit. */
  limits?: Partial<EmulatorLimits>;
  /** How fast payments move; 0 everywhere = settle instantly. */
  timing?: Partial<EmulatorTiming>;
  approval?: { required?: boolean; autoDecision?: "approve" | "reject" | "none"; autoAfterMs?: number };
  /** Every account's starting balance in centavos; default R$ 1 000 000 000,00. */
  balanceCents?: number;
  /**
   * Starting balances of some of the integration's accounts (account → centavos), overriding
   * `balanceCents`; an account that is not the integration's is a RangeError.
   */
  balances?: Record<string, number>;
  /**
   * Overdraft limit in centavos: every account's, or some accounts' (account → centavos; the others get
   * 0). Default 0. An execution passes while its amount is at most the balance plus the limit.
   */
  limitCents?: number | Record<string, number>;
  /** Default true; false = the bank forgets x-id-idempotente. */
  idempotency?: boolean;
  /**
   * Accept `valor` as a numeric string too. Default false: Inter's spec types it as a number, and a
   * client that regresses to strings must be refused here as Inter's validation would.
   */
  acceptStringValor?: boolean;
  faults?: FaultRule[];
  /** Seed of the PRNG behind every random fault decision; default random (logged). */
  seed?: number;
  /** Multiplies Inter's 5/10/30/60-minute callback retry offsets (e.g. 1/60000 in tests). */
  callbackRetryScale?: number;
  /**
   * The emulator's clock, epoch ms; default Date.now. Every instant the bank reasons about (dates,
   * token expiry, rate-limit windows, payment steps, callback times) comes from it, so a test can
   * move the bank to 23:59 or past midnight. Delays (faults, callback retries) stay real time.
   */
  clock?: () => number;
  logger?: Logger;
}

export interface Emulator {
  /** "https://HOST:PORT" with the host given (it must match the server certificate). */
  url: string;
  port: number;
  /** The seed actually used for fault decisions. */
  seed: number;
  ledger: { snapshot(): LedgerSnapshot; reset(): void };
  faults: { add(rule: FaultRule): void; clear(): void; list(): FaultRule[] };
  payment(codigoSolicitacao: string): EmulatedPaymentView | undefined;
  /** Every payment created under an idempotency key (more than one only if the bank forgot the key). */
  paymentsWithKey(idempotencyKey: string): EmulatedPaymentView[];
  approve(codigo: string): void;
  reject(codigo: string): void;
  expire(codigo: string): void;
  runScheduled(codigo: string): void;
  /**
   * Sets an account's balance (default: the integration's first account), a non-negative integer of
   * centavos. Not a movement: the statement lists nothing, past days' balances stay. Executions due
   * before now use the old balance. RangeError for a bad amount or an account not the integration's.
   */
  setBalance(cents: number, account?: string): void;
  /**
   * Adds `cents` (a positive integer) to an account's balance (default: the integration's first
   * account), now, as a credit of its statement (a Pix received); returns the new balance. Executions
   * due before now use the old balance. RangeError for a bad amount or an account not the integration's.
   */
  topUp(cents: number, account?: string): number;
  /** An account's balance and overdraft limit now (default: the integration's first account). */
  balance(account?: string): AccountBalance;
  /** The statement of one account (every account's when omitted), oldest first, as the bank keeps it now. */
  statement(account?: string): EmulatedStatementEntry[];
  /**
   * Fault knob: a Pix debit pixout did not make (new codigoSolicitacao and endToEnd), debiting its
   * account's balance. Throws RangeError for a bad input, InsufficientBalanceError when that balance
   * (with the account's overdraft limit) does not cover it.
   */
  addOutOfBandDebit(debit: OutOfBandDebit): EmulatedStatementEntry;
  /**
   * Fault knob: the bank debits an executed payment a second time, now (new idTransacao, same
   * codigoSolicitacao and endToEndId), from the payment's account. Throws PaymentNotFoundError,
   * TransitionError when the payment was not debited, InsufficientBalanceError when that account's
   * balance (with its overdraft limit) does not cover it.
   */
  duplicateDebit(codigoSolicitacao: string): EmulatedStatementEntry;
  /**
   * Fault knob: the statement omits the debit of this payment (the money still moved: the balance stays
   * debited, and past days' balances stay what they were). Returns how many entries it hid; throws
   * PaymentNotFoundError for an unknown payment.
   */
  hideDebit(codigoSolicitacao: string): number;
  /** Every issued token becomes invalid: the next API call gets 401. */
  revokeTokens(): void;
  /** Resolves when no callback delivery is in flight (scheduled retries are not waited for). */
  callbacksIdle(): Promise<void>;
  /** Closes the server, its sockets and every timer. */
  close(): Promise<void>;
}

/**
 * Demo-friendly defaults: ENVIADO 100 ms and PAGO 300 ms after release. ASSUMPTION (UNVERIFIED):
 * Inter documents no approval window; we expire approvals after 24 hours. Scheduled payments run at
 * 00:00 São Paulo of their dataPagamento (ASSUMPTION, UNVERIFIED: the first instant of the date)
 * unless scheduledRunsAfterMs is set; runScheduled() runs one early.
 */
const DEFAULT_TIMING: Readonly<EmulatorTiming> = {
  sentAfterMs: 100,
  paidAfterMs: 300,
  scheduledRunsAfterMs: null,
  approvalExpiresAfterMs: 24 * 60 * 60 * 1000,
};

const DEFAULT_BALANCE_CENTS = 100_000_000_000;

function resolveTiming(partial: Partial<EmulatorTiming> | undefined): EmulatorTiming {
  const timing = { ...DEFAULT_TIMING, ...partial };
  for (const [name, value] of Object.entries(timing)) {
    if (value !== null && !(typeof value === "number" && value >= 0)) {
      throw new RangeError(`timing.${name} must be a non-negative number of milliseconds`);
    }
  }
  return timing;
}

function hostForUrl(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const host = options.host ?? "127.0.0.1";
  const integration: Integration = structuredClone(
    options.integration ?? {
      ...DEV_INTEGRATION,
      scopes: [...DEV_INTEGRATION.scopes],
      accounts: [...DEV_INTEGRATION.accounts],
    },
  );
  if (integration.accounts.length === 0) throw new RangeError("the integration needs at least one account");
  const logger = options.logger ?? createLogger({ level: "warn", name: "inter-emulator" });
  const seed = options.seed ?? randomInt(0, 2 ** 31);
  const timing = resolveTiming(options.timing);
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
  const retryScale = options.callbackRetryScale ?? 1;
  const clock = options.clock ?? Date.now;
  if (!(retryScale >= 0)) throw new RangeError("callbackRetryScale must be a non-negative number");

  const ledger = new Ledger();
  const tokens = new IssuedTokens();
  const sandbox = options.environment === "sandbox";
  const limits = new RateLimits({ ...(sandbox ? INTER_SANDBOX_LIMITS : INTER_PRODUCTION_LIMITS), ...options.limits });
  const faults = new FaultEngine(createRandom(seed), (options.faults ?? []).map(validateFaultRule));
  const dates = createInterDates();
  const statement = new Statement();
  const balances = new Balances(integration.accounts, {
    balanceCents: options.balanceCents ?? DEFAULT_BALANCE_CENTS,
    balances: options.balances,
    limitCents: options.limitCents,
  });
  const book = new PaymentBook({
    timing,
    approval: {
      autoDecision: options.approval?.autoDecision ?? "none",
      autoAfterMs: options.approval?.autoAfterMs ?? 1000,
    },
    balances,
    onDebit: (record, at) => {
      statement.append(paymentDebit(record, at, "payment"));
    },
  });
  const registry = new WebhookRegistry();
  const dispatcher = new CallbackDispatcher({
    tls: { cert: options.tls.callbackCert, key: options.tls.callbackKey, ca: options.tls.callbackCa },
    retryOffsetsMs: CALLBACK_RETRY_OFFSETS_MS.map((ms) => ms * retryScale),
    ledger,
    dates,
    logger,
    now: clock,
  });
  const authenticate = createAuthenticator(integration, tokens);

  /** Payments that became final → one callback array per account with a webhook registered then. */
  function dispatchFinals(finals: PaymentRecord[]): void {
    const byAccount = new Map<string, { url: string; items: Record<string, unknown>[] }>();
    for (const record of finals) {
      const final = finalStep(record.state);
      const hook = registry.get(record.account);
      if (!final || !hook || hook.createdAt > final.at) continue;
      let batch = byAccount.get(record.account);
      if (!batch) {
        batch = { url: hook.url, items: [] };
        byAccount.set(record.account, batch);
      }
      batch.items.push(callbackItem(record, final.status, final.at, dates));
    }
    for (const [account, batch] of byAccount) dispatcher.deliver(account, batch.url, batch.items);
  }

  // Without a webhook nothing needs to happen between requests: state is computed when read.
  const wake = new WakeTimer(() => {
    settle(clock());
  }, clock);
  function rearm(): void {
    if (registry.size === 0) return;
    const next = book.nextDueAt();
    if (next !== undefined) wake.arm(next);
  }

  function settle(now: number): void {
    const finals = book.advance(now);
    if (finals.length > 0) dispatchFinals(finals);
    rearm();
  }

  function act(change: (now: number) => PaymentRecord[]): void {
    const now = clock();
    settle(now);
    dispatchFinals(change(now));
    rearm();
  }

  const statementEndpoints = createStatementEndpoints({
    authenticate,
    limits,
    ledger,
    statement,
    scrolls: new StatementScrolls(),
    balanceOf: (account) => balances.of(account),
    dates,
  });
  const router = new Router();
  const webhooks = createWebhookEndpoints({ authenticate, limits, ledger, registry, dates, onRegistered: settle });
  const callbacks = createCallbackEndpoints({ authenticate, limits, ledger, dispatcher, registry, book, dates });
  router
    .add("POST", "/oauth/v2/token", createTokenEndpoint({ integration, tokens, limits, ledger, tokenTtlSeconds }))
    .add(
      "POST",
      "/banking/v2/pix",
      createSendEndpoint({
        authenticate,
        limits,
        ledger,
        book,
        dates,
        idempotency: new IdempotencyStore(),
        idempotencyEnabled: options.idempotency ?? true,
        approvalRequired: options.approval?.required ?? false,
        acceptStringValor: options.acceptStringValor ?? false,
        onChange: settle,
        logger,
      }),
    )
    .add("GET", "/banking/v2/pix/{id}", createStatusEndpoint({ authenticate, limits, ledger, book, dates }))
    .add("PUT", WEBHOOK_ROUTE, webhooks.put)
    .add("GET", WEBHOOK_ROUTE, webhooks.get)
    .add("DELETE", WEBHOOK_ROUTE, webhooks.delete)
    .add("GET", `${WEBHOOK_ROUTE}/callbacks`, callbacks.list)
    .add("GET", STATEMENT_PATH, statementEndpoints.statement)
    .add("GET", BALANCE_PATH, statementEndpoints.balance);
  // Production only: the sandbox publishes no callback re-send (the router answers 404).
  if (!sandbox) router.add("POST", `${WEBHOOK_ROUTE}/callbacks/retry`, callbacks.retry);

  const emulator: Omit<Emulator, "url" | "port"> = {
    seed,
    ledger: {
      snapshot: () => {
        const now = clock();
        settle(now);
        return ledger.snapshot(book.figures(now));
      },
      reset: () => {
        ledger.reset();
      },
    },
    faults: {
      add: (rule) => {
        faults.add(validateFaultRule(rule));
      },
      clear: () => {
        faults.clear();
      },
      list: () => faults.list(),
    },
    payment: (codigo) => {
      const now = clock();
      settle(now);
      const record = book.get(codigo);
      return record ? paymentView(record, now) : undefined;
    },
    paymentsWithKey: (key) => {
      const now = clock();
      settle(now);
      return book.withKey(key).map((record) => paymentView(record, now));
    },
    approve: (codigo) => {
      act((now) => book.approve(codigo, now));
    },
    reject: (codigo) => {
      act((now) => book.reject(codigo, now));
    },
    expire: (codigo) => {
      act((now) => book.expire(codigo, now));
    },
    runScheduled: (codigo) => {
      act((now) => book.runScheduled(codigo, now));
    },
    ...createBalanceControls({ balances, statement, settle, clock }),
    statement: (account) => {
      settle(clock());
      return statement.entries(account).map((e) => statementEntryView(e, dates));
    },
    addOutOfBandDebit: (debit) => {
      const now = clock();
      settle(now);
      const { amountCents } = debit;
      if (!Number.isSafeInteger(amountCents) || amountCents <= 0)
        throw new RangeError("amountCents must be a positive integer of centavos");
      const at = debit.at ?? now;
      if (!Number.isFinite(at) || at > now)
        throw new RangeError("at must be an instant (epoch ms) not after the emulator's now");
      const account = debit.account ?? integration.accounts[0] ?? "";
      if (!integration.accounts.includes(account))
        throw new RangeError(`account ${account} is not one of the integration's`);
      const chave = debit.key ?? randomUUID();
      const keyType = pixKeyType(chave);
      if (keyType === undefined) throw new RangeError("key is not a valid Pix key");
      balances.debit(account, amountCents);
      const entry = statement.append({
        account,
        at,
        origin: "out-of-band",
        tipoOperacao: "D",
        tipoTransacao: "PIX",
        amountCents,
        pix: {
          codigoSolicitacao: debit.codigoSolicitacao ?? randomUUID(),
          endToEndId: debit.endToEndId ?? newEndToEndId(at),
          recipient: recipientFor({ tipo: "CHAVE", chave, keyType }),
          payee: chave,
          origemMovimentacao: "INTERNET_BANKING",
        },
      });
      return statementEntryView(entry, dates);
    },
    duplicateDebit: (codigo) => {
      const now = clock();
      settle(now);
      const record = book.get(codigo);
      if (!record) throw new PaymentNotFoundError(`no payment ${codigo}`);
      if (!record.debited) throw new TransitionError("cannot duplicate the debit: the payment was not debited");
      balances.debit(record.account, record.request.amountCents);
      return statementEntryView(statement.append(paymentDebit(record, now, "duplicate")), dates);
    },
    hideDebit: (codigo) => {
      settle(clock());
      if (!book.get(codigo)) throw new PaymentNotFoundError(`no payment ${codigo}`);
      return statement.remove(codigo);
    },
    revokeTokens: () => {
      tokens.revokeAll();
    },
    callbacksIdle: () => dispatcher.idle(),
    close: async () => {
      wake.close();
      await Promise.all([server.close(), dispatcher.close()]);
    },
  };

  registerAdminRoutes(router, emulator, integration.accounts);

  const server = await EmulatorServer.listen(
    { host, port: options.port ?? 0, tls: { cert: options.tls.cert, key: options.tls.key, ca: options.tls.ca } },
    { router, faults, ledger, logger, settle, now: clock },
  );
  const port = server.port;
  logger.info({ url: `https://${hostForUrl(host)}:${port}`, seed }, "Banco Inter emulator listening");
  return { ...emulator, url: `https://${hostForUrl(host)}:${port}`, port };
}
