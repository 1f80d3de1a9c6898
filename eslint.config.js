// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", ".scratch/", "test-output/", "bench-output/"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["*.js", "bin/*.js", "test/clock/*.mjs"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // src/config/environment.ts is the only reader of the environment: every setting goes through the schemas
      // of src/config/, which check it at start with the others and document it (docs/operating/settings.md).
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read settings through src/config.ts." },
      ],
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      eqeqeq: ["error", "always"],
      "no-console": "off",
    },
  },
  {
    files: ["src/config/environment.ts"],
    rules: { "no-restricted-properties": "off" },
  },
  {
    // The payment rules are pure: they take their inputs (the clock among them) as parameters and do no I/O,
    // so that every rule can be tested on its own and reasoned about without a Redis, a bank or a disk.
    files: ["src/payments/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["bullmq", "bullmq/*", "ioredis", "undici", "express", "pino", "@opentelemetry/*", "prom-client"],
              message: "src/payments holds pure rules: pass what they need as parameters instead of doing I/O here.",
            },
            {
              group: [
                "node:fs",
                "node:fs/*",
                "fs",
                "fs/*",
                "node:net",
                "node:tls",
                "node:http",
                "node:https",
                "node:child_process",
                "node:dgram",
                "node:dns",
              ],
              message: "src/payments holds pure rules: pass what they need as parameters instead of doing I/O here.",
            },
            {
              group: [
                "../queue/*",
                "../inter/*",
                "../redis/*",
                "../ops/*",
                "../cli/*",
                "../emulator/*",
                "../notifications/*",
                "../inter-callbacks/*",
              ],
              message: "src/payments holds pure rules and imports nothing with I/O from the rest of pixout.",
              // A type describes data; importing it runs nothing.
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
);
