// Every command's --help ends with an example, the root's included.
import { describe, expect, it } from "vitest";
import type { Command } from "commander";
import { buildProgram } from "../src/cli/main.js";

function everyCommand(command: Command): Command[] {
  return [command, ...command.commands.flatMap(everyCommand)];
}

function helpOf(command: Command): string {
  let text = "";
  command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  command.outputHelp();
  return text;
}

function pathOf(command: Command): string {
  return command.parent ? `${pathOf(command.parent)} ${command.name()}` : command.name();
}

describe("--help", () => {
  it("has an example on every command", () => {
    const commands = everyCommand(buildProgram());
    expect(commands.length).toBeGreaterThan(15);
    const without = commands.filter((c) => !/\nExamples?( \([^)]*\))?:\n {2}\S/.test(helpOf(c))).map(pathOf);
    expect(without).toEqual([]);
  });
});
