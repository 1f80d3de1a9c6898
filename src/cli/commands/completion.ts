// `pixout completion bash|zsh|fish`: prints a completion script generated from the program's own command
// and option tree (src/cli/completion/), so it always matches this version of pixout.
import { Argument, type Command } from "commander";
import { bashScript } from "../completion/bash.js";
import { fishScript } from "../completion/fish.js";
import { completionTree } from "../completion/model.js";
import { zshScript } from "../completion/zsh.js";

const SHELLS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;
type Shell = keyof typeof SHELLS;

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}

export function registerCompletionCommand(program: Command): void {
  program
    .command("completion")
    .description("Print a shell completion script (bash, zsh or fish) for every command and option")
    .addArgument(new Argument("<shell>", "the shell").choices(Object.keys(SHELLS)))
    .addHelpText(
      "after",
      `
Examples:
  pixout completion bash > ~/.local/share/bash-completion/completions/pixout
  source <(pixout completion zsh)                     # or: pixout completion zsh > "\${fpath[1]}/_pixout"
  pixout completion fish > ~/.config/fish/completions/pixout.fish`,
    )
    .action((shell: Shell, _flags: unknown, command: Command) => {
      process.stdout.write(SHELLS[shell](completionTree(rootOf(command))));
    });
}
