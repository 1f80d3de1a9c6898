// Every path of the payment state machine, through the running emulator (docs/reference/inter-api.md §4.1, §9).
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/emulator.js";
import {
  apiFor,
  body,
  emulatorFor,
  eventually,
  keyPayment,
  manualClock,
  NO_LIMITS,
  saoPauloDateIn,
  SP_MIDNIGHT,
  statusOf,
  type Api,
} from "./support.js";
import { anyString } from "./matchers.js";

const INSTANT = { sentAfterMs: 0, paidAfterMs: 0 };

async function send(api: Api, payload: unknown = keyPayment(1)): Promise<{ codigo: string; tipoRetorno: string }> {
  const res = await api.sendPix(payload);
  expect(res.status, res.text).toBe(200);
  return { codigo: body(res)["codigoSolicitacao"] as string, tipoRetorno: body(res)["tipoRetorno"] as string };
}

function until(api: Api, codigo: string, status: string): Promise<true> {
  return eventually(async () => ((await statusOf(api, codigo)) === status ? true : undefined));
}

function historyOf(emulator: Emulator, codigo: string): string[] {
  return emulator.payment(codigo)?.history.map((h) => h.status) ?? [];
}

describe("normal execution", () => {
  it("plans ENVIADO and PAGO at the configured offsets and records each step", async () => {
    const emulator = await emulatorFor({ limits: NO_LIMITS, timing: { sentAfterMs: 40, paidAfterMs: 120 } });
    const api = apiFor(emulator);
    const { codigo, tipoRetorno } = await send(api);
    expect(tipoRetorno).toBe("PROCESSADO");
    expect(["APROVADO", "ENVIADO", "PAGO"]).toContain(await statusOf(api, codigo));
    await until(api, codigo, "PAGO");
    const history = emulator.payment(codigo)?.history ?? [];
    expect(history.map((h) => [h.status, h.historico])).toEqual([
      ["CRIADO", "TRANSACAO_CRIADA"],
      ["APROVADO", "TRANSACAO_APROVADA"],
      ["ENVIADO", "PIX_ENVIADO"],
      ["PAGO", "PIX_PAGO"],
    ]);
    const at = history.map((h) => Date.parse(h.at));
    expect((at[2] ?? 0) - (at[1] ?? 0)).toBe(40);
    expect((at[3] ?? 0) - (at[1] ?? 0)).toBe(120);
  });
});

describe("balance", () => {
  it("a payment larger than the balance at execution ends CANCELADO_SEM_SALDO and debits nothing", async () => {
    const emulator = await emulatorFor({ limits: NO_LIMITS, timing: INSTANT, balanceCents: 1000 });
    const api = apiFor(emulator);
    const first = await send(api, keyPayment(6));
    expect(emulator.payment(first.codigo)).toMatchObject({ status: "PAGO", debited: true });
    const second = await send(api, keyPayment(6));
    const tx = body(await api.getPix(second.codigo))["transacaoPix"] as Record<string, unknown>;
    expect(tx["status"]).toBe("CANCELADO_SEM_SALDO");
    expect(tx["erros"]).toEqual([
      { codigoErro: "SALDO_INSUFICIENTE", descricaoErro: anyString(), codigoErroComplementar: "AM04" },
    ]);
    expect(tx["endToEnd"]).toBeUndefined();
    expect(historyOf(emulator, second.codigo)).toEqual(["CRIADO", "APROVADO", "CANCELADO_SEM_SALDO"]);
    expect(emulator.ledger.snapshot().payments).toMatchObject({
      balanceCents: 400,
      debitedCents: 600,
      byStatus: { PAGO: 1, CANCELADO_SEM_SALDO: 1 },
    });

    emulator.setBalance(10_000);
    expect(emulator.payment((await send(api, keyPayment(6))).codigo)?.status).toBe("PAGO");
    expect((await api.admin("POST", "/balance", { balanceCents: 0 })).json).toEqual({ balanceCents: 0 });
    expect(emulator.payment((await send(api, keyPayment(0.01))).codigo)?.status).toBe("CANCELADO_SEM_SALDO");
    expect((await api.admin("POST", "/balance", { balanceCents: -1 })).status).toBe(400);
  });

  it("checks the balance at each payment's own execution instant, in order", async () => {
    const emulator = await emulatorFor({
      limits: NO_LIMITS,
      timing: { sentAfterMs: 50, paidAfterMs: 60 },
      balanceCents: 1000,
    });
    const api = apiFor(emulator);
    const a = await send(api, keyPayment(7));
    const b = await send(api, keyPayment(7));
    await until(api, b.codigo, "CANCELADO_SEM_SALDO");
    // a executed first (it was due first) and took the money, whatever order the GETs came in.
    expect(emulator.payment(a.codigo)?.debited).toBe(true);
    await until(api, a.codigo, "PAGO");
    expect(emulator.ledger.snapshot().payments).toMatchObject({ balanceCents: 300, debitedCents: 700 });
  });
});

describe("approval", () => {
  it("APROVACAO → AGUARDANDO_APROVACAO → approve → PAGO", async () => {
    const emulator = await emulatorFor({ limits: NO_LIMITS, timing: INSTANT, approval: { required: true } });
    const api = apiFor(emulator);
    const { codigo, tipoRetorno } = await send(api);
    expect(tipoRetorno).toBe("APROVACAO");
    expect(await statusOf(api, codigo)).toBe("AGUARDANDO_APROVACAO");
    expect(emulator.payment(codigo)).toMatchObject({ waitingFor: "approval", debited: false });
    emulator.approve(codigo);
    expect(await statusOf(api, codigo)).toBe("PAGO");
    expect(historyOf(emulator, codigo)).toEqual(["CRIADO", "AGUARDANDO_APROVACAO", "APROVADO", "ENVIADO", "PAGO"]);
    expect(() => {
      emulator.approve(codigo);
    }).toThrow(/cannot approve/);
  });

  it("reject → REPROVADO and expire → EXPIRADO, both final, nothing debited", async () => {
    const emulator = await emulatorFor({ limits: NO_LIMITS, timing: INSTANT, approval: { required: true } });
    const api = apiFor(emulator);
    const r = await send(api);
    emulator.reject(r.codigo);
    expect(await statusOf(api, r.codigo)).toBe("REPROVADO");
    const e = await send(api);
    emulator.expire(e.codigo);
    expect(await statusOf(api, e.codigo)).toBe("EXPIRADO");
    expect(emulator.ledger.snapshot().payments).toMatchObject({
      debitedCents: 0,
      byStatus: { REPROVADO: 1, EXPIRADO: 1 },
    });
    expect(() => {
      emulator.approve("8d2c3a52-6f0e-4c52-9a66-1f0c1b0c2d3e");
    }).toThrow(/no payment/);
  });

  it("through the admin endpoints: approve, reject, expire; 409 when it does not apply, 404 when unknown", async () => {
    const emulator = await emulatorFor({ limits: NO_LIMITS, timing: INSTANT, approval: { required: true } });
    const api = apiFor(emulator);
    const a = await send(api);
    const approved = await api.admin("POST", `/payments/${a.codigo}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ codigoSolicitacao: a.codigo, status: "PAGO" });
    expect((await api.admin("POST", `/payments/${a.codigo}/reject`)).status).toBe(409);
    const b = await send(api);
    expect((await api.admin("POST", `/payments/${b.codigo}/reject`)).json).toMatchObject({ status: "REPROVADO" });
    const c = await send(api);
    expect((await api.admin("POST", `/payments/${c.codigo}/expire`)).json).toMatchObject({ status: "EXPIRADO" });
    expect((await api.admin("POST", "/payments/8d2c3a52-6f0e-4c52-9a66-1f0c1b0c2d3e/approve")).status).toBe(404);
    expect((await api.admin("GET", `/payments/${c.codigo}`)).json).toMatchObject({ status: "EXPIRADO", final: true });
  });

  it("automatic decisions and the approval window", async () => {
    const autoApprove = await emulatorFor({
      limits: NO_LIMITS,
      timing: INSTANT,
      approval: { required: true, autoDecision: "approve", autoAfterMs: 30 },
    });
    const aapi = apiFor(autoApprove);
    await until(aapi, (await send(aapi)).codigo, "PAGO");

    const autoReject = await emulatorFor({
      limits: NO_LIMITS,
      timing: INSTANT,
      approval: { required: true, autoDecision: "reject", autoAfterMs: 30 },
    });
    const rapi = apiFor(autoReject);
    await until(rapi, (await send(rapi)).codigo, "REPROVADO");

    const expiring = await emulatorFor({
      limits: NO_LIMITS,
      timing: { ...INSTANT, approvalExpiresAfterMs: 30 },
      approval: { required: true },
    });
    const eapi = apiFor(expiring);
    await until(eapi, (await send(eapi)).codigo, "EXPIRADO");
  });
});

describe("scheduled payments", () => {
  // Two days ahead, so that a run at 00:00 of the date cannot happen while these tests run.
  const later = (): string => saoPauloDateIn(2);

  it("run by themselves at 00:00 São Paulo of their dataPagamento (scheduledRunsAfterMs null, the default)", async () => {
    const clock = manualClock(SP_MIDNIGHT - 10 * 60_000); // 23:50 on 27 Nov 2026
    const emulator = await emulatorFor({
      limits: NO_LIMITS,
      timing: { sentAfterMs: 100, paidAfterMs: 300 },
      tokenTtlSeconds: 3 * 86_400,
      clock,
    });
    const api = apiFor(emulator);
    const due = await send(api, keyPayment(1, "a@example.com", { dataPagamento: "2026-11-28" }));
    const dayAfter = await send(api, keyPayment(1, "a@example.com", { dataPagamento: "2026-11-29" }));
    expect([due.tipoRetorno, dayAfter.tipoRetorno]).toEqual(["AGENDADO", "AGENDADO"]);
    clock.set(SP_MIDNIGHT - 1); // 23:59:59.999
    expect(await statusOf(api, due.codigo)).toBe("AGENDADO");
    clock.set(SP_MIDNIGHT + 100);
    expect(await statusOf(api, due.codigo)).toBe("ENVIADO");
    clock.set(SP_MIDNIGHT + 300);
    expect(await statusOf(api, due.codigo)).toBe("PAGO");
    expect(emulator.payment(due.codigo)?.history.map((h) => [h.status, h.at])).toEqual([
      ["CRIADO", "2026-11-28T02:50:00.000Z"],
      ["APROVADO", "2026-11-28T02:50:00.000Z"],
      ["AGENDADO", "2026-11-28T02:50:00.000Z"],
      ["ENVIADO", "2026-11-28T03:00:00.100Z"],
      ["PAGO", "2026-11-28T03:00:00.300Z"],
    ]);
    expect(await statusOf(api, dayAfter.codigo)).toBe("AGENDADO");
    clock.set(SP_MIDNIGHT + 86_400_000 + 300);
    expect(await statusOf(api, dayAfter.codigo)).toBe("PAGO");
  });

  it("AGENDADO until runScheduled, then executed", async () => {
    const emulator = await emulatorFor({ limits: NO_LIMITS, timing: INSTANT });
    const api = apiFor(emulator);
    const { codigo, tipoRetorno } = await send(api, keyPayment(1, "a@example.com", { dataPagamento: later() }));
    expect(tipoRetorno).toBe("AGENDADO");
    expect(await statusOf(api, codigo)).toBe("AGENDADO");
    expect(emulator.payment(codigo)?.waitingFor).toBe("schedule");
    emulator.runScheduled(codigo);
    expect(await statusOf(api, codigo)).toBe("PAGO");
    expect(historyOf(emulator, codigo)).toEqual(["CRIADO", "APROVADO", "AGENDADO", "ENVIADO", "PAGO"]);
    const other = await send(api, keyPayment(1, "a@example.com", { dataPagamento: later() }));
    expect((await api.admin("POST", `/payments/${other.codigo}/run`)).json).toMatchObject({ status: "PAGO" });
    expect((await api.admin("POST", `/payments/${other.codigo}/run`)).status).toBe(409);
  });

  it("runs by itself after scheduledRunsAfterMs when set (tests, demo), whatever its date", async () => {
    const emulator = await emulatorFor({ limits: NO_LIMITS, timing: { ...INSTANT, scheduledRunsAfterMs: 30 } });
    const api = apiFor(emulator);
    const { codigo } = await send(api, keyPayment(1, "a@example.com", { dataPagamento: later() }));
    await until(api, codigo, "PAGO");
  });

  it("with approval: APROVACAO first, then AGENDADO", async () => {
    const emulator = await emulatorFor({ limits: NO_LIMITS, timing: INSTANT, approval: { required: true } });
    const api = apiFor(emulator);
    const { codigo, tipoRetorno } = await send(api, keyPayment(1, "a@example.com", { dataPagamento: later() }));
    expect(tipoRetorno).toBe("APROVACAO");
    emulator.approve(codigo);
    expect(await statusOf(api, codigo)).toBe("AGENDADO");
    emulator.runScheduled(codigo);
    expect(await statusOf(api, codigo)).toBe("PAGO");
  });
});
