// Every setting pixout reads, grouped by concern, each with its one-line description, what it takes and
// what applies when it is unset — taken from the schemas themselves (`.describe()` and `.meta()` on each
// field, values.ts) so that a setting and its documentation cannot part. scripts/settings-doc.ts writes
// docs/operating/settings.md from it.
import { z } from "zod";
import { balanceFields } from "./balance.js";
import { budgetFields } from "./budgets.js";
import { dataProtectionFields } from "./data-protection.js";
import { interCertificateFields } from "./inter-certificate.js";
import { interWebhookFields } from "./inter-webhooks.js";
import { interFields } from "./inter.js";
import { notificationFields } from "./notifications.js";
import { dashboardNotes, metricsNotes, tracingNotes } from "./ops-docs.js";
import { queueFields } from "./queue.js";
import { reconciliationFields } from "./reconciliation.js";
import { redisFields } from "./redis.js";
import { safetyLimitFields } from "./safety-limits.js";
import { workerFields } from "./worker.js";
import type { SettingNotes } from "./values.js";

export interface SettingDoc {
  name: string;
  description: string;
  /** What it takes (markdown). */
  takes: string;
  /** What applies when it is unset (markdown): a value in backticks, words, "required" or "none". */
  unset: string;
}

export interface Concern {
  title: string;
  /** The guide of the concern, beside settings.md in docs/operating/. */
  guide: string;
  settings: SettingDoc[];
}

/** The concerns in the order of .env.example. */
export function settingsCatalog(): Concern[] {
  return [
    { title: "Redis", guide: "redis.md", settings: fromSchema(redisFields) },
    { title: "Queue and logging", guide: "configuration.md", settings: fromSchema(queueFields) },
    {
      title: "The bank: Inter connection and credentials",
      guide: "configuration.md",
      settings: fromSchema(interFields),
    },
    { title: "The bank: client certificate", guide: "configuration.md", settings: fromSchema(interCertificateFields) },
    { title: "Bank budgets", guide: "workers-and-retries.md", settings: fromSchema(budgetFields) },
    { title: "Workers and retries", guide: "workers-and-retries.md", settings: fromSchema(workerFields) },
    { title: "Reconciliation", guide: "reconciliation.md", settings: fromSchema(reconciliationFields) },
    { title: "Balance", guide: "balance.md", settings: fromSchema(balanceFields) },
    { title: "Safety limits", guide: "safety-limits.md", settings: fromSchema(safetyLimitFields) },
    { title: "Webhooks from Inter", guide: "inter-webhooks.md", settings: fromSchema(interWebhookFields) },
    { title: "Notifications to your services", guide: "notifications.md", settings: fromSchema(notificationFields) },
    { title: "Data protection and retention", guide: "data-protection.md", settings: fromSchema(dataProtectionFields) },
    { title: "Metrics and health of workers", guide: "observability.md", settings: fromNotes(metricsNotes) },
    { title: "Dashboard", guide: "dashboard.md", settings: fromNotes(dashboardNotes) },
    { title: "Tracing", guide: "observability.md", settings: fromNotes(tracingNotes) },
  ];
}

const META_KEYS = new Set(["description", "takes", "unset"]);

/** The field's own metadata, or that of the schema it wraps (a default, an optional, a pipe's input), outermost first. */
function find<T>(schema: z.ZodType, pick: (s: z.ZodType) => T | undefined): T | undefined {
  for (let s: z.ZodType | undefined = schema; s !== undefined; s = inner(s)) {
    const found = pick(s);
    if (found !== undefined) return found;
  }
  return undefined;
}

function inner(s: z.ZodType): z.ZodType | undefined {
  if (s instanceof z.ZodDefault || s instanceof z.ZodOptional) return s.unwrap() as z.ZodType;
  if (s instanceof z.ZodPipe) return s.in as z.ZodType;
  return undefined;
}

function meta(s: z.ZodType, key: "takes" | "unset"): string | undefined {
  const m = z.globalRegistry.get(s);
  const value = m?.[key];
  return typeof value === "string" ? value : undefined;
}

function docOf(name: string, field: z.ZodType): SettingDoc {
  const own = z.globalRegistry.get(field) ?? {};
  for (const key of Object.keys(own))
    if (!META_KEYS.has(key))
      throw new Error(`${name}: unknown metadata "${key}" (known: ${[...META_KEYS].join(", ")})`);
  if (typeof own.description !== "string") throw new Error(`${name} has no description: add .describe() to its field`);
  const options = find(field, (s) => (s instanceof z.ZodEnum ? (s.options as string[]) : undefined));
  const takes =
    find(field, (s) => meta(s, "takes")) ??
    (options === undefined ? "text" : options.map((o) => `\`${o}\``).join(options.length === 2 ? " or " : ", "));
  return { name, description: own.description, takes, unset: unsetOf(field) };
}

function unsetOf(field: z.ZodType): string {
  const words = find(field, (s) => meta(s, "unset"));
  if (words !== undefined) return words;
  const fallback = find(field, (s) => (s instanceof z.ZodDefault ? { value: s.def.defaultValue } : undefined));
  if (fallback !== undefined) return `\`${String(fallback.value)}\``;
  // A default given inside a transform (PIXOUT_REDIS_WAIT_*): what the schema makes of nothing.
  const nothing = field.safeParse(undefined);
  if (!nothing.success) return "required";
  return typeof nothing.data === "string" || typeof nothing.data === "number" ? `\`${String(nothing.data)}\`` : "none";
}

function fromSchema(fields: z.ZodObject): SettingDoc[] {
  return Object.entries(fields.shape).map(([name, field]) => docOf(name, field as z.ZodType));
}

function fromNotes(notes: Record<string, SettingNotes>): SettingDoc[] {
  return Object.entries(notes).map(([name, n]) => ({
    name,
    description: n.description,
    takes: n.takes ?? "text",
    unset: n.unset ?? "none",
  }));
}
