// Every write a payout run makes to its job and to its payment's record, fenced by the job's lock: each is
// one Lua step that first checks that the run still holds the job (BullMQ's lock key holds this run's
// token). A run whose lock expired — a frozen Redis link, a paused process — and whose job another worker
// took cannot write anything any more: not its state, not the record, and not the mark that lets it send.
// (BullMQ's own updateData does not check the lock.)
//
// The payment's record (src/queue/payment-record.ts) is also the gate of a payment's life:
// - `claim`: a job's first run claims the record with a random claim id, written into the job's state in
//   the same step. A later run trusts the state only when its claim is the record's. A job without a
//   claim whose payment already has a record is another job for the same payment (a producer re-enqueued
//   it after retention removed the first): it sends nothing. A state or audit a producer wrote into a new
//   job carries no claim the record knows: refused.
// - `pending`: right before a send, in one step with the send-in-flight mark and a lock extension; refused
//   when the record says the payment was paid (it is never sent again), or belongs to another claim.
// - `final`: the outcome, with the state, when the run ends.
// The record, the job and its lock share the queue's hash tag: one Redis Cluster slot.
import { randomUUID } from "node:crypto";
import type { RedisClient } from "../../redis/connections.js";
import { confirmReplicas, NO_REPLICA_WAIT, type ReplicaWait } from "../../redis/replicas.js";
import type { Outcome } from "../../payments/lifecycle.js";
import { bullPrefix } from "../names.js";
import { DEFAULT_KEEP_FAILED_DAYS, paymentRecordKey, type PaymentRecord } from "../payment-record.js";
import { STATS_ARG_COUNT, STATS_KEY_COUNT, STATS_LUA, statsArgs, statsKeys } from "../payment-stats.js";

/** What the record says when a run begins. */
export type Claim =
  /**
   * This job's run holds the payment (just claimed, or claimed by an earlier run of this job). `adopted`:
   * a job of an older pixout (a state without a claim) taken over with its state kept — `record` when
   * that version's record of an in-flight send named this job's generation, `job` when there was no record.
   */
  | { kind: "ours"; claim: string; record?: PaymentRecord; adopted?: "record" | "job" }
  /** Another job of the same payment has (or had) the record: this job must send nothing. */
  | { kind: "taken"; record: PaymentRecord }
  /** The job's state carries a claim the record does not know: not written by this fleet for this record. */
  | { kind: "unknown"; record?: PaymentRecord }
  /** The run no longer holds the job's lock. */
  | { kind: "lost" };

/** How a job without a claim came: a new job (no state), a state its producer wrote, or an older pixout's job. */
export type Arrival =
  | { kind: "new" }
  | { kind: "state" }
  | { kind: "legacy"; generation: number; codigoSolicitacao?: string; keptData: (claim: string) => string };

export type FencedResult =
  | { ok: true }
  /** The run no longer holds the job: it must not go on (and must not send). */
  | { ok: false; why: "lost" }
  /** The payment's record says it was paid, or another claim holds it: nothing may be sent. */
  | { ok: false; why: "paid" | "foreign"; record?: PaymentRecord };

export interface RecordWrite {
  outcome: Outcome;
  generation: number;
  codigoSolicitacao?: string;
  digest?: string;
  /** ISO 8601: when it was written. */
  at: string;
  /**
   * The paying account and the amount, kept by the record for the payment list and counted by the overview;
   * absent for a job refused as unreadable (counted under no account, with no amount).
   */
  account?: string;
  amountCents?: number;
}

export interface FencedStore {
  /**
   * The run's claim on its payment. `jobClaim`: the claim in the job's state, if any; `firstData`: the
   * job's data with the new claim in a fresh state, written with the claim (a job's first run only);
   * `arrival`: for a job without a claim, how it came — only an older pixout's job (`legacy`) is adopted
   * with its state kept: when the payment has no record, or when its record (of that version: no claim)
   * is an in-flight send of the same generation and codigoSolicitacao.
   */
  begin(
    jobId: string,
    paymentId: string,
    token: string,
    jobClaim: string | undefined,
    firstData: (claim: string) => string,
    arrival: Arrival,
  ): Promise<Claim>;
  /** Saves the job's data if the run still holds the job. */
  save(jobId: string, token: string, data: string): Promise<FencedResult>;
  /**
   * Right before a send: extends the lock to `lockMs`, records the payment as `pending` (refused if the
   * record says paid, or another claim holds it), and saves the data with the send-in-flight mark — one step.
   */
  beforeSend(
    jobId: string,
    paymentId: string,
    token: string,
    claim: string,
    lockMs: number,
    data: string,
    record: RecordWrite,
  ): Promise<FencedResult>;
  /** Saves the final data and the record's outcome, if the run still holds the job and its claim the record. */
  finish(
    jobId: string,
    paymentId: string,
    token: string,
    claim: string,
    data: string,
    record: RecordWrite,
  ): Promise<FencedResult>;
}

// KEYS: lock, job, record. ARGV: token, the job's claim ('' = none), new claim, first data, ttl seconds,
// arrival ('new' | 'state' | 'legacy'), now (ISO), then for 'legacy': kept data, generation, codigoSolicitacao ('' = none).
const BEGIN = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'lost'} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {'lost'} end
local owner = redis.call('HGET', KEYS[3], 'claim')
local outcome = redis.call('HGET', KEYS[3], 'outcome')
if ARGV[2] ~= '' then
  if owner == ARGV[2] then return {'ours', ARGV[2]} end
  return {'unknown'}
end
local legacy = ARGV[6] == 'legacy'
if legacy and not outcome then
  redis.call('HSET', KEYS[3], 'claim', ARGV[3], 'outcome', 'queued', 'generation', ARGV[9], 'finishedAt', ARGV[7])
  redis.call('EXPIRE', KEYS[3], tonumber(ARGV[5]))
  redis.call('HSET', KEYS[2], 'data', ARGV[8])
  return {'ours', ARGV[3], 'job'}
end
if (not outcome) or outcome == 'queued' then
  redis.call('DEL', KEYS[3])
  redis.call('HSET', KEYS[3], 'claim', ARGV[3], 'outcome', 'queued', 'generation', '0', 'finishedAt', ARGV[7])
  redis.call('EXPIRE', KEYS[3], tonumber(ARGV[5]))
  redis.call('HSET', KEYS[2], 'data', ARGV[4])
  return {'ours', ARGV[3]}
end
if legacy and not owner and outcome == 'pending' and redis.call('HGET', KEYS[3], 'generation') == ARGV[9] then
  local codigo = redis.call('HGET', KEYS[3], 'codigoSolicitacao')
  if (not codigo) or codigo == ARGV[10] then
    redis.call('HSET', KEYS[3], 'claim', ARGV[3])
    redis.call('EXPIRE', KEYS[3], tonumber(ARGV[5]))
    redis.call('HSET', KEYS[2], 'data', ARGV[8])
    return {'ours', ARGV[3], 'record'}
  end
end
return {'taken'}`;

// KEYS: lock, job, stalled set, record, then the overview's counters and lists (src/queue/payment-stats.ts
// statsKeys). ARGV: token, mode ('save' | 'send' | 'final'), data, claim, lock ms, job id, ttl seconds, the
// counters' arguments (statsArgs), then the record's fields as name/value pairs.
const WRITE = `${STATS_LUA}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'lost' end
if redis.call('EXISTS', KEYS[2]) == 0 then return 'lost' end
local mode = ARGV[2]
if mode ~= 'save' then
  local before = redis.call('HMGET', KEYS[4], 'claim', 'outcome', 'generation', 'account', 'amountCents')
  local owner = before[1]
  local prev = { outcome = before[2], generation = before[3], account = before[4], amountCents = before[5] }
  if owner and owner ~= ARGV[4] then return 'foreign' end
  if mode == 'send' then
    if prev.outcome == 'paid' then return 'paid' end
    redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[5]))
    redis.call('SREM', KEYS[3], ARGV[6])
  end
  redis.call('DEL', KEYS[4])
  redis.call('HSET', KEYS[4], 'claim', ARGV[4], unpack(ARGV, ${String(8 + STATS_ARG_COUNT)}))
  redis.call('EXPIRE', KEYS[4], tonumber(ARGV[7]))
  redis.call('HSET', KEYS[2], 'data', ARGV[3])
  pcall(pixoutStats, mode, prev)
  return 'ok'
end
redis.call('HSET', KEYS[2], 'data', ARGV[3])
return 'ok'`;

type BeginCommand = (lock: string, job: string, record: string, ...args: string[]) => Promise<string[]>;
type WriteCommand = (...keysThenArgs: string[]) => Promise<string>;

function recordFields(r: RecordWrite): string[] {
  return [
    "outcome",
    r.outcome,
    "generation",
    String(r.generation),
    "finishedAt",
    r.at,
    ...(r.codigoSolicitacao === undefined ? [] : ["codigoSolicitacao", r.codigoSolicitacao]),
    ...(r.digest === undefined ? [] : ["digest", r.digest]),
    ...(r.account === undefined ? [] : ["account", r.account]),
    ...(r.amountCents === undefined ? [] : ["amountCents", String(r.amountCents)]),
  ];
}

/**
 * `redis` should fail fast (a command timeout, no offline queue): a write that cannot be confirmed must
 * stop the run rather than wait for a link that may come back after the lock expired.
 */
export function createFencedStore(
  redis: RedisClient,
  redisPrefix: string,
  queueName: string,
  readRecord: (paymentId: string) => Promise<PaymentRecord | undefined>,
  ttlDays: number,
  now: () => number = Date.now,
  /** PIXOUT_REDIS_WAIT_REPLICAS: every write counts only once the replicas confirmed it (src/redis/replicas.ts). */
  replicas: ReplicaWait = NO_REPLICA_WAIT,
  /** How long the payment list keeps a concluded payment (the jobs' retention, PIXOUT_KEEP_*_DAYS). */
  listDays: number = DEFAULT_KEEP_FAILED_DAYS,
): FencedStore {
  if (!("pixoutBegin" in redis)) {
    redis.defineCommand("pixoutBegin", { numberOfKeys: 3, lua: BEGIN });
    redis.defineCommand("pixoutWrite", { numberOfKeys: 4 + STATS_KEY_COUNT, lua: WRITE });
  }
  const begin = (redis as unknown as { pixoutBegin: BeginCommand }).pixoutBegin.bind(redis);
  const write = (redis as unknown as { pixoutWrite: WriteCommand }).pixoutWrite.bind(redis);
  const queueKey = `${bullPrefix(redisPrefix)}:${queueName}`;
  const jobKey = (jobId: string): string => `${queueKey}:${jobId}`;
  const ttl = String(Math.max(1, Math.round(ttlDays * 86_400)));

  async function fencedWrite(
    mode: "save" | "send" | "final",
    jobId: string,
    paymentId: string,
    token: string,
    claim: string,
    data: string,
    lockMs: number,
    written: RecordWrite | undefined,
  ): Promise<FencedResult> {
    const key = jobKey(jobId);
    const parsed = written === undefined ? Number.NaN : Date.parse(written.at);
    const at = Number.isFinite(parsed) ? parsed : now();
    const answer = await write(
      `${key}:lock`,
      key,
      `${queueKey}:stalled`,
      paymentRecordKey(redisPrefix, queueName, paymentId),
      ...statsKeys(redisPrefix, queueName, at),
      token,
      mode,
      data,
      claim,
      String(lockMs),
      jobId,
      ttl,
      ...statsArgs(
        written === undefined
          ? undefined
          : {
              paymentId,
              account: written.account ?? "",
              amountCents: written.amountCents ?? 0,
              outcome: written.outcome,
              generation: written.generation,
              nowMs: at,
              keepMs: listDays * 86_400_000,
            },
      ),
      ...(written === undefined ? [] : recordFields(written)),
    );
    if (answer === "ok") {
      // The send-in-flight mark carries the whole state the send is made from, and the final write the outcome:
      // those count only once the replicas have them (a throw: nothing is sent; the processor clears the mark).
      // A plain save is not waited for: lost in a failover, its step is simply done again.
      if (mode !== "save") await confirmReplicas(redis, key, replicas);
      return { ok: true };
    }
    if (answer === "lost") return { ok: false, why: "lost" };
    const record = await readRecord(paymentId).catch(() => undefined);
    return { ok: false, why: answer === "paid" ? "paid" : "foreign", ...(record === undefined ? {} : { record }) };
  }

  return {
    async begin(jobId, paymentId, token, jobClaim, firstData, arrival) {
      const key = jobKey(jobId);
      const claim = randomUUID();
      const legacy =
        arrival.kind === "legacy"
          ? [arrival.keptData(claim), String(arrival.generation), arrival.codigoSolicitacao ?? ""]
          : [];
      const [kind, held, adopted] = await begin(
        `${key}:lock`,
        key,
        paymentRecordKey(redisPrefix, queueName, paymentId),
        token,
        jobClaim ?? "",
        claim,
        jobClaim === undefined ? firstData(claim) : "",
        ttl,
        arrival.kind,
        new Date(now()).toISOString(),
        ...legacy,
      );
      if (kind === "lost") return { kind: "lost" };
      await confirmReplicas(redis, key, replicas);
      const record = await readRecord(paymentId);
      if (kind === "ours") {
        return {
          kind: "ours",
          claim: held ?? claim,
          ...(record === undefined ? {} : { record }),
          ...(adopted === "record" || adopted === "job" ? { adopted } : {}),
        };
      }
      if (kind === "taken" && record !== undefined) return { kind: "taken", record };
      return { kind: "unknown", ...(record === undefined ? {} : { record }) };
    },
    save: (jobId, token, data) => fencedWrite("save", jobId, "", token, "", data, 0, undefined),
    beforeSend: (jobId, paymentId, token, claim, lockMs, data, record) =>
      fencedWrite("send", jobId, paymentId, token, claim, data, lockMs, record),
    finish: (jobId, paymentId, token, claim, data, record) =>
      fencedWrite("final", jobId, paymentId, token, claim, data, 0, record),
  };
}
