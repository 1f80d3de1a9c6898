// The dashboard's Express app: health probes without login; everything else behind HTTP
// Basic (or, with --no-auth on loopback, everyone an operator — for requests addressed to this machine
// only); CSRF checks on every state-changing request; the read-only queue board; the payment search page
// and its JSON; audited retries through retryPayment (src/queue/producer/retry.ts), the same safe path as
// `pixout retry`; the accounts held for insufficient balance and the payments awaiting approval, with an
// operator's resume (balance-routes.ts); /metrics.
import type { Queue } from "bullmq";
import express, { type NextFunction, type Request, type Response } from "express";
import type { RedisClient } from "../../redis/connections.js";
import type { Registry } from "prom-client";
import { z } from "zod";
import type { Logger } from "../../logger.js";
import type { Notifier } from "../../notifications/notifier.js";
import { PAYMENT_ID } from "../../payments/payment.js";
import { bullPrefix } from "../../queue/names.js";
import { retryPayment, type RetryResult } from "../../queue/producer/retry.js";
import { fleetReadiness } from "../fleet-health.js";
import { DASHBOARD_CSS, DASHBOARD_JS } from "./assets.js";
import { auditedReason, bodyProblems } from "./audited-reason.js";
import { createAuthenticator, type Principal } from "./auth.js";
import { createBalanceReader, unreadFacts } from "./balance-facts.js";
import { balanceRoutes } from "./balance-routes.js";
import { createSignInThrottle } from "./sign-in-throttle.js";
import { freeTextProblem } from "../../payments/text.js";
import { csrfProblem, csrfToken, SAFE_METHODS } from "./csrf.js";
import { jsonBody } from "./json-body.js";
import { notLocalProblem } from "./local-only.js";
import { createLogSampler } from "../../log-sampler.js";
import { overviewRoutes } from "./overview-routes.js";
import { createPaymentSearch } from "./payment-search.js";
import { renderErrorPage, renderPaymentsPage, type QueueCounts } from "./payments-page.js";
import { scrubText } from "./personal-data.js";
import { renderReconciliationPage } from "./reconciliation-page.js";
import { reconciliationStatus, recentReports } from "../../queue/worker/reconcile-run.js";
import {
  createQueueBoard,
  isQueueBoardPath,
  MAX_JOBS_PER_PAGE,
  QUEUE_BOARD_PATH,
  READ_ONLY_MESSAGE,
} from "./queue-board.js";
import { NO_AUTH_ACTOR, type DashboardSettings } from "./settings.js";

export interface DashboardDeps {
  settings: DashboardSettings;
  logger: Logger;
  /** Fails fast while Redis is away (pages answer 503 at once): reads, the payment index, readiness. */
  redis: RedisClient;
  /** The payout queue, on `redis`. */
  queue: Queue;
  /** Its notifications queue, on `redis` (shown on the board). */
  notifications: Queue;
  /**
   * Retries run on a connection without a command timeout (as `pixout retry` does): a timeout after
   * retryPayment's Lua step ran would leave the job's data changed and audited but the job not moved.
   */
  retry: { redis: RedisClient; queue: Queue };
  /** What /metrics serves. */
  metrics: Registry;
  /** Announces an operator's resume of a held account (account.resumed); undefined: PIXOUT_NOTIFY_* are invalid. */
  notifier?: Pick<Notifier, "notifyAccount">;
}

const OUR_CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
// bull-board's page sets inline styles (its loading placeholder) and a data: favicon; its scripts are
// still 'self' only.
const BOARD_CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'";

const REDIS_DOWN = "Redis does not answer; try again when it is back (see /readyz)";
const RETRY_OUTCOME_UNKNOWN = "the retry's outcome is unknown: look at the payment's audit before trying again";
const RETRY_BODY_LIMIT = 16 * 1024;

const retryBody = z.strictObject({
  reason: auditedReason,
  newAttempt: z.boolean({ error: "must be true or false" }).optional(),
  notExecuted: z.boolean({ error: "must be true or false" }).optional(),
});

function principalOf(res: Response): Principal {
  return res.locals["principal"] as Principal;
}

function paymentIdOf(req: Request): string {
  const id = req.params["paymentId"];
  return typeof id === "string" ? id : "";
}

/** An error for the log: its message scrubbed — a JSON parse error quotes the text it could not read. */
function errorForLog(err: unknown): string {
  if (!(err instanceof Error)) return "non-Error thrown";
  if (err instanceof SyntaxError) return `${err.name} (message not logged: it may quote job data)`;
  return `${err.name}: ${scrubText(err.message).slice(0, 300)}`;
}

/** A refusal by the retry rules (it names the payment's outcome) is 422; a conflict with another change is 409. */
function retryHttpStatus(result: RetryResult): number {
  switch (result.status) {
    case "retried":
    case "would-retry":
      return 200;
    case "not-found":
      return 404;
    case "refused":
      return result.previousOutcome === undefined ? 409 : 422;
  }
}

async function queueCounts(queue: Queue): Promise<QueueCounts> {
  const c = await queue.getJobCounts("waiting", "prioritized", "active", "delayed", "completed", "failed");
  return {
    waiting: (c["waiting"] ?? 0) + (c["prioritized"] ?? 0),
    active: c["active"] ?? 0,
    delayed: c["delayed"] ?? 0,
    completed: c["completed"] ?? 0,
    failed: c["failed"] ?? 0,
  };
}

export function createDashboardApp(deps: DashboardDeps): express.Express {
  const { settings, logger, redis, queue } = deps;
  const app = express();
  app.disable("x-powered-by");
  // The client's address (the sign-in throttle's key): the connection's, or behind trusted proxies the one
  // their X-Forwarded-For names.
  app.set("trust proxy", settings.trustedProxies.length > 0 ? settings.trustedProxies : false);
  const authenticator = createAuthenticator(settings.users, {
    throttle: createSignInThrottle({ redis, keyPrefix: bullPrefix(settings.redisPrefix) }),
  });
  const search = createPaymentSearch({
    queue,
    redis,
    redisPrefix: settings.redisPrefix,
    queueName: settings.queueName,
  });
  const redisDown = (): boolean => redis.status !== "ready";
  const balance = createBalanceReader({
    redis,
    redisPrefix: settings.redisPrefix,
    queueName: settings.queueName,
    logger,
  });
  // A flood of bad logins (or of misdirected requests) must not become a flood of log lines.
  const failedLogins = createLogSampler({ windowMs: 10_000 });
  const sampled = createLogSampler({ windowMs: 10_000 });

  app.use((req, res, next) => {
    res.set({
      // Express matches mount paths in any case: so does the choice of policy.
      "Content-Security-Policy": isQueueBoardPath(req.path) ? BOARD_CSP : OUR_CSP,
      "X-Frame-Options": "DENY",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cache-Control": "no-store",
    });
    next();
  });

  // --no-auth: this machine only (local-only.ts). A DNS-rebinding page or a proxy gets 421 before anything,
  // probes included.
  if (settings.noAuth) {
    app.use((req, res, next) => {
      const problem = notLocalProblem(req.headers, req.socket.localPort);
      if (problem === undefined) {
        next();
        return;
      }
      const count = sampled.take("misdirected");
      if (count !== undefined)
        logger.warn(
          { refused: count, path: req.path },
          "refused a request not addressed to this machine (--no-auth: DNS rebinding or a proxy?)",
        );
      res.status(421).json({ error: problem });
    });
  }

  // Probes: no login (orchestrators and load balancers call them); they reveal no payment.
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  // Browsers ask for it on every page; no icon, and no 404 in their console.
  app.get("/favicon.ico", (_req, res) => {
    res.status(204).end();
  });
  app.get("/readyz", async (_req, res) => {
    const readiness = await fleetReadiness({ redis, redisPrefix: settings.redisPrefix, queueName: settings.queueName });
    res.status(readiness.ready ? 200 : 503).json(readiness);
  });

  app.use(async (req, res, next) => {
    if (settings.noAuth) {
      res.locals["principal"] = { user: NO_AUTH_ACTOR, role: "operator" } satisfies Principal;
      next();
      return;
    }
    const address = req.ip ?? req.socket.remoteAddress ?? "unknown";
    const result = await authenticator.authenticate(req.get("authorization"), address);
    if (result.ok) {
      res.locals["principal"] = result.principal;
      next();
      return;
    }
    if (result.why === "busy") {
      // Too many password checks at once (each a full scrypt): come back, rather than wait in a queue.
      const count = sampled.take("busy");
      if (count !== undefined)
        logger.warn(
          { refused: count },
          "refused dashboard logins: too many password checks at once (a flood of bad logins?)",
        );
      res.set("Retry-After", "1").status(503).json({ error: "too many logins at once; try again in a second" });
      return;
    }
    if (result.why === "throttled") {
      const count = sampled.take(`throttled:${result.by}`);
      if (count !== undefined)
        logger.info(
          { refused: count, by: result.by },
          "refused dashboard logins during a lockout, without checking their passwords",
        );
      res
        .set("Retry-After", String(result.retryAfterSeconds))
        .status(429)
        .json({
          error: `too many failed sign-ins ${result.by === "address" ? "from this address" : "for this user from addresses it never signed in from"}; try again in ${String(result.retryAfterSeconds)} s`,
        });
      return;
    }
    // The same answer whether the user exists or not. The log names the user tried only when it is a user
    // (what is typed in the name field may be a password), never the password — one line per name per 10 s
    // at most, with how many failures it stands for — and each lockout once.
    if (result.why === "wrong") {
      const user = result.known ? result.user : "(not a user)";
      const failures = failedLogins.take(user);
      if (failures !== undefined)
        logger.warn({ user, failures, ip: address, path: req.path }, "dashboard login failed");
      if (result.lockout) {
        logger.warn(
          {
            ...(result.lockout.by === "address" ? { ip: address } : { user }),
            retryAfterSeconds: result.lockout.retryAfterSeconds,
          },
          result.lockout.by === "address"
            ? "dashboard sign-ins from an address locked after too many failures"
            : "dashboard sign-ins for a user locked, from addresses it never signed in from, after too many failures",
        );
      }
    }
    res
      .set("WWW-Authenticate", 'Basic realm="pixout dashboard", charset="UTF-8"')
      .status(401)
      .json({ error: "log in with your dashboard user name and password" });
  });

  // The queue board: GET and HEAD only, whoever asks (defence in depth: its queues are read-only too), and
  // pages of at most MAX_JOBS_PER_PAGE jobs.
  app.use(QUEUE_BOARD_PATH, (req, res, next) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      logger.warn(
        { user: principalOf(res).user, method: req.method, path: req.originalUrl },
        "refused a write to the queue board",
      );
      res.status(403).json({ error: READ_ONLY_MESSAGE });
      return;
    }
    const perPage = req.query["jobsPerPage"];
    if (
      perPage !== undefined &&
      !(typeof perPage === "string" && /^\d{1,3}$/.test(perPage) && Number(perPage) <= MAX_JOBS_PER_PAGE)
    ) {
      res.status(400).json({ error: `jobsPerPage must be a whole number from 1 to ${String(MAX_JOBS_PER_PAGE)}` });
      return;
    }
    // A page beyond any queue's length (or not a number) would reach Redis as a range it refuses.
    const page = req.query["page"];
    if (page !== undefined && !(typeof page === "string" && /^[1-9]\d{0,5}$/.test(page))) {
      res.status(400).json({ error: "page must be a whole number from 1 to 999999" });
      return;
    }
    // bull-board answers its own failures with the error's text (Redis's words, a script's SHA): the
    // browser gets a plain message, the log the details.
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (res.statusCode < 500) return json(body);
      logger.error(
        {
          method: req.method,
          path: req.originalUrl,
          status: res.statusCode,
          err: scrubText((JSON.stringify(body) as string | undefined) ?? "").slice(0, 300),
        },
        "the queue board failed",
      );
      return json({ error: "internal error (logged by the dashboard)" });
    };
    next();
  });
  // While Redis is away BullMQ waits for it without a deadline: answer at once instead of hanging.
  app.use(
    [
      "/api/queues",
      "/api/payments",
      "/api/accounts",
      "/api/approvals",
      "/api/overview",
      "/overview/live",
      "/payments/list.csv",
      `${QUEUE_BOARD_PATH}/api`,
      "/metrics",
    ],
    (_req, res, next) => {
      if (!redisDown()) {
        next();
        return;
      }
      res.status(503).json({ error: REDIS_DOWN });
    },
  );
  app.use(QUEUE_BOARD_PATH, createQueueBoard({ payouts: queue, notifications: deps.notifications }));

  app.use((req, res, next) => {
    if (SAFE_METHODS.includes(req.method)) {
      next();
      return;
    }
    const problem = csrfProblem(
      {
        method: req.method,
        user: principalOf(res).user,
        headers: {
          token: req.get("x-csrf-token"),
          origin: req.get("origin"),
          secFetchSite: req.get("sec-fetch-site"),
          contentType: req.get("content-type"),
        },
        ownOrigin: `${req.protocol}://${req.get("host") ?? ""}`,
        now: Date.now(),
      },
      settings.csrfSecret,
      settings.origin,
    );
    if (problem !== undefined) {
      logger.warn(
        { user: principalOf(res).user, method: req.method, path: req.path, problem },
        "refused a request that failed the CSRF checks",
      );
      res.status(403).json({ error: problem });
      return;
    }
    next();
  });

  app.get("/assets/dashboard.js", (_req, res) => {
    res.type("text/javascript; charset=utf-8").set("Cache-Control", "private, max-age=300").send(DASHBOARD_JS);
  });
  app.get("/assets/dashboard.css", (_req, res) => {
    res.type("text/css; charset=utf-8").set("Cache-Control", "private, max-age=300").send(DASHBOARD_CSS);
  });

  app.get("/", (_req, res) => {
    res.redirect(303, "/overview");
  });
  app.use(
    overviewRoutes({
      redis,
      redisPrefix: settings.redisPrefix,
      queueName: settings.queueName,
      queue,
      logger,
      redisDown: REDIS_DOWN,
    }),
  );

  app.get("/payments", async (req, res) => {
    const principal = principalOf(res);
    const query = typeof req.query["q"] === "string" ? req.query["q"] : "";
    const problem = freeTextProblem(query);
    if (problem !== undefined) {
      res
        .status(400)
        .type("html")
        .send(
          renderPaymentsPage({
            principal,
            queueName: settings.queueName,
            counts: undefined,
            query: "",
            result: { found: false, error: `the search ${problem}` },
          }),
        );
      return;
    }
    if (redisDown()) {
      res
        .status(503)
        .type("html")
        .send(
          renderPaymentsPage({
            principal,
            queueName: settings.queueName,
            counts: undefined,
            query,
            result: { found: false, error: REDIS_DOWN },
            balance: unreadFacts(Date.now()),
          }),
        );
      return;
    }
    const [counts, result, facts] = await Promise.all([
      queueCounts(queue),
      query.trim() === "" ? Promise.resolve(undefined) : search.search(query),
      balance.read(),
    ]);
    res
      .status(result && !result.found ? 404 : 200)
      .type("html")
      .send(renderPaymentsPage({ principal, queueName: settings.queueName, counts, query, result, balance: facts }));
  });

  app.get("/reconciliation", async (_req, res) => {
    const principal = principalOf(res);
    if (redisDown()) {
      res
        .status(503)
        .type("html")
        .send(renderReconciliationPage(principal, undefined, undefined, unreadFacts(Date.now())));
      return;
    }
    const [recent, status, facts] = await Promise.all([
      recentReports(redis, settings.redisPrefix, settings.queueName, 20),
      reconciliationStatus(redis, settings.redisPrefix, settings.queueName),
      balance.read(),
    ]);
    res.type("html").send(renderReconciliationPage(principal, recent, status.latest, facts));
  });

  app.get("/metrics", async (_req, res) => {
    res.type(deps.metrics.contentType).send(await deps.metrics.metrics());
  });

  app.get("/api/session", (_req, res) => {
    const { user, role } = principalOf(res);
    // A new token each time, good for CSRF_TOKEN_TTL_MS: the page asks for one right before each retry.
    res
      .set("Cache-Control", "no-store")
      .json({ user, role, csrfToken: csrfToken(settings.csrfSecret, user, Date.now()) });
  });

  app.get("/api/queues/counts", async (_req, res) => {
    res.json({ queue: settings.queueName, counts: await queueCounts(queue) });
  });

  app.get("/api/payments/search", async (req, res) => {
    const query = typeof req.query["q"] === "string" ? req.query["q"] : "";
    const problem = freeTextProblem(query);
    if (problem !== undefined) {
      res.status(400).json({ error: `the search ${problem}` });
      return;
    }
    const result = await search.search(query);
    if (!result.found) {
      res.status(query.trim() === "" ? 400 : 404).json({ error: result.error });
      return;
    }
    res.json({ matchedBy: result.matchedBy, payment: result.payment });
  });

  app.post(
    "/api/payments/:paymentId/retry",
    (req, res, next) => {
      // Who and which payment before reading any body.
      if (principalOf(res).role !== "operator") {
        res.status(403).json({ error: "viewers cannot retry payments; ask an operator" });
        return;
      }
      if (!PAYMENT_ID.test(paymentIdOf(req))) {
        res.status(400).json({ error: "not a paymentId: 1-64 characters of letters, digits, '.', '_' or '-'" });
        return;
      }
      next();
    },
    jsonBody(RETRY_BODY_LIMIT),
    async (req, res) => {
      const principal = principalOf(res);
      const paymentId = paymentIdOf(req);
      const body = retryBody.safeParse(req.body);
      if (!body.success) {
        const problems = bodyProblems(body.error);
        res.status(400).json({ error: `the retry request is invalid: ${problems.join("; ")}`, problems });
        return;
      }
      if (deps.retry.redis.status !== "ready") {
        // Nothing was sent: safe to say so.
        res.status(503).json({ error: REDIS_DOWN });
        return;
      }
      const { reason, newAttempt, notExecuted } = body.data;
      let result: RetryResult;
      try {
        result = await retryPayment(deps.retry.queue, deps.retry.redis, settings.redisPrefix, paymentId, {
          actor: principal.user,
          reason,
          newAttempt: newAttempt === true,
          notExecuted: notExecuted === true,
        });
      } catch (err) {
        // It may have failed before changing anything, or after the audited data change but before the
        // move: only the payment's audit (and job state) can tell.
        logger.error(
          { actor: principal.user, paymentId, err: errorForLog(err) },
          "dashboard retry failed midway; its outcome is unknown",
        );
        res.status(503).json({ error: RETRY_OUTCOME_UNKNOWN });
        return;
      }
      logger.info(
        {
          actor: principal.user,
          paymentId,
          status: result.status,
          newAttempt: newAttempt === true,
          notExecuted: notExecuted === true,
        },
        "dashboard retry",
      );
      res.status(retryHttpStatus(result)).json(result);
    },
  );

  app.use(
    balanceRoutes({
      redisPrefix: settings.redisPrefix,
      queueName: settings.queueName,
      logger,
      reader: balance,
      resume: deps.retry,
      notifier: deps.notifier,
      redisDown: REDIS_DOWN,
    }),
  );

  app.use((req, res) => {
    if (req.accepts(["html", "json"]) === "html") {
      res
        .status(404)
        .type("html")
        .send(renderErrorPage(principalOf(res), "Not found", `Nothing at ${req.path}.`));
      return;
    }
    res.status(404).json({ error: `nothing at ${req.method} ${req.path}` });
  });

  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const unavailable = redisDown();
    logger.error({ err: errorForLog(err), method: req.method, path: req.path }, "dashboard request failed");
    res
      .status(unavailable ? 503 : 500)
      .json({ error: unavailable ? REDIS_DOWN : "internal error (logged by the dashboard)" });
  });
  return app;
}
