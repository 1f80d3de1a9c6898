// Which requests a --no-auth dashboard answers. Without authentication, the only
// protection is that nothing but this machine's own browser and scripts can talk to it — and a web page
// whose host name its owner points at 127.0.0.1 (DNS rebinding) is, for the browser, of the same origin as
// the dashboard: it could read /api/session (the CSRF token) and post a retry. Such a request carries the
// page's host name in Host, so only the loopback names on the port we listen on are answered (421
// Misdirected Request otherwise), and nothing that passed through a proxy.

/** Headers a proxy adds: a --no-auth dashboard reached through one is not local any more. */
const PROXY_HEADERS = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip"];
const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

/** Why a request may not reach a --no-auth dashboard listening on `localPort`, or undefined. */
export function notLocalProblem(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  localPort: number | undefined,
): string | undefined {
  if (PROXY_HEADERS.some((h) => headers[h] !== undefined)) {
    return "this dashboard runs without authentication (--no-auth) and answers no request that passed through a proxy (Forwarded / X-Forwarded-* headers); behind a proxy, set PIXOUT_DASHBOARD_USERS";
  }
  const host = typeof headers["host"] === "string" ? headers["host"].toLowerCase() : "";
  const port = String(localPort ?? "");
  // Browsers leave the default port out of Host.
  const allowed = LOOPBACK_NAMES.flatMap((name) => (port === "80" ? [name, `${name}:80`] : [`${name}:${port}`]));
  if (allowed.includes(host)) return undefined;
  return `this dashboard runs without authentication (--no-auth) and answers only requests addressed to ${LOOPBACK_NAMES.map((n) => `http://${n}:${port}`).join(", ")}`;
}
