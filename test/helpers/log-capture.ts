import { Writable } from "node:stream";
import { createLogger, SecretRegistry, type Logger, type LogLevel } from "../../src/logger.js";

/** A real pino logger whose lines are kept in memory, to assert on what would have been written. */
export function captureLogs(level: LogLevel = "trace"): { logger: Logger; lines: string[]; secrets: SecretRegistry } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  const secrets = new SecretRegistry();
  return { logger: createLogger({ level, secrets, destination }), lines, secrets };
}
