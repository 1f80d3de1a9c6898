// A large backlog meets a send budget booked beyond its reservation horizon (call-pacing.ts): each payment
// past it is put to sleep for a random share of the backlog's time. Found by a full run — its data read and
// checked, its record claimed, its hold and budget asked — that costs every one of 100,000 queued payments a
// dozen Redis calls and the worker's memory a burst of garbage (`npm run bench`, worker RSS with a backlog).
//
// So, for a moment after a run of this worker found the horizon full, a payment that has never run (no
// state, no audit: nothing of it was claimed, written or sent) goes back to sleep the same way before any of
// that — one BullMQ move. Nothing is decided for it: its first real run, later, reads and checks everything.
import { performance } from "node:perf_hooks";
import type { JobRun } from "./run-context.js";
import { beyondHorizon } from "./call-pacing.js";

/** How long "the horizon is full" stays believed without asking Redis again. */
export const INTAKE_HINT_MS = 1_000;

/** The delay for a payment that has never run while the send budget is full; undefined: run it. */
export async function deferFresh(run: JobRun): Promise<number | undefined> {
  const { deps, data } = run;
  const full = deps.intake.sendFull;
  // performance.now(): a wall clock stepped back cannot keep the hint alive.
  const age = full === undefined ? Infinity : performance.now() - full.at;
  if (full === undefined || !(age >= 0 && age <= INTAKE_HINT_MS)) return undefined;
  if (data.state.kind !== "absent" || data.audit.kind !== "absent") return undefined;
  return beyondHorizon(deps, "send", full.beyondMs - age, false);
}
