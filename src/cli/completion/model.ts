// The command tree a shell completes, read from commander's own Help (visible commands, options and
// arguments, the implicit `help` command included), so every generated script follows the program: a new
// command or option needs no completion code. Commander has no completion support of its own.
import type { Argument, Command, Option } from "commander";

/** What a word in a value position completes to. */
export type ValueKind =
  { kind: "none" } | { kind: "any" } | { kind: "file" } | { kind: "dir" } | { kind: "choices"; choices: string[] };

export interface CompletionOption {
  /** `-h`, `--help`… */
  short?: string;
  long?: string;
  description: string;
  /** `none` for a flag. */
  value: ValueKind;
  /** May be given more than once. */
  repeatable: boolean;
}

export interface CompletionCommand {
  name: string;
  /** From the program down: ["pixout", "certs", "show"]. */
  path: string[];
  description: string;
  subcommands: CompletionCommand[];
  options: CompletionOption[];
  /** Positional arguments, in order; the last may be variadic. */
  args: { name: string; value: ValueKind; variadic: boolean }[];
}

// Everything ends up in shell source: refuse a token that would need quoting rather than quote it wrong.
const SAFE_TOKEN = /^(-{1,2})?[A-Za-z0-9][A-Za-z0-9._:-]*$/;

function safe(token: string, what: string): string {
  if (!SAFE_TOKEN.test(token))
    throw new Error(`cannot complete ${what} "${token}": only letters, digits, '.', '_', ':' and '-'`);
  return token;
}

/** By the placeholder's name: `<file>` and `<...-file>` are files, `<dir>` a folder, anything else free text. */
function kindOfName(name: string, choices: readonly string[] | undefined): ValueKind {
  if (choices && choices.length > 0) return { kind: "choices", choices: choices.map((c) => safe(c, "choice")) };
  if (/file$/i.test(name) || /^path$/i.test(name)) return { kind: "file" };
  if (/^dir(ectory)?$/i.test(name)) return { kind: "dir" };
  return { kind: "any" };
}

function optionOf(option: Option): CompletionOption {
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1]?.replace(/\.\.\.$/, "") ?? "";
  const takesValue = option.required || option.optional;
  return {
    ...(option.short ? { short: safe(option.short, "option") } : {}),
    ...(option.long ? { long: safe(option.long, "option") } : {}),
    description: option.description,
    value: takesValue ? kindOfName(placeholder, option.argChoices) : { kind: "none" },
    repeatable: option.variadic,
  };
}

function argumentOf(argument: Argument, siblings: readonly string[]): CompletionCommand["args"][number] {
  // `help [command]` completes the names of the commands beside it.
  const value =
    argument.name() === "command" && siblings.length > 0
      ? { kind: "choices" as const, choices: [...siblings] }
      : kindOfName(argument.name(), argument.argChoices);
  return { name: argument.name(), value, variadic: argument.variadic };
}

/** `siblings`: the commands beside this one, which `help [command]` completes. */
export function completionTree(
  command: Command,
  parentPath: string[] = [],
  siblings: readonly string[] = [],
): CompletionCommand {
  const help = command.createHelp();
  const path = [...parentPath, safe(command.name(), "command")];
  const visible = help.visibleCommands(command);
  const names = visible.map((c) => c.name()).filter((n) => n !== "help");
  return {
    name: command.name(),
    path,
    description: command.summary() || command.description(),
    subcommands: visible.map((c) => completionTree(c, path, names)),
    options: help.visibleOptions(command).map(optionOf),
    args: command.registeredArguments.map((a) => argumentOf(a, command.name() === "help" ? siblings : [])),
  };
}

/** Every command of the tree, the root first. */
export function allCommands(root: CompletionCommand): CompletionCommand[] {
  return [root, ...root.subcommands.flatMap(allCommands)];
}

/** A description on one line, without the characters shells quote differently. */
export function oneLine(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
