// The package as a user gets it: packed (`npm pack`), installed from the tarball into an empty project, then
// both entry points imported by node and typechecked by tsc as the user's code would, and the command run.
// `npm test` builds dist/ first; the pack skips prepack so that it never rebuilds dist/ under the other tests.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/temp-dir.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 240_000 });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${stdout ?? ""}\n${stderr ?? ""}`);
  }
}

// What a user writes: the producer's side from `pixout`, the emulator and its certificates from
// `pixout/emulator`, with types that must be the real ones (an `any` would let the wrong lines below pass).
const USER_TS = `
import {
  createPayoutProducer,
  parseDataKeys,
  validatePayment,
  verifySignature,
  PaymentValidationError,
  RedisUnavailableError,
  WaitTimeoutError,
  type DataKeyring,
  type EnqueueResult,
  type PaymentEvent,
  type ProducerOptions,
  type RetryOptions,
} from "pixout";
import {
  DEV_INTEGRATION,
  generateDevCertificateSet,
  startEmulator,
  type Emulator,
  type EmulatorOptions,
  type FaultRule,
} from "pixout/emulator";

const parsed = parseDataKeys("k1:" + Buffer.alloc(32).toString("base64"));
const dataKeys: DataKeyring = { keys: parsed.keys, writeKid: "k1" };
const options: ProducerOptions = { connection: "redis://127.0.0.1:6379", dataKeys };
export const producer = createPayoutProducer(options);
export const retry: RetryOptions = { actor: "ops", reason: "the bank was down" };
export async function enqueue(): Promise<string> {
  const result: EnqueueResult = await producer.enqueue({ paymentId: "p1", amount: "1.00" });
  return result.status;
}
const checked = validatePayment({});
export const issues: number = checked.ok ? 0 : checked.issues.length;
export const verified: boolean = verifySignature("{}", "t=1,v1=00", "secret").ok;
export const errors = [PaymentValidationError, RedisUnavailableError, WaitTimeoutError];
export function outcome(event: PaymentEvent): string {
  return event.type;
}
const certs = generateDevCertificateSet({ days: 2 });
const emulatorOptions: EmulatorOptions = {
  tls: { cert: certs.server.certPem, key: certs.server.keyPem, ca: certs.ca.certPem },
  integration: { ...DEV_INTEGRATION, scopes: [...DEV_INTEGRATION.scopes], accounts: ["1"] },
};
export const fault: FaultRule = { method: "POST", path: "/banking/v2/pix", times: 1, fault: { type: "status", status: 503 } };
export const started: Promise<Emulator> = startEmulator(emulatorOptions);
// @ts-expect-error not part of the package's surface
export { loadConfig } from "pixout";
// @ts-expect-error a connection is a URL, a description of a Redis set, or a client
export const wrong: ProducerOptions = { connection: 6379 };
`;

const USER_MJS = `
import * as sdk from "pixout";
import * as emulator from "pixout/emulator";
for (const name of ["createPayoutProducer", "validatePayment", "verifySignature", "parseDataKeys", "jobIdFor"])
  if (typeof sdk[name] !== "function") throw new Error("pixout lacks " + name);
for (const name of ["loadConfig", "createBank", "createLogger"])
  if (name in sdk) throw new Error("pixout exports " + name);
const certs = emulator.generateDevCertificateSet({ days: 2 });
const bank = await emulator.startEmulator({
  tls: { cert: certs.server.certPem, key: certs.server.keyPem, ca: certs.ca.certPem },
});
process.stdout.write(JSON.stringify({ url: bank.url, clientId: emulator.DEV_INTEGRATION.clientId, key: sdk.jobIdFor("inv-1") }));
await bank.close();
`;

describe("the packed package, installed into an empty project", () => {
  let project = "";

  beforeAll(() => {
    if (!existsSync(join(root, "dist", "sdk.js")) || !existsSync(join(root, "dist", "emulator", "index.js")))
      throw new Error("dist/ is not built: run npm run build (npm test does)");
    const packs = tempDir("package-pack");
    const [packed] = JSON.parse(
      run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", packs], root),
    ) as { filename: string }[];
    project = join(tempDir("package-install"), "project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    // From the local npm cache where it has the packages (the registry otherwise); no install scripts.
    run(
      "npm",
      [
        "install",
        join(packs, packed?.filename ?? "none"),
        "--prefer-offline",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
      ],
      project,
    );
  }, 300_000);

  it("imports pixout and pixout/emulator with node, and starts the emulator", () => {
    writeFileSync(join(project, "user.mjs"), USER_MJS);
    const out = JSON.parse(run(process.execPath, ["user.mjs"], project)) as Record<string, string>;
    expect(out).toEqual({
      url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/) as unknown,
      clientId: "pixout-dev-client",
      key: "payment-inv-1",
    });
  }, 60_000);

  it("typechecks a user's TypeScript against both entry points", () => {
    writeFileSync(join(project, "user.ts"), USER_TS);
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          // The user's own @types/node; this repository's stands in for it.
          typeRoots: [join(root, "node_modules", "@types")],
          types: ["node"],
        },
        files: ["user.ts"],
      }),
    );
    run(process.execPath, [tsc, "-p", "tsconfig.json"], project);
  }, 120_000);

  it("installs the pixout command, which knows its version", () => {
    expect(run(join(project, "node_modules", ".bin", "pixout"), ["--version"], project).trim()).toBe(version);
  }, 60_000);

  it("ships the files its messages and docs point at", () => {
    for (const file of ["LICENSE", ".env.example", "certs/README.md", "docs/payment.schema.json", "README.md"])
      expect(existsSync(join(project, "node_modules", "pixout", file)), file).toBe(true);
  });
});
