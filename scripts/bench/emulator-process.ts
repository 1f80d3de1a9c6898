// The emulator in a process of its own for `npm run bench` (sharing the worker's event loop, it would slow the
// worker it measures). Options come as JSON in argv[2]; prints `READY <url>` once listening; SIGTERM stops it.
import { readFileSync } from "node:fs";
import { startEmulator, type EmulatorOptions } from "../../src/emulator/emulator.js";
import { createLogger } from "../../src/logger.js";
import { devCertPaths } from "../../src/tls/dev-certs.js";

interface ChildOptions {
  certDir: string;
  limits: EmulatorOptions["limits"];
  timing: EmulatorOptions["timing"];
  callbackRetryScale?: number;
}

const options = JSON.parse(process.argv[2] ?? "{}") as ChildOptions;
const paths = devCertPaths(options.certDir);
const read = (p: string): string => readFileSync(p, "utf8");
const emulator = await startEmulator({
  tls: {
    cert: read(paths.serverCert),
    key: read(paths.serverKey),
    ca: read(paths.caCert),
    callbackCert: read(paths.callbackCert),
    callbackKey: read(paths.callbackKey),
    callbackCa: read(paths.caCert),
  },
  ...(options.limits === undefined ? {} : { limits: options.limits }),
  ...(options.timing === undefined ? {} : { timing: options.timing }),
  ...(options.callbackRetryScale === undefined ? {} : { callbackRetryScale: options.callbackRetryScale }),
  logger: createLogger({ level: "warn", name: "bench-emulator" }),
});
const stop = (): void => {
  void emulator.close().then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdout.write(`READY ${emulator.url}\n`);
