// Fault rules: the knobs that make the emulator misbehave the way a real bank and network can
// (docs/reference/inter-api.md §9 last bullet). Rules are checked in order for every Inter request (never for the
// /_emulator admin routes); random decisions come from the emulator's seeded PRNG.
//
// Each fault acts at one moment of the request:
//   latency                         — delays the request, then evaluation goes on (latencies add up);
//   status, rate-limit, reset-before, unauthorized-empty
//                                   — "before": answered instead of executing anything;
//   reset-after, timeout-after, garbled-200
//                                   — "after": the request is executed, then its answer is lost;
//   unknown-status, approval-required, insufficient-balance, final-status
//                                   — "modifiers": change what the handler does;
//   rewrite                         — a modifier of the answer: after the handler, fields of its JSON body
//                                     are dropped or set (an odd or hostile bank answer).
// At most one before/after fault acts on a request (the first that fires); a rule that would be
// redundant does not fire and does not use up its `times`.
import type { ForcedFinalStatus, PixErrorInput } from "./pix-status.js";
import type { Random } from "./prng.js";

export type Fault =
  | { type: "latency"; ms: number }
  /** Any HTTP status from 300 to 599: Inter's own 5xx, or what a proxy/gateway on the way may answer. */
  | { type: "status"; status: number }
  | { type: "rate-limit"; retryAfterSeconds?: number }
  | { type: "reset-before" }
  | { type: "reset-after" }
  | { type: "timeout-after"; ms?: number }
  | { type: "garbled-200" }
  | { type: "unauthorized-empty" }
  | { type: "unknown-status"; status?: string }
  | { type: "approval-required" }
  | { type: "insufficient-balance" }
  | { type: "final-status"; status: ForcedFinalStatus; erros?: PixErrorInput[] }
  /** Dotted paths of the JSON answer to drop (`omit`), and one to set (`field` to `value`). */
  | { type: "rewrite"; omit?: string[]; field?: string; value?: unknown };

export type FaultType = Fault["type"];

export interface FaultRule {
  /** HTTP method; omitted or "*" = any. */
  method?: string;
  /** Exact path, or a prefix ending in "*" ("*" alone = any). Omitted = any. */
  path?: string;
  /** Only requests whose raw body contains this text. */
  bodyIncludes?: string;
  /** Chance that a matching request is hit (default 1). */
  probability?: number;
  /** Let this many matching requests through before the rule may fire. */
  skip?: number;
  /** Fire at most this many times. */
  times?: number;
  fault: Fault;
}

export type BeforeFault = Extract<Fault, { type: "status" | "rate-limit" | "reset-before" | "unauthorized-empty" }>;
export type AfterFault = Extract<Fault, { type: "reset-after" | "timeout-after" | "garbled-200" }>;

export interface FaultModifiers {
  unknownStatus?: string;
  approvalRequired?: boolean;
  insufficientBalance?: boolean;
  finalStatus?: { status: ForcedFinalStatus; erros?: PixErrorInput[] };
  rewrite?: { omit: string[]; set?: { field: string; value: unknown } };
}

export interface FaultDecision {
  latencyMs: number;
  before?: BeforeFault;
  after?: AfterFault;
  modifiers: FaultModifiers;
  /** Types of the faults that fired, in order (for the ledger). */
  fired: FaultType[];
}

export interface FaultRequest {
  method: string;
  path: string;
  body: string;
}

/** Default text a `unknown-status` fault reports: not one of Inter's 16 statuses. */
const DEFAULT_UNKNOWN_STATUS = "EM_PROCESSAMENTO";

export function pathMatches(pattern: string | undefined, path: string): boolean {
  if (pattern === undefined || pattern === "*") return true;
  if (pattern.endsWith("*")) return path.startsWith(pattern.slice(0, -1));
  return pattern === path;
}

/** Does the rule's filter select this request? (Pure: ignores probability, skip and times.) */
function ruleSelects(rule: FaultRule, req: FaultRequest): boolean {
  if (rule.method !== undefined && rule.method !== "*" && rule.method.toUpperCase() !== req.method) return false;
  if (!pathMatches(rule.path, req.path)) return false;
  if (rule.bodyIncludes !== undefined && !req.body.includes(rule.bodyIncludes)) return false;
  return true;
}

function isBefore(f: Fault): f is BeforeFault {
  return f.type === "status" || f.type === "rate-limit" || f.type === "reset-before" || f.type === "unauthorized-empty";
}

function isAfter(f: Fault): f is AfterFault {
  return f.type === "reset-after" || f.type === "timeout-after" || f.type === "garbled-200";
}

interface ActiveRule {
  rule: FaultRule;
  matched: number;
  fired: number;
}

/** The live rule list of one emulator, with each rule's counters. */
export class FaultEngine {
  #rules: ActiveRule[] = [];
  readonly #random: Random;

  constructor(random: Random, rules: readonly FaultRule[] = []) {
    this.#random = random;
    for (const r of rules) this.add(r);
  }

  add(rule: FaultRule): void {
    this.#rules.push({ rule: structuredClone(rule), matched: 0, fired: 0 });
  }

  clear(): void {
    this.#rules = [];
  }

  list(): FaultRule[] {
    return this.#rules.map((r) => structuredClone(r.rule));
  }

  get size(): number {
    return this.#rules.length;
  }

  /** Decides the faults of one request, updating the rules' counters. */
  decide(req: FaultRequest): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0, modifiers: {}, fired: [] };
    for (const active of this.#rules) {
      const { rule } = active;
      if (!ruleSelects(rule, req)) continue;
      if (!this.#applicable(rule.fault, decision)) continue;
      active.matched += 1;
      if (active.matched <= (rule.skip ?? 0)) continue;
      if (rule.times !== undefined && active.fired >= rule.times) continue;
      const p = rule.probability ?? 1;
      // Only probabilistic rules draw, so adding a certain rule does not shift the random sequence.
      if (p < 1 && !(this.#random() < p)) continue;
      active.fired += 1;
      this.#apply(rule.fault, decision);
    }
    return decision;
  }

  #applicable(f: Fault, d: FaultDecision): boolean {
    if (isBefore(f) || isAfter(f)) return d.before === undefined && d.after === undefined;
    const m = d.modifiers;
    switch (f.type) {
      case "latency":
        return true;
      case "unknown-status":
        return m.unknownStatus === undefined;
      case "approval-required":
        return m.approvalRequired === undefined;
      case "insufficient-balance":
      case "final-status":
        return m.insufficientBalance === undefined && m.finalStatus === undefined;
      case "rewrite":
        return m.rewrite === undefined;
    }
  }

  #apply(f: Fault, d: FaultDecision): void {
    d.fired.push(f.type);
    if (isBefore(f)) {
      d.before = f;
      return;
    }
    if (isAfter(f)) {
      d.after = f;
      return;
    }
    switch (f.type) {
      case "latency":
        d.latencyMs += f.ms;
        return;
      case "unknown-status":
        d.modifiers.unknownStatus = f.status ?? DEFAULT_UNKNOWN_STATUS;
        return;
      case "approval-required":
        d.modifiers.approvalRequired = true;
        return;
      case "insufficient-balance":
        d.modifiers.insufficientBalance = true;
        return;
      case "final-status":
        d.modifiers.finalStatus = f.erros === undefined ? { status: f.status } : { status: f.status, erros: f.erros };
        return;
      case "rewrite":
        d.modifiers.rewrite = {
          omit: f.omit ?? [],
          ...(f.field === undefined ? {} : { set: { field: f.field, value: f.value } }),
        };
        return;
    }
  }
}
