// `pixout emulator`'s account flags: --accounts, --balance, --account-balance (repeatable), --overdraft.
// Parsed in process by the command's own definition (its action replaced, so nothing listens), then the
// options they make start a real emulator.
import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { accountOptions, registerEmulatorCommand, type EmulatorFlags } from "../../src/cli/commands/emulator.js";
import { UserError } from "../../src/cli/commands/exit-codes.js";
import { emulatorFor, NO_LIMITS } from "./support.js";

interface Parsed {
  flags?: EmulatorFlags;
  /** What commander printed to stderr. */
  stderr: string;
}

async function parse(args: string[]): Promise<Parsed> {
  const out: Parsed = { stderr: "" };
  const program = new Command("pixout")
    .exitOverride()
    .configureOutput({ writeErr: (s) => (out.stderr += s), writeOut: () => undefined });
  registerEmulatorCommand(program);
  const emulator = program.commands.find((c) => c.name() === "emulator");
  emulator?.action((flags: EmulatorFlags) => {
    out.flags = flags;
  });
  await program.parseAsync(["node", "pixout", "emulator", ...args]);
  return out;
}

/** The usage error commander gives for these arguments (its message is what it prints). */
async function usageError(args: string[]): Promise<string> {
  try {
    await parse(args);
  } catch (err) {
    if (err instanceof CommanderError) return err.message;
    throw err;
  }
  throw new Error(`no usage error for ${args.join(" ")}`);
}

describe("pixout emulator account flags", () => {
  it("without account flags the emulator keeps its defaults", async () => {
    const { flags } = await parse([]);
    expect(flags && accountOptions(flags)).toEqual({});
  });

  it("--accounts, --balance, --account-balance (repeatable) and --overdraft become the emulator's accounts and money", async () => {
    const { flags } = await parse([
      "--accounts",
      "111, 222",
      "--balance",
      "10.00",
      "--account-balance",
      "222=50.25",
      "--account-balance",
      "111=1.00",
      "--overdraft",
      "5.00",
    ]);
    if (!flags) throw new Error("not parsed");
    const options = accountOptions(flags);
    expect(options).toMatchObject({
      balanceCents: 10_00,
      balances: { "222": 50_25, "111": 1_00 },
      limitCents: 5_00,
      integration: { accounts: ["111", "222"] },
    });
    const emulator = await emulatorFor({ limits: NO_LIMITS, ...options });
    expect([emulator.balance("111"), emulator.balance("222")]).toEqual([
      { balanceCents: 1_00, limitCents: 5_00 },
      { balanceCents: 50_25, limitCents: 5_00 },
    ]);
  });

  it("a bad value is a usage error naming its flag", async () => {
    expect(await usageError(["--accounts", "0111,222"])).toMatch(/--accounts.*digits only without leading zeros/);
    expect(await usageError(["--accounts", "111,,222"])).toMatch(/--accounts/);
    expect(await usageError(["--accounts", "111,111"])).toMatch(/--accounts.*names account 111 twice/);
    expect(await usageError(["--account-balance", "111"])).toMatch(/--account-balance.*ACCOUNT=AMOUNT/);
    expect(await usageError(["--account-balance", "111=1.5"])).toMatch(/--account-balance.*two places/);
    expect(await usageError(["--account-balance", "111=1.00", "--account-balance", "111=2.00"])).toMatch(
      /--account-balance.*twice/,
    );
    expect(await usageError(["--overdraft", "-1.00"])).toMatch(/--overdraft/);
    expect(await usageError(["--balance", "lots"])).toMatch(/--balance/);
  });

  it("an --account-balance for an account the emulator does not have is a usage error", async () => {
    const { flags } = await parse(["--account-balance", "999=1.00"]);
    if (!flags) throw new Error("not parsed");
    let caught: unknown;
    try {
      accountOptions(flags);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect(caught).toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(
        /^--account-balance: 999 is not one of the emulator's accounts \(12345678\)/,
      ) as unknown,
    });
  });
});
