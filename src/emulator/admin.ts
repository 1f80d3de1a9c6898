// Admin endpoints under /_emulator/ (clearly not Inter paths), on the same mTLS server, so that the
// chaos suite and benchmarks can drive an emulator running in another process:
//   GET    /_emulator/ledger                       ledger snapshot
//   GET    /_emulator/faults                       active rules
//   POST   /_emulator/faults                       add rules: a JSON rule, {"spec": "..."}, an array of
//                                                  either, or text/plain with one spec per line
//   DELETE /_emulator/faults                       remove every rule
//   GET    /_emulator/payments/{codigo}            inspection view of one payment
//   POST   /_emulator/payments/{codigo}/approve|reject|expire|run
//   GET    /_emulator/balance                      every account's balance and overdraft limit
//   POST   /_emulator/balance                      {"balanceCents": 100000, "account"?: "…"} (admin-balance.ts)
//   POST   /_emulator/balance/top-up               {"amountCents": 5000, "account"?: "…"}
//   POST   /_emulator/reset-ledger                 zero the ledger counters
//   POST   /_emulator/revoke-tokens                every issued token becomes invalid
import type { Handler, RequestContext } from "./context.js";
import { header } from "./context.js";
import { registerBalanceRoutes } from "./admin-balance.js";
import { FaultSpecError, toFaultRule } from "./fault-spec.js";
import type { Emulator } from "./emulator.js";
import type { FaultRule } from "./faults.js";
import { PaymentNotFoundError, TransitionError } from "./payment-book.js";
import { empty, json, type Reply } from "./problem.js";
import type { Router } from "./router.js";

/** What the admin routes drive: the emulator's own control surface. */
export type AdminControls = Pick<
  Emulator,
  | "ledger"
  | "faults"
  | "payment"
  | "approve"
  | "reject"
  | "expire"
  | "runScheduled"
  | "setBalance"
  | "topUp"
  | "balance"
  | "revokeTokens"
>;

function error(status: number, message: string): Reply {
  return json(status, { error: message });
}

function parseRules(ctx: RequestContext): FaultRule[] {
  const type = (header(ctx, "content-type") ?? "").toLowerCase();
  if (type.startsWith("text/plain")) {
    return ctx.body
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"))
      .map(toFaultRule);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(ctx.body);
  } catch {
    throw new FaultSpecError('body must be JSON (a rule, {"spec": "..."}, or an array) or text/plain specs');
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((item: unknown) => {
    if (item !== null && typeof item === "object" && "spec" in item && Object.keys(item).length === 1) {
      return toFaultRule(item.spec);
    }
    return toFaultRule(item);
  });
}

/** `accounts`: the integration's, first the default one of the balance routes. */
export function registerAdminRoutes(router: Router, admin: AdminControls, accounts: readonly string[]): void {
  const action =
    (act: (codigo: string) => void): Handler =>
    (ctx) => {
      const codigo = ctx.params["codigo"] ?? "";
      try {
        act(codigo);
      } catch (err) {
        if (err instanceof PaymentNotFoundError) return error(404, err.message);
        if (err instanceof TransitionError) return error(409, err.message);
        throw err;
      }
      return json(200, admin.payment(codigo));
    };

  router
    .add("GET", "/_emulator/ledger", () => json(200, admin.ledger.snapshot()), true)
    .add(
      "POST",
      "/_emulator/reset-ledger",
      () => {
        admin.ledger.reset();
        return empty(204);
      },
      true,
    )
    .add("GET", "/_emulator/faults", () => json(200, { faults: admin.faults.list() }), true)
    .add(
      "POST",
      "/_emulator/faults",
      (ctx) => {
        let rules: FaultRule[];
        try {
          rules = parseRules(ctx);
        } catch (err) {
          if (err instanceof FaultSpecError) return error(400, err.message);
          throw err;
        }
        for (const r of rules) admin.faults.add(r);
        return json(201, { added: rules, faults: admin.faults.list() });
      },
      true,
    )
    .add(
      "DELETE",
      "/_emulator/faults",
      () => {
        admin.faults.clear();
        return empty(204);
      },
      true,
    )
    .add(
      "GET",
      "/_emulator/payments/{codigo}",
      (ctx) => {
        const view = admin.payment(ctx.params["codigo"] ?? "");
        return view ? json(200, view) : error(404, "no such payment");
      },
      true,
    )
    .add(
      "POST",
      "/_emulator/payments/{codigo}/approve",
      action((c) => {
        admin.approve(c);
      }),
      true,
    )
    .add(
      "POST",
      "/_emulator/payments/{codigo}/reject",
      action((c) => {
        admin.reject(c);
      }),
      true,
    )
    .add(
      "POST",
      "/_emulator/payments/{codigo}/expire",
      action((c) => {
        admin.expire(c);
      }),
      true,
    )
    .add(
      "POST",
      "/_emulator/payments/{codigo}/run",
      action((c) => {
        admin.runScheduled(c);
      }),
      true,
    )
    .add(
      "POST",
      "/_emulator/revoke-tokens",
      () => {
        admin.revokeTokens();
        return empty(204);
      },
      true,
    );
  registerBalanceRoutes(router, admin, accounts);
}
