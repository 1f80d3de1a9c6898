// The dashboard's routes for the balance holds and the approvals (docs/operating/balance.md): the JSON of the held
// accounts and of the payments awaiting approval, for any role, and an operator's resume of a held account —
// the same resumeAccount as `pixout resume`, under the operator's name, announced upstream (account.resumed)
// when the dashboard has a notifier. Mounted after the login and the CSRF checks.
import type { Queue } from "bullmq";
import express, { type Request, type Response } from "express";
import type { RedisClient } from "../../redis/connections.js";
import { z } from "zod";
import type { Logger } from "../../logger.js";
import { accountEvent } from "../../notifications/account-event.js";
import type { Notifier } from "../../notifications/notifier.js";
import { formatCents } from "../../payments/money.js";
import { createAccountHolds } from "../../queue/account-holds.js";
import { DEFAULT_ACCOUNT_KEY } from "../../queue/worker/processor.js";
import { resumeAccount, type ResumeResult } from "../../queue/producer/resume-account.js";
import { auditedReason, bodyProblems } from "./audited-reason.js";
import type { Principal } from "./auth.js";
import { approvalRow } from "../../queue/approvals.js";
import { heldAccountJson, type BalanceReader } from "./balance-facts.js";
import { jsonBody } from "./json-body.js";
import { scrubText } from "./personal-data.js";

/** A paying account as `pixout resume --account` takes it: its digits, or the integration's only account. */
const ACCOUNT_PARAM = new RegExp(`^(?:\\d{1,20}|${DEFAULT_ACCOUNT_KEY})$`);
const RESUME_BODY_LIMIT = 16 * 1024;
const RESUME_OUTCOME_UNKNOWN =
  "the resume's outcome is unknown: reload the page (a held account still shows its banner) before trying again";

const resumeBody = z.strictObject({ reason: auditedReason });

export interface BalanceRoutesDeps {
  redisPrefix: string;
  queueName: string;
  logger: Logger;
  /** Reads on the dashboard's fail-fast connection. */
  reader: BalanceReader;
  /**
   * Resumes on the retries' connection, without a command timeout: a timeout after the hold was lifted in
   * Redis would answer "unknown" for a resume that happened, with its payments not woken yet.
   */
  resume: { redis: RedisClient; queue: Queue };
  /** Undefined when the PIXOUT_NOTIFY_* settings are invalid (the start warned): a resume is then not announced. */
  notifier: Pick<Notifier, "notifyAccount"> | undefined;
  /** The answer while Redis is away. */
  redisDown: string;
}

function principalOf(res: Response): Principal {
  return res.locals["principal"] as Principal;
}

function accountOf(req: Request): string {
  const account = req.params["account"];
  return typeof account === "string" ? account : "";
}

export function balanceRoutes(deps: BalanceRoutesDeps): express.Router {
  const { logger, reader } = deps;
  const holds = createAccountHolds(deps.resume.redis, deps.redisPrefix, deps.queueName);
  const router = express.Router();

  router.get("/api/accounts/held", async (_req, res) => {
    res.json({ queue: deps.queueName, accounts: (await reader.holds.list()).map(heldAccountJson) });
  });

  router.get("/api/approvals", async (_req, res) => {
    const [entries, totals] = await Promise.all([reader.approvals.list(), reader.approvals.totals()]);
    res.json({
      queue: deps.queueName,
      count: totals.count,
      amount: formatCents(totals.cents),
      payments: entries.map(approvalRow),
    });
  });

  router.post(
    "/api/accounts/:account/resume",
    (req, res, next) => {
      // Who and which account before reading any body, as the retry does.
      if (principalOf(res).role !== "operator") {
        res.status(403).json({ error: "viewers cannot resume accounts; ask an operator" });
        return;
      }
      if (!ACCOUNT_PARAM.test(accountOf(req))) {
        res.status(400).json({
          error: `not a paying account: its digits (1-20, as INTER_ACCOUNT), or "${DEFAULT_ACCOUNT_KEY}" for the integration's only account`,
        });
        return;
      }
      next();
    },
    jsonBody(RESUME_BODY_LIMIT),
    async (req, res) => {
      const actor = principalOf(res).user;
      const account = accountOf(req);
      const body = resumeBody.safeParse(req.body);
      if (!body.success) {
        const problems = bodyProblems(body.error);
        res.status(400).json({ error: `the resume request is invalid: ${problems.join("; ")}`, problems });
        return;
      }
      if (deps.resume.redis.status !== "ready") {
        // Nothing was changed: safe to say so.
        res.status(503).json({ error: deps.redisDown });
        return;
      }
      const { reason } = body.data;
      const notifier = deps.notifier;
      let result: ResumeResult;
      try {
        result = await resumeAccount(holds, deps.resume.queue, account, {
          by: actor,
          reason,
          ...(notifier === undefined ? {} : { onResumed: (facts) => notifier.notifyAccount(accountEvent(facts)) }),
          logger,
        });
      } catch (err) {
        // The hold may have been lifted before the failure: only the holds in Redis can tell.
        logger.error(
          {
            actor,
            account,
            err: err instanceof Error ? `${err.name}: ${scrubText(err.message).slice(0, 300)}` : "non-Error thrown",
          },
          "dashboard resume failed midway; its outcome is unknown",
        );
        res.status(503).json({ error: RESUME_OUTCOME_UNKNOWN });
        return;
      }
      logger.info(
        { actor, account, resumed: result.resumed, waiting: result.waiting, woken: result.woken },
        "dashboard resume",
      );
      if (result.resumed && notifier === undefined)
        logger.warn(
          { account },
          "the resume was not announced upstream (account.resumed): the PIXOUT_NOTIFY_* settings are invalid",
        );
      if (!result.resumed) {
        res.status(404).json({ error: `account ${account} is not held: nothing to resume` });
        return;
      }
      res.json({ resumed: result.resumed, waiting: result.waiting, woken: result.woken });
    },
  );
  return router;
}
