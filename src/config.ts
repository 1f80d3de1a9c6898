// pixout's settings: the one door every role goes through. They come from the environment over ./.env
// (src/config/environment.ts, the only reader of process.env) and are parsed by a zod schema per concern in
// src/config/, each field carrying its description for docs/operating/settings.md. loadConfig works in two
// phases (src/config/load.ts): the values first, with no I/O, then the files they name; every bad or missing
// setting of both is reported together, each with what to do.
export { readEnvironment } from "./config/environment.js";
export { ConfigError, withoutEmpty, zodProblems, type Environment } from "./config/problems.js";
export { digits } from "./config/values.js";
export { loadQueueSettings, type QueueSettings } from "./config/queue.js";
export { DEFAULT_SCOPES, INTER_PRODUCTION_URL, INTER_SANDBOX_URL, type InterSettings } from "./config/inter.js";
export { environmentWarnings, type BudgetSettings } from "./config/budgets.js";
export type { WorkerSettings } from "./config/worker.js";
export { loadPaymentRules } from "./config/safety-limits.js";
export { loadWebhookReceiverSettings, type WebhookReceiverSettings } from "./config/inter-webhooks.js";
export { loadNotifySettings, type NotifySettings } from "./config/notifications.js";
export { loadDataSettings, type DataSettings } from "./config/data-protection.js";
export {
  envSchema,
  loadConfig,
  parseSettings,
  readSettingFiles,
  type Config,
  type LoadedConfig,
  type ParsedSettings,
  type SettingFiles,
} from "./config/load.js";
