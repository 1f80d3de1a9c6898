// The only reader of the process environment (and of ./.env when present): every setting reaches pixout
// as an Environment handed out here, so that the schemas beside this file parse, check and document all
// of them, and a test can pass its own.
import { existsSync } from "node:fs";
import { parseEnv } from "node:util";
import { readSettingFile } from "../setting-file.js";
import { ConfigError, type Environment } from "./problems.js";

/** process.env over ./.env (a variable set in the environment wins, as with dotenv). */
export function readEnvironment(cwd: string = process.cwd()): Environment {
  const file = `${cwd}/.env`;
  if (!existsSync(file)) return { ...process.env };
  const read = readSettingFile(file);
  if (!read.ok) throw new ConfigError([{ setting: "./.env", message: read.message }]);
  const fromFile = parseEnv(read.data.toString("utf8"));
  return { ...fromFile, ...process.env };
}
