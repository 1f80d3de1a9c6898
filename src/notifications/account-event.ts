// The events sent to upstream services when the fleet holds a paying account short of money, and when it
// resumes it (docs/operating/balance.md): `account.held` and `account.resumed`, signed and delivered like the
// payments' outcome events. The id is derived from the hold, so a hold announced twice (two workers, a
// retried step) is one event. Identifiers and amounts only.
import { v5 as uuidv5 } from "uuid";
import { PIXOUT_NAMESPACE } from "../payments/idempotency.js";
import { formatCents } from "../payments/money.js";

export const ACCOUNT_EVENT_TYPES = { held: "account.held", resumed: "account.resumed" } as const;

export interface AccountEvent {
  id: string;
  type: (typeof ACCOUNT_EVENT_TYPES)[keyof typeof ACCOUNT_EVENT_TYPES];
  /** The paying account (`default`: the integration's only account, when none is named). */
  account: string;
  holdId: string;
  /** When the hold began (ISO 8601). */
  since: string;
  reason: string;
  /** `bank` or `guard` for a hold; `balance` or an operator's name for a resume. */
  by: string;
  /** Reais, two decimals: the amount the held payments need (a resume: what was waiting), when known. */
  amount: string | null;
  heldPayments: number | null;
  occurredAt: string;
  createdAt: string;
}

export interface AccountEventFacts {
  kind: keyof typeof ACCOUNT_EVENT_TYPES;
  account: string;
  holdId: string;
  since: number;
  reason: string;
  by: string;
  amountCents?: number;
  heldPayments?: number;
  occurredAt: number;
}

export function accountEvent(f: AccountEventFacts, now: Date = new Date()): AccountEvent {
  return {
    id: uuidv5(`pixout:account:${f.kind}:${f.account}:${f.holdId}`, PIXOUT_NAMESPACE),
    type: ACCOUNT_EVENT_TYPES[f.kind],
    account: f.account,
    holdId: f.holdId,
    since: new Date(f.since).toISOString(),
    reason: f.reason,
    by: f.by,
    amount: f.amountCents === undefined ? null : formatCents(f.amountCents),
    heldPayments: f.heldPayments ?? null,
    occurredAt: new Date(f.occurredAt).toISOString(),
    createdAt: now.toISOString(),
  };
}
