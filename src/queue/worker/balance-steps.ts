// The paying account's balance around a send (docs/operating/balance.md): before it, a held account makes the payment
// wait with the others and the balance guard sends only what its estimate covers; after the bank ended a
// payment for insufficient balance, the account is held and the payment waits under its next generation.
// The rules are src/payments/balance-hold.ts; this is their I/O, fenced by the job's lock.
import {
  heldAfterBalanceFailure,
  heldTooLong,
  heldWait,
  holdExpired,
  mayHoldAfterFailure,
  nextCheckDelay,
  notHeldWhy,
} from "../../payments/balance-hold.js";
import type { Decision, PaymentState } from "../../payments/lifecycle.js";
import { formatCents, parseAmount } from "../../payments/money.js";
import type { Joined } from "../account-holds.js";
import { HELD_RECHECK_MS } from "./processor-options.js";
import { LostJobError, accountOf, guardMember, quietly, type RunContext } from "./run-context.js";

/**
 * Before a send of a payment that cannot have executed: a held account makes it wait with the others; a
 * hold that lasted too long ends it failed; with the balance guard, it sends only what the estimate covers
 * — and a payment whose amount the guard already reserved goes on when the guard itself held the account
 * since (the money it counts on was set aside for it; stopping it would give the money back to be fought
 * over). A hold the bank's refusal made proves the estimate wrong: then the reservation is given back.
 */
export async function balanceGate(
  ctx: RunContext,
  given: PaymentState,
): Promise<{ decision: Decision } | { state: PaymentState }> {
  const { deps, clock, logger, payment } = ctx;
  const b = deps.options.balance;
  if (!b || given.maybeExecuted) return { state: given };
  const holdPolicy = deps.holdPolicy;
  const account = accountOf(deps, payment);
  const cents = parseAmount(payment.amount);
  const fence = { jobId: ctx.job.id ?? "", token: ctx.token };
  const tooLong = holdExpired(given, clock.now(), holdPolicy);
  if (tooLong !== undefined) {
    await quietly(deps, "take the payment off the account's hold list", payment.paymentId, () =>
      b.holds.leave(given.held?.account ?? account, payment.paymentId),
    );
    return { decision: heldTooLong(given, tooLong) };
  }
  const member = guardMember(payment.paymentId, given.generation);
  const reserved = b.guard !== undefined && (await b.guard.store.has(account, member));
  const joined = joinedOrLost(ctx, await b.holds.check(account, payment.paymentId, cents, clock.now(), fence));
  if (joined.held && reserved && joined.source === "guard") {
    // Its money is set aside: it goes on, off the list it was just put on.
    await b.holds.leave(account, payment.paymentId);
  } else if (joined.held) {
    if (reserved) await b.guard?.store.release(account, member, "unspent", clock.now());
    return { decision: heldWait(given, { account, id: joined.id }, clock.now(), holdPolicy, HELD_RECHECK_MS) };
  }
  let state = given;
  if (given.held !== undefined) {
    await b.holds.leave(given.held.account, payment.paymentId);
    state = { ...given, held: undefined };
  }
  if (!b.guard || reserved) return { state };
  const guard = b.guard;
  let r = await guard.store.reserve(account, member, cents, clock.now());
  if (r.kind === "stale") {
    if (!(await guard.store.takeRead(account, 10_000))) {
      return {
        decision: {
          kind: "wait",
          delayMs: 1_000 + clock.random() * 1_000,
          state,
          why: "balance guard: another worker reads the balance",
        },
      };
    }
    const askedAt = clock.now();
    let spendable: number;
    try {
      spendable = await guard.read(account);
    } catch (err) {
      // The guard avoids a refusal; it must not stop payments: a send the bank refuses for balance holds the account anyway.
      logger.error(
        { account, paymentId: payment.paymentId, err: err instanceof Error ? err.message : String(err) },
        "the balance guard cannot read the account's balance (is extrato.read in INTER_SCOPES?): sending without it",
      );
      return { state };
    }
    await guard.store.refresh(account, spendable, askedAt);
    r = await guard.store.reserve(account, member, cents, clock.now());
  }
  if (r.kind === "ok") return { state };
  if (r.kind === "stale")
    return {
      decision: {
        kind: "wait",
        delayMs: 1_000 + clock.random() * 1_000,
        state,
        why: "balance guard: reading the balance",
      },
    };
  const reason = `the balance guard estimates ${formatCents(Math.max(0, r.estimateCents))} left to pay with, ${payment.amount} needed (PIXOUT_BALANCE_GUARD)`;
  const hold = joinedOrLost(
    ctx,
    await b.holds.hold(
      account,
      payment.paymentId,
      cents,
      clock.now(),
      { reason, source: "guard", firstCheckAt: clock.now() + nextCheckDelay(0, holdPolicy, clock.random()) },
      fence,
    ),
  );
  if (!hold.held) throw new Error("an account hold was not written");
  if (hold.created) await heldNow(ctx, account, hold.id, reason, "guard", cents);
  return { decision: heldWait(state, { account, id: hold.id }, clock.now(), holdPolicy, HELD_RECHECK_MS) };
}

/**
 * The bank ended the payment for insufficient balance: with PIXOUT_ON_INSUFFICIENT_BALANCE=hold it does not
 * fail — the account is held, and the payment waits under its next generation (the ended one's daily-limit
 * and guard reservations given back: nothing was debited). One the rules do not hold fails, saying why.
 */
export async function holdIfShort(ctx: RunContext, decision: Decision): Promise<Decision> {
  const { deps, clock, logger, payment } = ctx;
  const b = deps.options.balance;
  const holdPolicy = deps.holdPolicy;
  if (!b || decision.kind !== "fail") return decision;
  if (!mayHoldAfterFailure(decision.state, holdPolicy)) {
    const why = notHeldWhy(decision.state, holdPolicy);
    return why === undefined
      ? decision
      : { kind: "fail", state: { ...decision.state, reason: `${decision.state.reason}; ${why}` } };
  }
  const ended = decision.state;
  const account = accountOf(deps, payment);
  const cents = parseAmount(payment.amount);
  const reason = `the bank ended a payment ${ended.bankStatus ?? ""} (insufficient balance)`;
  // The hold first, fenced by the job's lock: a run that lost its job gives nothing back and holds nothing.
  const hold = joinedOrLost(
    ctx,
    await b.holds.hold(
      account,
      payment.paymentId,
      cents,
      clock.now(),
      { reason, source: "bank", firstCheckAt: clock.now() + nextCheckDelay(0, holdPolicy, clock.random()) },
      { jobId: ctx.job.id ?? "", token: ctx.token },
    ),
  );
  if (!hold.held) throw new Error("an account hold was not written");
  const limited = {
    payment,
    generation: ended.generation,
    firstSendAt: ended.firstSendAt ?? clock.now(),
    maybeExecuted: false,
  };
  const limits = deps.options.limits;
  if (limits)
    await quietly(deps, "give back the ended send's daily-limit reservation", payment.paymentId, () =>
      limits.release(limited),
    );
  const guard = b.guard;
  if (guard)
    await quietly(deps, "give back the ended send's balance reservation", payment.paymentId, () =>
      guard.store.release(account, guardMember(payment.paymentId, ended.generation), "unspent", clock.now()),
    );
  if (hold.created) await heldNow(ctx, account, hold.id, reason, "bank", cents);
  logger.info(
    {
      paymentId: payment.paymentId,
      account,
      codigoSolicitacao: ended.codigoSolicitacao,
      generation: ended.generation + 1,
    },
    "payout held for the account's balance; it will be sent under its next bank key",
  );
  return heldWait(
    heldAfterBalanceFailure(ended, account, clock.now()),
    { account, id: hold.id },
    clock.now(),
    holdPolicy,
    HELD_RECHECK_MS,
  );
}

/** A hold this payment created: said in the log and, if configured, to upstream (account.held). */
async function heldNow(
  ctx: RunContext,
  account: string,
  id: string,
  reason: string,
  source: "bank" | "guard",
  cents: number,
): Promise<void> {
  const { deps, clock } = ctx;
  const { paymentId } = ctx.payment;
  ctx.logger.warn(
    { account, paymentId, reason },
    "paying account held: no payment from it is sent until its balance covers the oldest waiting one (or pixout resume)",
  );
  const onHeld = deps.options.balance?.onHeld;
  if (onHeld) {
    await quietly(deps, "announce the account's hold", paymentId, () =>
      onHeld({
        kind: "held",
        account,
        holdId: id,
        since: clock.now(),
        reason,
        by: source,
        amountCents: cents,
        heldPayments: 1,
        occurredAt: clock.now(),
      }),
    );
  }
}

/** Joins (or makes) an account's hold as this run, fenced by its lock: a stale run stops, writing nothing. */
function joinedOrLost(ctx: RunContext, joined: Joined): Exclude<Joined, { lost: true }> {
  if ("lost" in joined)
    throw new LostJobError(
      `this worker no longer holds job ${ctx.job.id ?? "?"} (its lock expired or another worker took it): not held, nothing sent`,
    );
  return joined;
}
