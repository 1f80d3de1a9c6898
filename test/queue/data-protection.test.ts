// Data protection (docs/operating/data-protection.md): recipients encrypted at rest (AES-256-GCM, key ids for
// rotation, paymentId as AAD), plain jobs refused when encryption is required, no personal data in any captured
// output, and retention: jobs removed after their age while a payment's idempotency record keeps refusing a
// re-enqueue.
import { randomBytes, randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { masters, type RedisClient } from "../../src/redis/connections.js";
import { describe, expect, it } from "vitest";
import { loadDataSettings } from "../../src/config.js";
import {
  decryptRecipient,
  encryptRecipient,
  parseDataKeys,
  type DataKeyring,
} from "../../src/payments/recipient-crypto.js";
import { plainFingerprint } from "../../src/queue/job-data.js";
import { paymentRecordKey } from "../../src/queue/payment-record.js";
import { runCli } from "../helpers/cli.js";
import { startPipeline } from "../helpers/pipeline.js";

const K1 = randomBytes(32).toString("base64");
const K2 = randomBytes(32).toString("base64");
const K9 = randomBytes(32).toString("base64");
const id = (): string => `dp-${randomUUID().slice(0, 12)}`;

// Personal data that must never appear in full outside the encrypted job data.
const EMAIL = "quintino.pii@example.com";
const CPF = "52998224725";
const NAME = "Maria Aparecida Quintino";
const ACCOUNT = "48151623";
const PII = [EMAIL, CPF, NAME, ACCOUNT];

const keyPayment = (paymentId: string, amount = "1.00") => ({
  paymentId,
  amount,
  recipient: { type: "key", key: EMAIL },
});
const bankPayment = (paymentId: string) => ({
  paymentId,
  amount: "2.50",
  recipient: {
    type: "bank",
    ispb: "00416968",
    branch: "0001",
    account: ACCOUNT,
    accountType: "CONTA_CORRENTE",
    document: CPF,
    name: NAME,
  },
});

const ring = (writeKid: string | undefined, entries: Record<string, string>): DataKeyring => ({
  keys: new Map(Object.entries(entries).map(([k, v]) => [k, Buffer.from(v, "base64")])),
  ...(writeKid === undefined ? {} : { writeKid }),
});

/** Every value stored under a prefix, whatever its type, as text. */
async function dumpKeys(client: RedisClient, patterns: string[]): Promise<string> {
  const out: string[] = [];
  for (const pattern of patterns) {
    for (const redis of masters(client))
      for (const key of await redis.keys(pattern)) {
        const type = await redis.type(key);
        if (type === "string") out.push(String(await redis.get(key)));
        else if (type === "hash") out.push(JSON.stringify(await redis.hgetall(key)));
        else if (type === "list") out.push(JSON.stringify(await redis.lrange(key, 0, -1)));
        else if (type === "set") out.push(JSON.stringify(await redis.smembers(key)));
        else if (type === "zset") out.push(JSON.stringify(await redis.zrange(key, 0, -1)));
        else if (type === "stream") out.push(JSON.stringify(await redis.xrange(key, "-", "+")));
      }
  }
  return out.join("\n");
}

describe("recipient encryption (pure)", () => {
  it("round-trips, binds the paymentId, rotates by key id", () => {
    const r = { type: "key", key: EMAIL };
    const both = ring("k2", { k1: K1, k2: K2 });
    const sealed = encryptRecipient(r, "pay-1", both);
    expect(sealed).toMatchObject({ encrypted: "v1", kid: "k2" });
    expect(JSON.stringify(sealed)).not.toContain("quintino");
    expect(decryptRecipient(sealed, "pay-1", both)).toEqual({ ok: true, recipient: r });
    // Moved to another payment: the tag does not verify.
    expect(decryptRecipient(sealed, "pay-2", both)).toMatchObject({ ok: false, why: "unreadable" });
    // Altered: refused.
    expect(decryptRecipient({ ...sealed, data: Buffer.from("x").toString("base64") }, "pay-1", both)).toMatchObject({
      ok: false,
      why: "unreadable",
    });
    // An old key still decrypts after the write key moved on; a key that is not here is named.
    const old = encryptRecipient(r, "pay-1", ring("k1", { k1: K1 }));
    expect(decryptRecipient(old, "pay-1", both)).toEqual({ ok: true, recipient: r });
    const unknown = decryptRecipient(old, "pay-1", ring("k2", { k2: K2 }));
    expect(unknown).toMatchObject({ ok: false, why: "unknown-key" });
    expect(unknown.ok ? "" : unknown.message).toContain('"k1"');
  });

  it("checks PIXOUT_DATA_KEYS without echoing key material", () => {
    const { problems } = parseDataKeys(`k1:${K1},k2:c2hvcnQ=,bad key:${K2},k1:${K2}`);
    expect(problems).toHaveLength(3);
    for (const p of problems) for (const k of [K1, K2, "c2hvcnQ="]) expect(p).not.toContain(k);
    expect(() => loadDataSettings({ PIXOUT_DATA_KEYS: `k1:${K1}`, PIXOUT_DATA_KEY_ID: "k2" })).toThrow(
      /PIXOUT_DATA_KEY_ID: names "k2"/,
    );
    expect(() => loadDataSettings({ PIXOUT_KEEP_FAILED_DAYS: "500" })).toThrow(
      /PIXOUT_IDEMPOTENCY_DAYS: must be at least/,
    );
    expect(loadDataSettings({})).toMatchObject({
      keepCompletedDays: 30,
      keepFailedDays: 90,
      idempotencyDays: 400,
      requireEncryption: false,
    });
  });
});

describe("data protection in the pipeline", async () => {
  const dataEnv = {
    PIXOUT_DATA_KEYS: `k2:${K2},k1:${K1}`,
    PIXOUT_DATA_KEY_ID: "k2",
    PIXOUT_REQUIRE_ENCRYPTION: "true",
    // Outcome events are queued in Redis (and scanned below); nothing listens there, so they stay queued.
    PIXOUT_NOTIFY_URL: "http://127.0.0.1:9/pixout-events",
    PIXOUT_NOTIFY_SECRETS: "http://127.0.0.1:9=data-protection-test-secret",
  };
  const p = await startPipeline({ env: dataEnv });
  const { producer, emulator } = p;
  const prefix = `{${p.config.redisPrefix}}`;
  const keyring = p.config.data.dataKeys;
  const raw = new Queue(p.config.queueName, { connection: p.redis, prefix });

  it("stores the recipient encrypted, pays it, never writes it back plain; a plain re-enqueue of it is the same payment", async () => {
    const [a, b] = [id(), id()];
    expect((await producer.enqueue(keyPayment(a))).status).toBe("accepted");
    expect((await producer.enqueue(bankPayment(b))).status).toBe("accepted");
    const stored = JSON.parse((await p.redis.hget(`${prefix}:${p.config.queueName}:payment-${a}`, "data")) ?? "{}") as {
      recipient: Record<string, unknown>;
    };
    expect(Object.keys(stored.recipient).sort()).toEqual(["data", "encrypted", "iv", "kid", "tag"]);
    expect(stored.recipient).toMatchObject({ encrypted: "v1", kid: "k2" });
    for (const pid of [a, b]) expect((await producer.waitForResult(pid, { timeoutMs: 15_000 })).outcome).toBe("paid");
    for (const pid of [a, b]) {
      const job = await raw.getJob(`payment-${pid}`);
      expect((job?.data as { recipient: { encrypted?: string } }).recipient.encrypted).toBe("v1");
      expect(JSON.stringify(job?.data)).not.toMatch(/quintino|52998224725|48151623/i);
    }
    // The same payment (plain, as given) compares equal to the encrypted job; other data does not.
    expect(await producer.enqueue(keyPayment(a))).toMatchObject({ status: "duplicate", sameData: true });
    expect(await producer.enqueue(keyPayment(a, "9.99"))).toMatchObject({ status: "duplicate", sameData: false });
    expect(plainFingerprint((await raw.getJob(`payment-${b}`))?.data, keyring)).toBeDefined();
    // The emulator (the bank) got the real recipient.
    expect(emulator.ledger.snapshot().executions.byIdempotencyKey[(await producer.get(b))?.idempotencyKey ?? ""]).toBe(
      1,
    );
  });

  it("decrypts a recipient written under an older key that is still listed", async () => {
    const a = id();
    const data = { ...keyPayment(a), recipient: encryptRecipient(keyPayment(a).recipient, a, ring("k1", { k1: K1 })) };
    await raw.add("payout", data, { jobId: `payment-${a}` });
    expect((await producer.waitForResult(a, { timeoutMs: 15_000 })).outcome).toBe("paid");
  });

  it("refuses, with the reason and nothing sent: a plain recipient (encryption required), a recipient moved from another payment; a key this worker lacks makes it wait", async () => {
    const before = emulator.ledger.snapshot().executions.total;
    const [plain, unknown, moved] = [id(), id(), id()];
    // (Another key: this plain job stays in Redis as its producer wrote it, outside the scan below.)
    await raw.add(
      "payout",
      { ...keyPayment(plain), recipient: { type: "key", key: "other.producer@example.com" } },
      { jobId: `payment-${plain}` },
    );
    const k9 = {
      ...keyPayment(unknown),
      recipient: encryptRecipient(keyPayment(unknown).recipient, unknown, ring("k9", { k9: K9 })),
    };
    await raw.add("payout", k9, { jobId: `payment-${unknown}` });
    const other = {
      ...keyPayment(moved),
      recipient: encryptRecipient(keyPayment(moved).recipient, "someone-else", keyring),
    };
    await raw.add("payout", other, { jobId: `payment-${moved}` });
    const views = await Promise.all([plain, moved].map((pid) => producer.waitForResult(pid, { timeoutMs: 15_000 })));
    for (const v of views) expect(v).toMatchObject({ outcome: "rejected", jobState: "failed" });
    expect(views[0]?.failedReason).toMatch(
      /^invalid payment data: recipient: must be encrypted \(PIXOUT_REQUIRE_ENCRYPTION=true\)/,
    );
    expect(views[1]?.failedReason).toMatch(
      /recipient: could not be decrypted with data key "k2": altered, or encrypted for another paymentId/,
    );
    // A key this worker does not have is a configuration problem: the payment waits, unchanged, for the fix.
    for (let i = 0; i < 100 && (await raw.getJobState(`payment-${unknown}`)) !== "delayed"; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await raw.getJobState(`payment-${unknown}`)).toBe("delayed");
    // It says why it waits: `pixout status` and the dashboard show the missing key.
    expect(await producer.get(unknown)).toMatchObject({
      outcome: "queued",
      lastError: { code: "PIXOUT_DATA_KEY" },
      waitingFor: { why: "data key" },
    });
    expect(p.lines.join("\n")).toMatch(/cannot decrypt this payment's recipient here: it waits; add the data key/);
    expect(emulator.ledger.snapshot().executions.total).toBe(before);
  });

  it("writes the record before the first send: a payment whose job BullMQ fails (or retention removes) mid-way stays refused", async () => {
    const a = id();
    // The send is answered only after 1.5 s: the job is caught between its send and any outcome.
    emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: a,
      fault: { type: "latency", ms: 1_500 },
    });
    await producer.enqueue({ ...keyPayment(a), description: a });
    const recordKey = paymentRecordKey(p.config.redisPrefix, p.config.queueName, a);
    // (`queued` from the job's first run — its claim — until the send.)
    for (let i = 0; i < 100 && (await p.redis.hget(recordKey, "outcome")) !== "pending"; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(await p.redis.hget(recordKey, "outcome")).toBe("pending");
    await producer.waitForResult(a, { timeoutMs: 15_000 });
    // The job gone (as if BullMQ had failed it and retention removed it): the payment is still refused.
    await (await raw.getJob(`payment-${a}`))?.remove();
    expect(await producer.enqueue({ ...keyPayment(a), description: a })).toMatchObject({
      status: "duplicate",
      sameData: true,
    });
  });

  it("keeps a finished payment's idempotency record after its job is removed: a re-enqueue is a duplicate with its outcome", async () => {
    const a = id();
    await producer.enqueue(keyPayment(a));
    const job = await raw.getJob(`payment-${a}`);
    expect(job?.opts).toMatchObject({ removeOnComplete: { age: 30 * 86_400 }, removeOnFail: { age: 90 * 86_400 } });
    const view = await producer.waitForResult(a, { timeoutMs: 15_000 });
    const recordKey = paymentRecordKey(p.config.redisPrefix, p.config.queueName, a);
    const record = await p.redis.hgetall(recordKey);
    expect(record).toMatchObject({ outcome: "paid", generation: "0", codigoSolicitacao: view.codigoSolicitacao });
    expect(record["digest"]).toMatch(/^k2:[0-9a-f]{64}$/);
    const ttl = await p.redis.ttl(recordKey);
    expect(ttl).toBeGreaterThan(399 * 86_400);
    expect(ttl).toBeLessThanOrEqual(400 * 86_400);

    await (await raw.getJob(`payment-${a}`))?.remove();
    expect(await raw.getJob(`payment-${a}`)).toBeUndefined();
    const executions = emulator.ledger.snapshot().executions.total;
    expect(await producer.enqueue(keyPayment(a))).toEqual({
      status: "duplicate",
      paymentId: a,
      jobId: `payment-${a}`,
      sameData: true,
      outcome: "paid",
    });
    expect(await producer.enqueue(keyPayment(a, "3.00"))).toMatchObject({
      status: "duplicate",
      sameData: false,
      outcome: "paid",
    });
    expect(await producer.enqueueMany([keyPayment(a)])).toMatchObject([
      { index: 0, status: "duplicate", outcome: "paid" },
    ]);
    expect(await raw.getJob(`payment-${a}`)).toBeUndefined();
    expect(emulator.ledger.snapshot().executions.total).toBe(executions);
  });

  it("shows no full Pix key, CPF, name or account anywhere: logs, CLI output, status JSON, Redis (jobs, records, notifications)", async () => {
    const [a, b, c] = [id(), id(), id()];
    await producer.enqueue(keyPayment(a));
    await producer.enqueue(bankPayment(b));
    const cliEnv = { ...p.env, LOG_LEVEL: "debug" };
    const pay = await runCli(
      [
        "pay",
        "--id",
        c,
        "--amount",
        "4.00",
        "--ispb",
        "00416968",
        "--branch",
        "0001",
        "--bank-account",
        ACCOUNT,
        "--account-type",
        "CONTA_CORRENTE",
        "--document",
        CPF,
        "--name",
        NAME,
        "--wait",
        "--timeout",
        "30",
        "--json",
      ],
      { env: cliEnv },
    );
    expect(pay.code, pay.stderr).toBe(0);
    const storedC = JSON.parse(
      (await p.redis.hget(`${prefix}:${p.config.queueName}:payment-${c}`, "data")) ?? "{}",
    ) as { recipient: { encrypted?: string } };
    expect(storedC.recipient.encrypted).toBe("v1"); // the CLI encrypts too
    const views = await Promise.all([a, b].map((pid) => producer.waitForResult(pid, { timeoutMs: 15_000 })));
    const statuses = await Promise.all([a, b, c].map((pid) => runCli(["status", pid, "--json"], { env: cliEnv })));
    const human = await runCli(["status", b], { env: cliEnv });
    const captured = [
      p.lines.join("\n"),
      pay.stdout,
      pay.stderr,
      ...statuses.flatMap((s) => [s.stdout, s.stderr]),
      human.stdout,
      human.stderr,
      JSON.stringify(views),
      await dumpKeys(p.redis, [`${prefix}:*`, `${p.config.redisPrefix}:*`]),
    ].join("\n");
    expect(p.lines.length).toBeGreaterThan(0);
    // The outcome events (notification bodies) are among the scanned keys.
    expect(await dumpKeys(p.redis, [`${prefix}:${p.config.queueName}-notifications:*`])).toContain(c);
    expect(statuses.every((s) => s.code === 0)).toBe(true);
    // Where a value is found, say where (the whole capture is too long for a diff).
    const found = [...PII, "quintino"].flatMap((value) => {
      const at = captured.toLowerCase().indexOf(value.toLowerCase());
      return at < 0 ? [] : [`${value} in …${captured.slice(Math.max(0, at - 200), at + 60)}…`];
    });
    expect(found).toEqual([]);
  });
});
