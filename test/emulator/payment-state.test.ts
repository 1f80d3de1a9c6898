// The pure state machine, at explicit instants (no timers, no server).
import { describe, expect, it } from "vitest";
import {
  approve,
  createState,
  dueAt,
  execute,
  expire,
  finalStep,
  reject,
  resolveDue,
  runScheduled,
  scheduledRunAt,
  statusAt,
  stepsUntil,
  TransitionError,
  type PaymentState,
  type Timing,
} from "../../src/emulator/payment-state.js";
import { historyName } from "../../src/emulator/pix-status.js";

const timing: Timing = {
  sentAfterMs: 100,
  paidAfterMs: 300,
  scheduledRunsAfterMs: null,
  approvalExpiresAfterMs: 10_000,
};
const noAuto = { autoDecision: "none" as const, autoAfterMs: 0 };
const pay = () => ({ kind: "pay" as const });

function statuses(s: PaymentState): string[] {
  return s.steps.map((x) => `${x.status}@${x.at}`);
}

describe("payment state machine", () => {
  it("happy path: CRIADO → APROVADO → ENVIADO → PAGO, with Inter's history words", () => {
    let s = createState({ now: 1000, approvalRequired: false, scheduledFor: null, timing, approval: noAuto });
    expect(statusAt(s, 1000)).toBe("APROVADO");
    expect(dueAt(s)).toBe(1100);
    s = resolveDue(s, timing, pay);
    expect(statuses(s)).toEqual(["CRIADO@1000", "APROVADO@1000", "ENVIADO@1100", "PAGO@1300"]);
    expect(statusAt(s, 1099)).toBe("APROVADO");
    expect(statusAt(s, 1100)).toBe("ENVIADO");
    expect(statusAt(s, 1299)).toBe("ENVIADO");
    expect(statusAt(s, 1300)).toBe("PAGO");
    expect(stepsUntil(s, 2000).map((x) => historyName(x.status))).toEqual([
      "TRANSACAO_CRIADA",
      "TRANSACAO_APROVADA",
      "PIX_ENVIADO",
      "PIX_PAGO",
    ]);
    expect(finalStep(s)).toEqual({ status: "PAGO", at: 1300 });
    expect(dueAt(s)).toBeNull();
  });

  it("instant settlement puts every step at creation", () => {
    const t0 = { ...timing, sentAfterMs: 0, paidAfterMs: 0 };
    const s = resolveDue(
      createState({ now: 5, approvalRequired: false, scheduledFor: null, timing: t0, approval: noAuto }),
      t0,
      pay,
    );
    expect(statusAt(s, 5)).toBe("PAGO");
  });

  it("approval: waits, then approve → execution counted from the approval", () => {
    let s = createState({ now: 0, approvalRequired: true, scheduledFor: null, timing, approval: noAuto });
    expect(statusAt(s, 0)).toBe("AGUARDANDO_APROVACAO");
    expect(dueAt(s)).toBe(10_000); // expiry
    s = approve(s, 500, timing);
    expect(statusAt(s, 500)).toBe("APROVADO");
    expect(dueAt(s)).toBe(600);
    s = resolveDue(s, timing, pay);
    expect(statuses(s)).toEqual(["CRIADO@0", "AGUARDANDO_APROVACAO@0", "APROVADO@500", "ENVIADO@600", "PAGO@800"]);
  });

  it("approval: reject → REPROVADO, expire → EXPIRADO, and the automatic decisions", () => {
    const waiting = createState({ now: 0, approvalRequired: true, scheduledFor: null, timing, approval: noAuto });
    expect(finalStep(reject(waiting, 10))).toEqual({ status: "REPROVADO", at: 10 });
    expect(finalStep(expire(waiting, 20))).toEqual({ status: "EXPIRADO", at: 20 });
    expect(finalStep(resolveDue(waiting, timing, pay))).toEqual({ status: "EXPIRADO", at: 10_000 });

    const autoReject = createState({
      now: 0,
      approvalRequired: true,
      scheduledFor: null,
      timing,
      approval: { autoDecision: "reject", autoAfterMs: 50 },
    });
    expect(dueAt(autoReject)).toBe(50);
    expect(finalStep(resolveDue(autoReject, timing, pay))).toEqual({ status: "REPROVADO", at: 50 });

    const autoApprove = createState({
      now: 0,
      approvalRequired: true,
      scheduledFor: null,
      timing,
      approval: { autoDecision: "approve", autoAfterMs: 50 },
    });
    const approved = resolveDue(autoApprove, timing, pay);
    expect(statusAt(approved, 50)).toBe("APROVADO");
    expect(dueAt(approved)).toBe(150);
  });

  it("scheduled: AGENDADO until 00:00 of its date, then execution counted from the run", () => {
    const midnight = 86_400_000; // the instant 00:00 São Paulo of dataPagamento stands for
    let s = createState({ now: 0, approvalRequired: false, scheduledFor: midnight, timing, approval: noAuto });
    expect(statusAt(s, 0)).toBe("AGENDADO");
    expect(s.waiting).toEqual({ kind: "schedule", runAt: midnight });
    expect(dueAt(s)).toBe(midnight);
    s = resolveDue(s, timing, pay); // the run
    expect(dueAt(s)).toBe(midnight + 100);
    s = resolveDue(s, timing, pay); // the execution
    expect(statuses(s)).toEqual([
      "CRIADO@0",
      "APROVADO@0",
      "AGENDADO@0",
      `ENVIADO@${midnight + 100}`,
      `PAGO@${midnight + 300}`,
    ]);
    expect(statusAt(s, midnight + 99)).toBe("AGENDADO");
    expect(statusAt(s, midnight + 300)).toBe("PAGO");
  });

  it("scheduled: runScheduled() runs it early; scheduledRunsAfterMs overrides the date", () => {
    let s = createState({ now: 0, approvalRequired: false, scheduledFor: 86_400_000, timing, approval: noAuto });
    s = runScheduled(s, 1000, timing);
    expect(dueAt(s)).toBe(1100);
    s = resolveDue(s, timing, pay);
    expect(statusAt(s, 1050)).toBe("AGENDADO");
    expect(statusAt(s, 1300)).toBe("PAGO");

    const fast = { ...timing, scheduledRunsAfterMs: 40 };
    const auto = createState({
      now: 0,
      approvalRequired: false,
      scheduledFor: 86_400_000,
      timing: fast,
      approval: noAuto,
    });
    expect(dueAt(auto)).toBe(40);
    expect(scheduledRunAt(86_400_000, 10, fast)).toBe(50);
  });

  it("scheduled with approval: approved before its date waits for it; approved on or after it runs at once", () => {
    const midnight = 86_400_000;
    const waiting = createState({
      now: 0,
      approvalRequired: true,
      scheduledFor: midnight,
      timing: { ...timing, approvalExpiresAfterMs: 2 * midnight },
      approval: noAuto,
    });
    expect(dueAt(approve(waiting, 500, timing))).toBe(midnight);
    expect(dueAt(approve(waiting, midnight + 5000, timing))).toBe(midnight + 5000);
    expect(scheduledRunAt(midnight, 500, timing)).toBe(midnight);
    expect(scheduledRunAt(midnight, midnight + 5000, timing)).toBe(midnight + 5000);
  });

  it("execution without balance → CANCELADO_SEM_SALDO at once, never ENVIADO", () => {
    const s = createState({ now: 0, approvalRequired: false, scheduledFor: null, timing, approval: noAuto });
    const done = resolveDue(s, timing, () => ({ kind: "no-balance" }));
    expect(statuses(done)).toEqual(["CRIADO@0", "APROVADO@0", "CANCELADO_SEM_SALDO@100"]);
  });

  it("forced final statuses: sent, then the failure at the final instant", () => {
    const s = createState({ now: 0, approvalRequired: false, scheduledFor: null, timing, approval: noAuto });
    for (const status of ["FALHA", "NAO_DEBITADO", "CANCELADO", "AGENDAMENTO_CANCELADO"] as const) {
      const done = execute(s, { kind: "forced", status }, timing);
      expect(statuses(done)).toEqual(["CRIADO@0", "APROVADO@0", "ENVIADO@100", `${status}@300`]);
    }
    const noMoney = execute(s, { kind: "forced", status: "CANCELADO_SEM_SALDO" }, timing);
    expect(finalStep(noMoney)).toEqual({ status: "CANCELADO_SEM_SALDO", at: 100 });
  });

  it("refuses transitions that do not apply", () => {
    const plain = createState({ now: 0, approvalRequired: false, scheduledFor: null, timing, approval: noAuto });
    expect(() => approve(plain, 1, timing)).toThrow(TransitionError);
    expect(() => reject(plain, 1)).toThrow(/cannot reject/);
    expect(() => runScheduled(plain, 1, timing)).toThrow(TransitionError);
    const paid = resolveDue(plain, timing, pay);
    expect(() => execute(paid, { kind: "pay" }, timing)).toThrow(TransitionError);
    expect(() => resolveDue(paid, timing, pay)).toThrow(TransitionError);
  });
});
