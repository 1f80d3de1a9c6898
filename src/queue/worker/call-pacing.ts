// The pace of the fleet's bank calls, around each call a step makes: a slot of the fleet's budget reserved
// ahead, the gate right before the call, the bound between the lock step and a send leaving, and the
// penalty a 429 puts on the budget (src/queue/worker/budgets.ts).
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { CallOptions } from "../../inter/client.js";
import { bankWait, type ErrorFacts, type PaymentState } from "../../payments/lifecycle.js";
import { SendNotMadeError, tell, type Deps } from "./run-context.js";

/** A reserved slot this late (or later) is given up for a new reservation; see reserveSlot. */
const STALE_SLOT_MS = 2_000;
/** How long before its slot a job leaves the delayed set, to wait the last moment in the worker. */
const SLOT_LEAD_MS = 250;
/**
 * The longest time from the fenced step that extends the lock (the moment it is issued) to the send
 * leaving: far below any lock duration, so a send never leaves after the lock could have expired — a
 * frozen Redis link or a paused process makes the step start over instead.
 */
export const SEND_BOUND_MS = 5_000;
/** The longest wait for the gate inside a step before it sleeps in the delayed set instead. */
const GATE_WAIT_MS = 1_500;

export type Slot =
  /** `gated`: the gate was passed with the reservation (a slot free now, no call to space it from): call at once. */
  { go: true; state: PaymentState; gated?: true } | { go: false; delayMs: number; state: PaymentState; why: string };

/**
 * A slot of `name` for this job: its reservation (kept in the state while it waits for it). The job
 * sleeps in BullMQ's delayed set until SLOT_LEAD_MS before its slot, then waits the last moment in the
 * worker: a delayed job is promoted a little late, by a varying amount, and at Inter's 1-send-a-second
 * limit that variance made neighbouring slots collide at the gate (`npm run bench`). A slot stale by more
 * than STALE_SLOT_MS (jobs that all woke late after an outage) is given up for a fresh one. A poll of a
 * payment long stuck (or awaiting approval) is low priority: it takes a slot only when the schedule is
 * nearly free, so a few stuck payments never delay fresh ones.
 *
 * `gateNow`: a call that follows its reservation at once (a status query: nothing is written in between)
 * passes the gate in the same Redis step when its slot is now — one round trip and 5 commands less. A send
 * does not: its fenced step comes between, and the gate must be the last thing before the send leaves.
 */
export async function reserveSlot(
  deps: Deps,
  name: "send" | "status",
  state: PaymentState,
  lowPriority: boolean,
  gateNow = false,
): Promise<Slot> {
  const { budgets, clock } = deps;
  const interval = budgets.intervalMs(name);
  let held = state.slot?.budget === name ? state.slot : undefined;
  if (held && clock.now() - held.at > Math.max(interval, STALE_SLOT_MS)) held = undefined;
  // The token first: a token call must never sit between the gate and the call it spaces.
  await deps.client.prepare(name === "send" ? "send" : "read");
  if (!held) {
    const horizon = lowPriority ? interval : budgets.horizonMs;
    const r = gateNow ? await budgets.reserveAndGate(name, horizon) : await budgets.reserve(name, horizon);
    if (!r.reserved) {
      if (name === "send" && !lowPriority)
        deps.intake.sendFull = { at: performance.now(), beyondMs: r.waitMs - horizon };
      const delayMs = await beyondHorizon(deps, name, r.waitMs - horizon, lowPriority);
      const gaveWaySince = lowPriority ? (state.gaveWaySince ?? clock.now()) : state.gaveWaySince;
      return {
        go: false,
        delayMs,
        state: { ...state, slot: undefined, gaveWaySince },
        why: `${name} budget ${lowPriority ? "busy (a long wait gives way)" : "full"}`,
      };
    }
    held = { budget: name, at: clock.now() + r.waitMs };
    if (name === "send") deps.intake.sendFull = undefined;
    state = { ...state, gaveWaySince: undefined };
    if ("gateMs" in r && r.gateMs === 0) return { go: true, state: { ...state, slot: held }, gated: true };
    if (r.waitMs > 0) {
      tell(deps, (m) => {
        m.onRateLimitWait(name, r.waitMs);
      });
    }
  }
  if (clock.now() < held.at - SLOT_LEAD_MS)
    return {
      go: false,
      delayMs: held.at - SLOT_LEAD_MS - clock.now(),
      state: { ...state, slot: held },
      why: `${name} slot`,
    };
  return { go: true, state: { ...state, slot: held } };
}

/**
 * How long a call beyond the reservation horizon waits: until the horizon reaches it (`beyondMs`), then a
 * random moment spread over the time the backlog needs (order beyond the horizon is not kept either way).
 */
export async function beyondHorizon(
  deps: Deps,
  name: "send" | "status",
  beyondMs: number,
  lowPriority: boolean,
): Promise<number> {
  const { budgets, clock } = deps;
  const interval = budgets.intervalMs(name);
  const backlog = deps.options.backlog ? await deps.options.backlog().catch(() => 0) : 0;
  const spread = Math.max(lowPriority ? interval * 10 : budgets.horizonMs / 2, backlog * interval);
  const delayMs = Math.max(0, beyondMs) + clock.random() * spread;
  tell(deps, (m) => {
    m.onRateLimitWait(name, delayMs);
  });
  return delayMs;
}

/**
 * Right before the call: the slot's moment, then the gate (the fleet's previous call of the budget, and
 * any 429 penalty). A gate closed for a moment is waited for here; longer, the call is not made.
 */
export async function passGate(deps: Deps, name: "send" | "status", slotAt: number | undefined): Promise<number> {
  const { budgets, clock } = deps;
  if (slotAt !== undefined && clock.now() < slotAt) await sleep(slotAt - clock.now());
  let gate = await budgets.gate(name);
  if (gate > 0 && gate <= GATE_WAIT_MS) {
    tell(deps, (m) => {
      m.onRateLimitWait(name, gate);
    });
    // Slept for exactly the wait, then asked again (a millisecond short, once more): a call that follows a
    // late one leaves as soon as it may, so lateness does not add up along a backlog. Sleeping a margin
    // more each time did: ~2 ms a call, 2 % of the send rate at 10 sends a second (`npm run bench`).
    const started = performance.now();
    for (let tries = 0; gate > 0 && performance.now() - started + gate <= GATE_WAIT_MS && tries < 3; tries++) {
      await sleep(gate);
      gate = await budgets.gate(name);
    }
  }
  if (gate > 0) {
    tell(deps, (m) => {
      m.onRateLimitWait(name, gate);
    });
  }
  return gate;
}

/**
 * Each exchange of a call: the first is made right after the gate; a second one (after a 401) passes the
 * gate again — it is another request to the bank. A send must leave within SEND_BOUND_MS of its lock
 * step (performance.now(): a wall clock stepped back cannot stretch it): checked here, and again when
 * the request is handed its socket (it may wait for a connection), where a late one is stopped unwritten.
 * `released` is told whether the current exchange was let go to the bank (false until it is).
 */
export function attempts(
  deps: Deps,
  name: "send" | "status",
  lockStepAt: number | undefined,
  gatePassedAt: number,
  released?: (yes: boolean) => void,
): NonNullable<CallOptions["beforeAttempt"]> {
  const { budgets, clock } = deps;
  const bound = Math.min(SEND_BOUND_MS, deps.lockMs / 3);
  return async (attempt) => {
    released?.(false);
    let passed = gatePassedAt;
    if (attempt > 1) {
      const gate = await passGate(deps, name, undefined);
      if (gate > 0)
        throw new SendNotMadeError(
          `the ${name} gate is closed for ${String(gate)} ms before a retry after a 401`,
          gate + 1 + clock.random() * budgets.intervalMs(name) * 0.1,
        );
      passed = performance.now();
    }
    const since = lockStepAt === undefined ? 0 : performance.now() - lockStepAt;
    if (since > bound) {
      throw new SendNotMadeError(
        `${String(Math.round(since))} ms passed since the lock was extended (a slow Redis link or a paused process): the send starts over`,
        100 + clock.random() * 400,
      );
    }
    released?.(true);
    return { gatePassedAt: passed, ...(lockStepAt === undefined ? {} : { sendBy: lockStepAt + bound }) };
  };
}

/** The penalty a 429 puts on the fleet's budget, never longer than the cap; a huge ask is said once. */
export async function penalize(deps: Deps, name: "send" | "status", facts: ErrorFacts): Promise<void> {
  const { clock, logger, policy } = deps;
  const asked = facts.retryAfterMs ?? policy.defaultRateLimitWaitMs;
  const ms = bankWait(asked, policy);
  if (asked > ms && clock.now() - deps.warned.longWaitAt > 10 * 60_000) {
    deps.warned.longWaitAt = clock.now();
    logger.warn(
      { askedMs: asked, waitMs: ms },
      "the bank (or a proxy) asked to wait longer than PIXOUT_MAX_BANK_WAIT_SECONDS after a 429; waiting the cap, then asking again",
    );
  }
  // Best effort: a penalty Redis did not take only makes the next call meet the bank's 429 again.
  await deps.budgets.penalize(name, ms).catch((err: unknown) => {
    deps.logger.warn(
      { budget: name, err: err instanceof Error ? err.message : String(err) },
      "could not record the bank's 429 on the fleet's budget",
    );
  });
}
