// Admin routes of the accounts' balances (admin.ts lists every admin route), so that the chaos suite and
// benchmarks can starve or refill an account of an emulator running in another process:
//   GET  /_emulator/balance          {"accounts": [{"account", "balanceCents", "limitCents"}]}
//   POST /_emulator/balance          {"balanceCents": n, "account"?: "…"} → {"balanceCents"} (as before accounts had their own)
//   POST /_emulator/balance/top-up   {"amountCents": n, "account"?: "…"}  → {"account", "balanceCents"}
// A body that is not exactly that (a field misspelt, an amount not an integer, an account not the
// integration's) is a 400 `{error}`: a typo must not quietly change the default account.
import type { RequestContext } from "./context.js";
import type { Emulator } from "./emulator.js";
import { json, type Reply } from "./problem.js";
import type { Router } from "./router.js";

export type AdminBalanceControls = Pick<Emulator, "setBalance" | "topUp" | "balance">;

type Parsed = { ok: true; cents: number; account: string } | { ok: false; reply: Reply };

function bad(message: string): { ok: false; reply: Reply } {
  return { ok: false, reply: json(400, { error: message }) };
}

/** `{"<amountField>": n, "account"?: "…"}` with n an integer ≥ `min`, the account one of `accounts`. */
function parseBody(ctx: RequestContext, amountField: string, min: number, accounts: readonly string[]): Parsed {
  const usage = `body must be {"${amountField}": <integer of centavos, at least ${String(min)}>, "account"?: "<one of ${accounts.join(", ")}>"}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(ctx.body);
  } catch {
    return bad(usage);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return bad(usage);
  const body = parsed as Record<string, unknown>;
  const unknown = Object.keys(body).filter((k) => k !== amountField && k !== "account");
  if (unknown.length > 0) return bad(`unknown field ${unknown.join(", ")}: ${usage}`);
  const cents = body[amountField];
  if (typeof cents !== "number" || !Number.isSafeInteger(cents) || cents < min) return bad(usage);
  const account = body["account"] ?? accounts[0];
  if (typeof account !== "string" || !accounts.includes(account))
    return bad(`account ${JSON.stringify(account)} is not one of the integration's (${accounts.join(", ")})`);
  return { ok: true, cents, account };
}

/** Runs a knob; a RangeError it throws (an amount it refuses, e.g. a balance past the largest integer) is a 400. */
function attempt(run: () => Reply): Reply {
  try {
    return run();
  } catch (err) {
    if (err instanceof RangeError) return json(400, { error: err.message });
    throw err;
  }
}

export function registerBalanceRoutes(
  router: Router,
  controls: AdminBalanceControls,
  accounts: readonly string[],
): void {
  router
    .add(
      "GET",
      "/_emulator/balance",
      () => json(200, { accounts: accounts.map((account) => ({ account, ...controls.balance(account) })) }),
      true,
    )
    .add(
      "POST",
      "/_emulator/balance",
      (ctx) => {
        const body = parseBody(ctx, "balanceCents", 0, accounts);
        if (!body.ok) return body.reply;
        return attempt(() => {
          controls.setBalance(body.cents, body.account);
          return json(200, { balanceCents: body.cents });
        });
      },
      true,
    )
    .add(
      "POST",
      "/_emulator/balance/top-up",
      (ctx) => {
        const body = parseBody(ctx, "amountCents", 1, accounts);
        if (!body.ok) return body.reply;
        return attempt(() =>
          json(200, { account: body.account, balanceCents: controls.topUp(body.cents, body.account) }),
        );
      },
      true,
    );
}
