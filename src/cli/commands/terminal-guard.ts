// What the CLI prints may come from stored data (an audit reason, a bank's error text, a payment's
// description written by an older version or straight into Redis): a control character there could move
// the cursor, clear the screen or rewrite the terminal's title, and a bidirectional override could make a
// line read differently from what it holds. Every string the CLI writes passes through terminalSafe: such
// characters become visible `\uXXXX` escapes (valid inside JSON strings too, where they read back as the
// same character). Line feeds and tabs stay.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`);
}

type Write = (chunk: unknown, ...rest: unknown[]) => boolean;
const raw = new WeakMap<NodeJS.WriteStream, Write>();

/** From now on, strings written to stdout and stderr are made terminalSafe. */
export function guardTerminalOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (raw.has(stream)) continue;
    const write = stream.write.bind(stream) as Write;
    raw.set(stream, write);
    const guarded: Write = (chunk, ...rest) => write(typeof chunk === "string" ? terminalSafe(chunk) : chunk, ...rest);
    stream.write = guarded;
  }
}

/**
 * A reader that stops reading (`pixout status --json | head`) closes the pipe under us: what is left to
 * print has nobody to read it, which is no reason to crash with a stack trace mid-command. The command goes
 * on (a worker keeps paying) and exits as it would have; any other stream error stays fatal.
 */
export function tolerateClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
    });
  }
}

/** Our own control sequence (a progress bar's carriage return), written as it is. */
export function writeUnguarded(stream: NodeJS.WriteStream, text: string): void {
  (raw.get(stream) ?? (stream.write.bind(stream) as Write))(text);
}
