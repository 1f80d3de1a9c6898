// pixout's version, from package.json (one level above both src/ and dist/).
import { createRequire } from "node:module";

const manifest = createRequire(import.meta.url)("../package.json") as { version: string };

export const PIXOUT_VERSION: string = manifest.version;
