// Where a notification may go: the rule for a payment's `callbackUrl` and for PIXOUT_NOTIFY_URL. Pure.
// Secrets are keyed by origin (scheme://host[:port]), so a destination is always looked up by its origin.

export const MAX_DESTINATION_LENGTH = 2048;

/** Plain http:// is allowed only to this machine (a receiver next to the worker, or a test's). */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Why `text` cannot be a destination, or undefined when it can. Never echoes the text. */
export function destinationProblem(text: string): string | undefined {
  if (text.length > MAX_DESTINATION_LENGTH) return `must have at most ${MAX_DESTINATION_LENGTH} characters`;
  if (!/^[\x21-\x7e]+$/.test(text))
    return "must be an absolute https:// URL without spaces (non-ASCII characters percent-encoded)";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "must be an absolute https:// URL";
  }
  if (url.username !== "" || url.password !== "") return "must not carry credentials (user:password@)";
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:") {
    return LOOPBACK_HOSTS.has(url.hostname)
      ? undefined
      : "must be https:// (http:// only for localhost, 127.0.0.1 or [::1])";
  }
  return "must be an https:// URL";
}

/** `https://erp.example.com:443/hooks?x=1` → `https://erp.example.com` (lower-case host, default port dropped). */
export function originOf(url: string): string {
  return new URL(url).origin;
}
