// The life of one emulated payment as pure functions (docs/reference/inter-api.md §4.1, §9).
//
// A payment is a list of steps, each a status with the instant it takes effect. Steps whose outcome is
// already decided are planned ahead (e.g. PAGO at release + paidAfterMs), so the status at any instant
// is computed lazily — the last step at or before `now` — and no timer runs per step. What is not yet
// decided is `waiting`: a human decision (approval), a scheduled run, or the execution itself (whose
// outcome depends on the balance at that instant, so the caller decides it when the time comes).
//
// Paths:
//   CRIADO → APROVADO → ENVIADO → PAGO                                (no approval; history
//                                                                     TRANSACAO_CRIADA → TRANSACAO_APROVADA → PIX_ENVIADO → PIX_PAGO)
//   CRIADO → AGUARDANDO_APROVACAO → APROVADO → ENVIADO → PAGO | REPROVADO | EXPIRADO
//   … → APROVADO → AGENDADO → (run) → ENVIADO → PAGO                  (future dataPagamento: the run is
//                                                                     at 00:00 São Paulo of that date)
//   … → CANCELADO_SEM_SALDO                                           (balance too low at execution)
//   … → ENVIADO → FALHA | NAO_DEBITADO | CANCELADO | …                (forced by a fault)
import type { ForcedFinalStatus, PixStatus } from "./pix-status.js";
import { isFinalStatus } from "./pix-status.js";

export interface Step {
  readonly status: PixStatus;
  readonly at: number;
}

export type Waiting =
  | {
      readonly kind: "approval";
      /** When the automatic decision (if any) is taken. */
      readonly autoAt: number | null;
      readonly autoDecision: "approve" | "reject" | null;
      /** When the approval window closes (EXPIRADO). */
      readonly expiresAt: number | null;
    }
  | { readonly kind: "schedule"; readonly runAt: number }
  | { readonly kind: "execution"; readonly at: number };

export interface PaymentState {
  readonly steps: readonly Step[];
  readonly waiting: Waiting | null;
  /**
   * Future dataPagamento: 00:00 São Paulo of that date (epoch ms). After approval the payment waits
   * for its run (AGENDADO). null = pay now.
   */
  readonly scheduledFor: number | null;
  /** When the payment was cleared to go (creation, approval or scheduled run); timings count from it. */
  readonly releasedAt: number | null;
}

export interface Timing {
  /** From release to ENVIADO (the execution: balance check and debit). */
  sentAfterMs: number;
  /** From release to the final status (PAGO or a forced failure); never before ENVIADO. */
  paidAfterMs: number;
  /**
   * From AGENDADO to the run (tests, demo); null = at 00:00 São Paulo of dataPagamento, as Inter runs
   * a scheduled payment on its date. runScheduled() runs one early either way.
   */
  scheduledRunsAfterMs: number | null;
  /** From AGUARDANDO_APROVACAO to EXPIRADO. */
  approvalExpiresAfterMs: number;
}

export interface ApprovalPolicy {
  autoDecision: "approve" | "reject" | "none";
  autoAfterMs: number;
}

/** How an execution turns out; the caller decides it from the balance and any forced fault. */
export type ExecutionOutcome = { kind: "pay" } | { kind: "no-balance" } | { kind: "forced"; status: ForcedFinalStatus };

export class TransitionError extends Error {
  override readonly name = "TransitionError";
}

export interface CreateInput {
  now: number;
  approvalRequired: boolean;
  /** 00:00 São Paulo of a future dataPagamento (calendar.ts saoPauloStartOfDay), or null. */
  scheduledFor: number | null;
  timing: Timing;
  approval: ApprovalPolicy;
}

export function createState(input: CreateInput): PaymentState {
  const { now } = input;
  const created: PaymentState = {
    steps: [{ status: "CRIADO", at: now }],
    waiting: null,
    scheduledFor: input.scheduledFor,
    releasedAt: null,
  };
  if (!input.approvalRequired) return release(created, now, input.timing);
  const auto = input.approval.autoDecision === "none" ? null : input.approval.autoDecision;
  return {
    ...created,
    steps: [...created.steps, { status: "AGUARDANDO_APROVACAO", at: now }],
    waiting: {
      kind: "approval",
      autoAt: auto === null ? null : now + input.approval.autoAfterMs,
      autoDecision: auto,
      expiresAt: now + input.timing.approvalExpiresAfterMs,
    },
  };
}

/**
 * When a scheduled payment released (created or approved) at `releasedAt` runs: `scheduledRunsAfterMs`
 * after the release when set; otherwise at the start of its date, 00:00 São Paulo — or at once when
 * that instant has already passed (ASSUMPTION, UNVERIFIED: a payment approved on or after its date
 * runs on approval).
 */
export function scheduledRunAt(scheduledFor: number, releasedAt: number, timing: Timing): number {
  if (timing.scheduledRunsAfterMs !== null) return releasedAt + timing.scheduledRunsAfterMs;
  return Math.max(releasedAt, scheduledFor);
}

/** APROVADO, then either AGENDADO (waiting for the run) or waiting for execution. */
function release(state: PaymentState, at: number, timing: Timing): PaymentState {
  const steps = [...state.steps, { status: "APROVADO" as const, at }];
  if (state.scheduledFor !== null) {
    const runAt = scheduledRunAt(state.scheduledFor, at, timing);
    return { ...state, steps: [...steps, { status: "AGENDADO", at }], waiting: { kind: "schedule", runAt } };
  }
  return { ...state, steps, waiting: { kind: "execution", at: at + timing.sentAfterMs }, releasedAt: at };
}

/** When the payment's waiting ends by itself, or null when only an outside action can end it. */
export function dueAt(state: PaymentState): number | null {
  const w = state.waiting;
  if (w === null) return null;
  switch (w.kind) {
    case "approval": {
      if (w.autoAt === null) return w.expiresAt;
      if (w.expiresAt === null) return w.autoAt;
      return Math.min(w.autoAt, w.expiresAt);
    }
    case "schedule":
      return w.runAt;
    case "execution":
      return w.at;
  }
}

/**
 * Resolves the waiting that is due (dueAt(state) must be a number). Executions ask `decide` for their
 * outcome at the instant they happen; the returned state may still wait (e.g. approved → execution).
 */
export function resolveDue(state: PaymentState, timing: Timing, decide: () => ExecutionOutcome): PaymentState {
  const w = state.waiting;
  const at = dueAt(state);
  if (w === null || at === null) throw new TransitionError("nothing is due");
  switch (w.kind) {
    case "approval":
      if (w.autoAt !== null && w.autoDecision !== null && (w.expiresAt === null || w.autoAt <= w.expiresAt)) {
        return w.autoDecision === "approve" ? approve(state, at, timing) : reject(state, at);
      }
      return expire(state, at);
    case "schedule":
      return runScheduled(state, at, timing);
    case "execution":
      return execute(state, decide(), timing);
  }
}

function requireWaiting(state: PaymentState, kind: Waiting["kind"], action: string): void {
  if (state.waiting?.kind !== kind) {
    const last = state.steps[state.steps.length - 1];
    throw new TransitionError(`cannot ${action}: the payment is ${last ? last.status : "unknown"}`);
  }
}

export function approve(state: PaymentState, at: number, timing: Timing): PaymentState {
  requireWaiting(state, "approval", "approve");
  return release({ ...state, waiting: null }, at, timing);
}

export function reject(state: PaymentState, at: number): PaymentState {
  requireWaiting(state, "approval", "reject");
  return { ...state, steps: [...state.steps, { status: "REPROVADO", at }], waiting: null };
}

export function expire(state: PaymentState, at: number): PaymentState {
  requireWaiting(state, "approval", "expire");
  return { ...state, steps: [...state.steps, { status: "EXPIRADO", at }], waiting: null };
}

export function runScheduled(state: PaymentState, at: number, timing: Timing): PaymentState {
  requireWaiting(state, "schedule", "run a scheduled payment");
  return { ...state, waiting: { kind: "execution", at: at + timing.sentAfterMs }, releasedAt: at };
}

/**
 * The execution, at the instant it was due. A payment without balance (or forced to
 * CANCELADO_SEM_SALDO) is cancelled on the spot and never sent; otherwise it is sent (ENVIADO) and
 * reaches its final status paidAfterMs after release.
 */
export function execute(state: PaymentState, outcome: ExecutionOutcome, timing: Timing): PaymentState {
  requireWaiting(state, "execution", "execute");
  const w = state.waiting as Extract<Waiting, { kind: "execution" }>;
  const at = w.at;
  const finalAt = Math.max(at, (state.releasedAt ?? at) + timing.paidAfterMs);
  const cancelled =
    outcome.kind === "no-balance" || (outcome.kind === "forced" && outcome.status === "CANCELADO_SEM_SALDO");
  if (cancelled) {
    return { ...state, steps: [...state.steps, { status: "CANCELADO_SEM_SALDO", at }], waiting: null };
  }
  const final: PixStatus = outcome.kind === "forced" ? outcome.status : "PAGO";
  return {
    ...state,
    steps: [...state.steps, { status: "ENVIADO", at }, { status: final, at: finalAt }],
    waiting: null,
  };
}

/** Status at `now`: the last step at or before it (the first step is always at creation). */
export function statusAt(state: PaymentState, now: number): PixStatus {
  let status: PixStatus = "CRIADO";
  for (const step of state.steps) {
    if (step.at > now) break;
    status = step.status;
  }
  return status;
}

/** Steps that have happened by `now`. */
export function stepsUntil(state: PaymentState, now: number): Step[] {
  return state.steps.filter((s) => s.at <= now);
}

/** The final step, when it is decided (it may lie in the future). */
export function finalStep(state: PaymentState): Step | undefined {
  const last = state.steps[state.steps.length - 1];
  return last && isFinalStatus(last.status) ? last : undefined;
}

/** The execution step (ENVIADO), when decided. */
export function sentStep(state: PaymentState): Step | undefined {
  return state.steps.find((s) => s.status === "ENVIADO");
}
