// Throughput benchmark of the Banco Inter emulator.
//
//   npx tsx scripts/bench-emulator.ts [--seconds 5] [--connections 16] [--concurrency 64] [--cpu-prof] [--no-pin]
//
// The emulator runs in its own process pinned to core 0 (`taskset -c 0` when available), with every
// rate limit disabled and instant settlement; this process pins itself to core 1 and drives it over
// keep-alive mutual TLS with undici: POST /banking/v2/pix alone, GET /banking/v2/pix/{id} alone, and a
// 50/50 mix. It prints requests per second per phase and checks the emulator's ledger agrees with
// what the driver counted. Traffic goes to 127.0.0.1 only, and every phase stops by itself.
// `--cpu-prof` writes the emulator's V8 CPU profile to bench-output/ (open it in Chrome DevTools).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import { DEV_INTEGRATION, startEmulator, type LedgerSnapshot } from "../src/emulator/emulator.js";
import { createLogger } from "../src/logger.js";
import { devCertPaths, writeDevCertificates } from "../src/tls/dev-certs.js";

const { values: args } = parseArgs({
  options: {
    serve: { type: "boolean", default: false },
    certs: { type: "string" },
    seconds: { type: "string", default: "5" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "16" },
    concurrency: { type: "string", default: "64" },
    "cpu-prof": { type: "boolean", default: false },
    "no-pin": { type: "boolean", default: false },
  },
});

const read = (path: string): string => readFileSync(path, "utf8");

/** Child mode: run the emulator until SIGTERM. */
async function serve(certDir: string): Promise<void> {
  const paths = devCertPaths(certDir);
  const emulator = await startEmulator({
    tls: { cert: read(paths.serverCert), key: read(paths.serverKey), ca: read(paths.caCert) },
    limits: {
      token: 0,
      send: 0,
      sendPerSecond: 0,
      status: 0,
      webhook: 0,
      callbacks: 0,
      callbackRetry: 0,
      statement: 0,
      balance: 0,
    },
    timing: { sentAfterMs: 0, paidAfterMs: 0 },
    logger: createLogger({ level: "warn", name: "bench" }),
  });
  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdout.write(`READY ${emulator.url}\n`);
}

function hasTaskset(): boolean {
  try {
    execFileSync("taskset", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function startServer(
  certDir: string,
  pin: boolean,
  cpuProf: boolean,
): Promise<{ child: ChildProcess; url: string }> {
  const nodeArgs = ["--import", "tsx"];
  if (cpuProf) {
    mkdirSync("bench-output", { recursive: true });
    nodeArgs.push("--cpu-prof", "--cpu-prof-dir", "bench-output");
  }
  nodeArgs.push(new URL(import.meta.url).pathname, "--serve", "--certs", certDir);
  const [cmd, cmdArgs] = pin ? ["taskset", ["-c", "0", process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const child = spawn(cmd, cmdArgs, { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => {
      reject(new Error(`emulator exited early (${String(code)})`));
    });
    lines.on("line", (line) => {
      if (line.startsWith("READY ")) resolve(line.slice(6));
    });
  });
  return { child, url };
}

interface PhaseResult {
  name: string;
  requests: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
  sends: number;
  gets: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function main(): Promise<void> {
  const seconds = Number(args.seconds);
  const warmup = Number(args.warmup);
  const connections = Number(args.connections);
  const concurrency = Number(args.concurrency);
  const pin = !args["no-pin"] && hasTaskset() && availableParallelism() >= 2;

  const certDir = mkdtempSync(join(tmpdir(), "pixout-bench-certs-"));
  await writeDevCertificates(certDir);
  const paths = devCertPaths(certDir);
  if (pin) execFileSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)], { stdio: "ignore" });
  const { child, url } = await startServer(certDir, pin, args["cpu-prof"]);

  const agent = new Agent({
    connect: { cert: read(paths.clientCert), key: read(paths.clientKey), ca: read(paths.caCert) },
    connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });

  try {
    const tokenRes = await request(`${url}/oauth/v2/token`, {
      method: "POST",
      dispatcher: agent,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        client_id: DEV_INTEGRATION.clientId,
        client_secret: DEV_INTEGRATION.clientSecret,
        grant_type: "client_credentials",
        scope: "pagamento-pix.write pagamento-pix.read",
      }).toString(),
    });
    const token = ((await tokenRes.body.json()) as { access_token: string }).access_token;
    const auth = { authorization: `Bearer ${token}` };
    const postHeaders = { ...auth, "content-type": "application/json" };
    const ids: string[] = [];

    async function send(): Promise<boolean> {
      const res = await request(`${url}/banking/v2/pix`, {
        method: "POST",
        dispatcher: agent,
        headers: { ...postHeaders, "x-id-idempotente": randomUUID() },
        body: JSON.stringify({
          valor: 1.0,
          descricao: "bench",
          destinatario: { tipo: "CHAVE", chave: "fornecedor@example.com" },
        }),
      });
      const payload = (await res.body.json()) as { codigoSolicitacao?: string };
      if (res.statusCode === 200 && payload.codigoSolicitacao && ids.length < 100_000)
        ids.push(payload.codigoSolicitacao);
      return res.statusCode === 200;
    }

    let next = 0;
    async function get(): Promise<boolean> {
      const id = ids[next++ % ids.length] ?? randomUUID();
      const res = await request(`${url}/banking/v2/pix/${id}`, { dispatcher: agent, headers: auth });
      await res.body.dump();
      return res.statusCode === 200;
    }

    async function phase(name: string, durationS: number, pick: (i: number) => "send" | "get"): Promise<PhaseResult> {
      const latencies: number[] = [];
      let errors = 0;
      let sends = 0;
      let gets = 0;
      let counter = 0;
      const started = performance.now();
      const end = started + durationS * 1000;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (performance.now() < end) {
            const kind = pick(counter++);
            const t = performance.now();
            const ok = kind === "send" ? await send() : await get();
            latencies.push(performance.now() - t);
            if (kind === "send") sends++;
            else gets++;
            if (!ok) errors++;
          }
        }),
      );
      const elapsed = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      return {
        name,
        requests: latencies.length,
        errors,
        seconds: elapsed,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        sends,
        gets,
      };
    }

    await phase("warm-up", warmup, (i) => (i % 2 === 0 ? "send" : "get"));
    // The connections were opened during the warm-up: keep their TLS figures before zeroing the ledger.
    const warmLedger = (await (
      await request(`${url}/_emulator/ledger`, { dispatcher: agent })
    ).body.json()) as LedgerSnapshot;
    await request(`${url}/_emulator/reset-ledger`, { method: "POST", dispatcher: agent }).then((r) => r.body.dump());

    const results = [
      await phase("send (POST /banking/v2/pix)", seconds, () => "send"),
      await phase("status (GET /banking/v2/pix/{id})", seconds, () => "get"),
      await phase("mix 50/50", seconds, (i) => (i % 2 === 0 ? "send" : "get")),
    ];

    const ledgerRes = await request(`${url}/_emulator/ledger`, { dispatcher: agent });
    const ledger = (await ledgerRes.body.json()) as LedgerSnapshot;

    console.log(
      `\nBanco Inter emulator throughput — emulator ${pin ? "pinned to core 0 (taskset -c 0)" : "not pinned"}, ` +
        `driver ${pin ? "on core 1" : "unpinned"}; ${connections} keep-alive mTLS connections, ${concurrency} requests in flight; ` +
        `limits off, instant settlement; ${seconds}s per phase`,
    );
    console.log("phase                                  requests   req/s   errors   p50 ms   p99 ms");
    for (const r of results) {
      console.log(
        `${r.name.padEnd(38)} ${String(r.requests).padStart(8)} ${(r.requests / r.seconds).toFixed(0).padStart(7)} ${String(r.errors).padStart(8)} ` +
          `${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)}`,
      );
    }
    const sent = results.reduce((n, r) => n + r.sends, 0);
    const got = results.reduce((n, r) => n + r.gets, 0);
    const serverSends = ledger.requests["POST /banking/v2/pix"]?.total ?? 0;
    const serverGets = ledger.requests["GET /banking/v2/pix/{id}"]?.total ?? 0;
    console.log(
      `ledger: ${serverSends} sends (driver ${sent}), ${serverGets} status queries (driver ${got}), ` +
        `${ledger.executions.total} executions, keys executed twice: ${ledger.executions.keysExecutedMoreThanOnce}, ` +
        `TLS connections over the whole run ${warmLedger.tls.connections + ledger.tls.connections} ` +
        `(full handshakes ${warmLedger.tls.handshakes.full + ledger.tls.handshakes.full}, ` +
        `resumed ${warmLedger.tls.handshakes.resumed + ledger.tls.handshakes.resumed})`,
    );
    const agree = serverSends === sent && serverGets === got && ledger.executions.total === sent;
    console.log(agree ? "ledger agrees with the driver" : "WARNING: ledger and driver disagree");
    if (!agree) process.exitCode = 1;
  } finally {
    await agent.close();
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    rmSync(certDir, { recursive: true, force: true });
    if (args["cpu-prof"]) console.log("CPU profile written to bench-output/");
  }
}

if (args.serve) {
  if (!args.certs) throw new Error("--serve needs --certs DIR");
  await serve(args.certs);
} else {
  await main();
}
