// The `notify` section of the configuration: where outcome events go, the secret per destination and
// the delivery schedule. Parsing of PIXOUT_NOTIFY_SECRETS lives here so that config.ts stays a schema.
import { destinationProblem } from "../payments/destination.js";

export interface NotifySettings {
  /** PIXOUT_NOTIFY_URL: destination of every payment without its own `callbackUrl`. */
  url?: string;
  /** PIXOUT_NOTIFY_SECRETS: signing secret per destination origin (`https://host[:port]`, as URL.origin writes it). */
  secrets: ReadonlyMap<string, string>;
  /** Delivery attempts of one event, the first included. */
  maxAttempts: number;
  /** Delay before the second attempt; doubles after each failure, capped at NOTIFY_BACKOFF_CAP_MS. */
  backoffMs: number;
  /** Whole-attempt timeout (connect, answer and body), in ms. */
  timeoutMs: number;
  /** Deliveries one notification worker makes at once. */
  concurrency: number;
}

/**
 * 20 attempts at 10 s doubling, capped at 1 h: the delays are 10 s, 20 s … 42.7 min (9 of them, 85 min in
 * all), then 10 × 1 h — the last attempt comes about 11.4 hours after the first.
 */
export const DEFAULT_NOTIFY = { maxAttempts: 20, backoffMs: 10_000, timeoutMs: 10_000, concurrency: 10 } as const;

/** HMAC keys shorter than this are refused (and the log scrubber ignores values under 8 characters). */
export const MIN_SECRET_LENGTH = 16;

/**
 * `https://erp.example.com=s3cr3t…,https://b.example:8443=other…` → origin → secret. Entries are split on
 * commas and at their first `=` (a secret may contain `=`, not `,`). Problems never quote a secret.
 */
export function parseNotifySecrets(text: string): { secrets: Map<string, string>; problems: string[] } {
  const secrets = new Map<string, string>();
  const problems: string[] = [];
  const entries = text
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  entries.forEach((entry, i) => {
    const where = `entry ${String(i + 1)}`;
    const eq = entry.indexOf("=");
    if (eq <= 0) {
      problems.push(`${where} must be origin=secret, e.g. https://erp.example.com=<secret>`);
      return;
    }
    const originText = entry.slice(0, eq).trim();
    const secret = entry.slice(eq + 1).trim();
    const problem = destinationProblem(originText);
    if (problem !== undefined) {
      problems.push(`${where}: the origin before "=" ${problem}`);
      return;
    }
    const url = new URL(originText);
    if (url.pathname !== "/" || url.search !== "" || url.hash !== "") {
      problems.push(`${where} (${url.origin}): must name an origin only, scheme://host[:port], without a path`);
      return;
    }
    if (secrets.has(url.origin)) {
      problems.push(`${where}: ${url.origin} has a secret already`);
      return;
    }
    if (secret.length < MIN_SECRET_LENGTH) {
      problems.push(`${where} (${url.origin}): the secret must have at least ${String(MIN_SECRET_LENGTH)} characters`);
      return;
    }
    secrets.set(url.origin, secret);
  });
  return { secrets, problems };
}
