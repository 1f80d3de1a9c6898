// Fault rules: the text syntax, JSON validation, and the engine's matching and counting (pure).
import { describe, expect, it } from "vitest";
import { FaultSpecError, parseFaultRule, validateFaultRule } from "../../src/emulator/fault-spec.js";
import { FaultEngine, pathMatches, type FaultRule } from "../../src/emulator/faults.js";
import { createRandom } from "../../src/emulator/prng.js";

describe("parseFaultRule", () => {
  it("parses the documented examples", () => {
    expect(parseFaultRule("POST /banking/v2/pix reset-after p=0.1 times=5")).toEqual({
      method: "POST",
      path: "/banking/v2/pix",
      probability: 0.1,
      times: 5,
      fault: { type: "reset-after" },
    });
    expect(parseFaultRule("GET /banking/v2/pix/* unknown-status status=EM_ANALISE")).toEqual({
      method: "GET",
      path: "/banking/v2/pix/*",
      fault: { type: "unknown-status", status: "EM_ANALISE" },
    });
    expect(parseFaultRule("* latency ms=200")).toEqual({ fault: { type: "latency", ms: 200 } });
    expect(parseFaultRule("POST /banking/v2/pix insufficient-balance body=Saldo")).toEqual({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: "Saldo",
      fault: { type: "insufficient-balance" },
    });
  });

  it("parses every fault type with its parameters", () => {
    expect(parseFaultRule("/oauth/v2/token status status=503").fault).toEqual({ type: "status", status: 503 });
    // Any status a proxy or gateway between us and Inter may answer, 300 to 599.
    expect(parseFaultRule("POST /banking/v2/pix status status=408").fault).toEqual({ type: "status", status: 408 });
    for (const status of [300, 302, 418, 429, 501, 599]) {
      expect(parseFaultRule(`* status status=${status}`).fault).toEqual({ type: "status", status });
    }
    expect(parseFaultRule("* rate-limit retryAfter=7 skip=2").fault).toEqual({
      type: "rate-limit",
      retryAfterSeconds: 7,
    });
    expect(parseFaultRule("* rate-limit").fault).toEqual({ type: "rate-limit" });
    expect(parseFaultRule("get * reset-before").method).toBe("GET");
    expect(parseFaultRule("* timeout-after ms=50").fault).toEqual({ type: "timeout-after", ms: 50 });
    expect(parseFaultRule("* garbled-200").fault).toEqual({ type: "garbled-200" });
    expect(parseFaultRule("* unauthorized-empty").fault).toEqual({ type: "unauthorized-empty" });
    expect(parseFaultRule("POST /banking/v2/pix approval-required").fault).toEqual({ type: "approval-required" });
    expect(
      parseFaultRule('POST /banking/v2/pix final-status status=FALHA codigo=PIX-001 descricao="Conta encerrada"').fault,
    ).toEqual({
      type: "final-status",
      status: "FALHA",
      erros: [{ codigoErro: "PIX-001", descricaoErro: "Conta encerrada", codigoErroComplementar: "" }],
    });
    expect(parseFaultRule("POST /banking/v2/pix rewrite omit=tipoRetorno,dataPagamento").fault).toEqual({
      type: "rewrite",
      omit: ["tipoRetorno", "dataPagamento"],
    });
    expect(parseFaultRule("GET /banking/v2/pix/* rewrite field=transacaoPix.valor value=999.0").fault).toEqual({
      type: "rewrite",
      field: "transacaoPix.valor",
      value: 999,
    });
    expect(parseFaultRule('* rewrite field=transacaoPix.chave value="outra@example.com"').fault).toEqual({
      type: "rewrite",
      field: "transacaoPix.chave",
      value: "outra@example.com",
    });
  });

  it("refuses bad specs with a message that says what is wrong", () => {
    const bad: [string, RegExp][] = [
      ["", /empty/],
      ["POST /banking/v2/pix", /missing fault name/],
      ["* explode", /unknown fault "explode"/],
      ["* latency", /latency needs ms/],
      ["* latency ms=fast", /ms must be a non-negative integer/],
      ["* latency ms=5 colour=red", /unknown parameter "colour" for fault "latency"/],
      ["* status status=299", /from 300 to 599/],
      ["* status status=600", /from 300 to 599/],
      ["* status", /status needs status=<300-599>/],
      ["* reset-after p=1.5", /p must be a number from 0 to 1/],
      ["* reset-after times=-1", /times must be/],
      ["* final-status status=PAGO", /status/],
      ["* final-status", /final-status needs status=/],
      ['* latency ms="5', /unterminated quote/],
      ["* latency ms=1 ms=2", /given twice/],
      ["* reset-after nonsense", /expected key=value/],
      ["* rewrite", /rewrite needs omit=<fields> or field=<path> value=<json>/],
      ["* rewrite field=transacaoPix.valor", /field and value go together/],
      ["* rewrite omit=a..b", /dotted path/],
      ["* rewrite field=__proto__.polluted value=1", /dotted path/],
      ["* rewrite omit=transacaoPix.constructor", /dotted path/],
    ];
    for (const [spec, message] of bad) {
      expect(() => parseFaultRule(spec), spec).toThrow(FaultSpecError);
      expect(() => parseFaultRule(spec), spec).toThrow(message);
    }
  });

  it("validates JSON rules too", () => {
    expect(validateFaultRule({ path: "/banking/v2/pix", fault: { type: "latency", ms: 5 } })).toEqual({
      path: "/banking/v2/pix",
      fault: { type: "latency", ms: 5 },
    });
    expect(() => validateFaultRule({ fault: { type: "latency" } })).toThrow(/fault\.ms/);
    expect(() => validateFaultRule({ path: "banking", fault: { type: "garbled-200" } })).toThrow(/path/);
    expect(() => validateFaultRule({ fault: { type: "garbled-200" }, extra: 1 })).toThrow(FaultSpecError);
    expect(validateFaultRule({ fault: { type: "status", status: 308 } }).fault).toEqual({
      type: "status",
      status: 308,
    });
    for (const status of [200, 299, 600, 408.5]) {
      expect(() => validateFaultRule({ fault: { type: "status", status } }), String(status)).toThrow(/fault\.status/);
    }
  });
});

describe("FaultEngine", () => {
  const post = { method: "POST", path: "/banking/v2/pix", body: '{"valor":1}' };
  const get = { method: "GET", path: "/banking/v2/pix/abc", body: "" };

  it("matches paths exactly or by prefix", () => {
    expect(pathMatches("/banking/v2/pix", "/banking/v2/pix")).toBe(true);
    expect(pathMatches("/banking/v2/pix", "/banking/v2/pix/abc")).toBe(false);
    expect(pathMatches("/banking/v2/pix/*", "/banking/v2/pix/abc")).toBe(true);
    expect(pathMatches("*", "/anything")).toBe(true);
    expect(pathMatches(undefined, "/anything")).toBe(true);
  });

  it("honours method, path, body, skip and times", () => {
    const engine = new FaultEngine(createRandom(1), [
      {
        method: "POST",
        path: "/banking/v2/pix",
        bodyIncludes: '"valor":1',
        skip: 1,
        times: 2,
        fault: { type: "reset-after" },
      },
    ]);
    expect(engine.decide(get).after).toBeUndefined();
    const fired = [1, 2, 3, 4].map(() => engine.decide(post).after?.type);
    expect(fired).toEqual([undefined, "reset-after", "reset-after", undefined]);
    expect(engine.decide({ ...post, body: '{"valor":2}' }).after).toBeUndefined();
  });

  it("adds latencies, lets one before/after fault act and keeps modifiers", () => {
    const engine = new FaultEngine(createRandom(1), [
      { fault: { type: "latency", ms: 10 } },
      { fault: { type: "latency", ms: 5 } },
      { times: 1, fault: { type: "status", status: 503 } },
      { times: 1, fault: { type: "reset-before" } },
      { fault: { type: "approval-required" } },
    ]);
    const d = engine.decide(post);
    expect(d.latencyMs).toBe(15);
    expect(d.before).toEqual({ type: "status", status: 503 });
    expect(d.modifiers).toEqual({ approvalRequired: true });
    expect(d.fired).toEqual(["latency", "latency", "status", "approval-required"]);
    // The redundant reset-before did not fire, so its single use is still there once status is spent.
    expect(engine.decide(post).before).toEqual({ type: "reset-before" });
    expect(engine.decide(post).before).toBeUndefined();
    engine.clear();
    expect(engine.list()).toEqual([]);
  });

  it("is deterministic for a seed and a request order", () => {
    const rules: FaultRule[] = [{ probability: 0.3, fault: { type: "reset-after" } }];
    const run = (seed: number): string => {
      const engine = new FaultEngine(createRandom(seed), rules);
      return Array.from({ length: 200 }, () => (engine.decide(post).after ? "x" : ".")).join("");
    };
    expect(run(42)).toBe(run(42));
    expect(run(42)).not.toBe(run(43));
    const hits = run(42)
      .split("")
      .filter((c) => c === "x").length;
    expect(hits).toBeGreaterThan(30);
    expect(hits).toBeLessThan(90);
  });
});
