// The money of each of the integration's checking accounts: a balance and an overdraft limit per account,
// in integer centavos. At Inter every checking account has its own balance, so a payment is checked and
// debited against the account that sent it (the payment book, at its execution), and the operator's
// knobs (set, top up, out-of-band and duplicated debits) name their account too. No clock and no I/O:
// the statement (statement.ts) records the movements; this only holds the figures.

/** A debit the account's balance and overdraft limit cannot cover. */
export class InsufficientBalanceError extends Error {
  override readonly name = "InsufficientBalanceError";
}

export interface AccountBalance {
  /** Negative only while the overdraft limit is in use; never below −limitCents. */
  readonly balanceCents: number;
  /** The overdraft limit; 0 = none. */
  readonly limitCents: number;
}

export interface StartingBalances {
  /** Every account's starting balance. */
  balanceCents: number;
  /** Starting balances of some accounts, overriding `balanceCents`. */
  balances?: Record<string, number> | undefined;
  /** Every account's overdraft limit, or some accounts' (the others get 0). Default 0. */
  limitCents?: number | Record<string, number> | undefined;
}

interface Account {
  balance: number;
  limit: number;
}

function requireCents(name: string, cents: number): void {
  if (!Number.isSafeInteger(cents) || cents < 0)
    throw new RangeError(`${name} must be a non-negative integer of centavos`);
}

export class Balances {
  /** In the integration's order: its first account is the default of every knob. */
  readonly #accounts = new Map<string, Account>();

  constructor(accounts: readonly string[], start: StartingBalances) {
    requireCents("balanceCents", start.balanceCents);
    for (const account of accounts) this.#accounts.set(account, { balance: start.balanceCents, limit: 0 });
    for (const [account, cents] of Object.entries(start.balances ?? {})) {
      requireCents(`balances[${account}]`, cents);
      this.#account(account).balance = cents;
    }
    const limit = start.limitCents ?? 0;
    if (typeof limit === "number") {
      requireCents("limitCents", limit);
      for (const a of this.#accounts.values()) a.limit = limit;
    } else {
      for (const [account, cents] of Object.entries(limit)) {
        requireCents(`limitCents[${account}]`, cents);
        this.#account(account).limit = cents;
      }
    }
  }

  /** The integration's accounts, first the default one. */
  accounts(): string[] {
    return [...this.#accounts.keys()];
  }

  /** Throws RangeError for an account that is not one of the integration's. */
  of(account: string): AccountBalance {
    const a = this.#account(account);
    return { balanceCents: a.balance, limitCents: a.limit };
  }

  /**
   * Whether the account can pay `cents` now. ASSUMPTION (UNVERIFIED): Inter publishes nothing on how an
   * overdraft limit ("limite", as GET /banking/v2/saldo reports it) takes part in a Pix; we let a debit
   * pass while it is at most the balance plus the limit, so the balance may go negative down to −limit.
   */
  covers(account: string, cents: number): boolean {
    const a = this.#account(account);
    return cents <= a.balance + a.limit;
  }

  /** Takes `cents` from the account; InsufficientBalanceError when `covers` says no. */
  debit(account: string, cents: number): void {
    if (!Number.isSafeInteger(cents) || cents <= 0)
      throw new RangeError("a debit must be a positive integer of centavos");
    const a = this.#account(account);
    if (!this.covers(account, cents)) {
      throw new InsufficientBalanceError(
        `the balance of account ${account} (${String(a.balance)} centavos, overdraft limit ${String(a.limit)}) does not cover ${String(cents)} centavos`,
      );
    }
    a.balance -= cents;
  }

  /** The operator sets the account's balance (not a movement: the caller notes it for past balances). */
  set(account: string, cents: number): void {
    requireCents("balance", cents);
    this.#account(account).balance = cents;
  }

  /** Adds `cents` (a positive integer) to the account; returns the new balance. */
  credit(account: string, cents: number): number {
    if (!Number.isSafeInteger(cents) || cents <= 0)
      throw new RangeError("a credit must be a positive integer of centavos");
    const a = this.#account(account);
    const next = a.balance + cents;
    if (!Number.isSafeInteger(next)) throw new RangeError("the balance would exceed the largest integer of centavos");
    a.balance = next;
    return next;
  }

  /** Every account's balance added up. */
  total(): number {
    let sum = 0;
    for (const a of this.#accounts.values()) sum += a.balance;
    return sum;
  }

  byAccount(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [account, a] of this.#accounts) out[account] = a.balance;
    return out;
  }

  #account(account: string): Account {
    const a = this.#accounts.get(account);
    if (!a) throw new RangeError(`account ${account} is not one of the integration's`);
    return a;
  }
}
