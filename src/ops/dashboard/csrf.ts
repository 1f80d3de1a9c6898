// CSRF protection of the dashboard's state-changing requests.
//
// Why it is needed with HTTP Basic: once a user has logged in, the browser attaches the Basic credentials
// to every request to the dashboard's origin — including requests that another site's page makes (a form
// posted cross-site, a fetch with no-cors). Authentication alone would let any web page an operator visits
// retry payments in their name. So a request that changes anything must also prove it comes from our own
// page: (a) an x-csrf-token header only our page can know (from GET /api/session, which another site cannot
// read: same-origin policy) — a new one at each call, naming its user and the moment it was made, signed
// under the dashboard's secret, and good for CSRF_TOKEN_TTL_MS only, so a token that leaked (a log, a
// screenshot, a proxy) soon stops working; (b) an Origin, when the
// browser sends one, that is ours, (c) Sec-Fetch-Site not cross-site, (d) a JSON content type, which no
// HTML form can send and which makes a cross-site fetch need a CORS preflight we never grant.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** Methods that change nothing (RFC 9110 safe methods): not checked. */
export const SAFE_METHODS: readonly string[] = ["GET", "HEAD", "OPTIONS"];

/** How long a token from GET /api/session is accepted (the page asks for a fresh one before each retry). */
export const CSRF_TOKEN_TTL_MS = 10 * 60_000;
/** Clock skew tolerated between dashboard replicas sharing PIXOUT_DASHBOARD_SECRET. */
const SKEW_MS = 60_000;

function mac(secret: Buffer, user: string, issued: string, nonce: string): string {
  return createHmac("sha256", secret).update(`pixout-dashboard-csrf\0${user}\0${issued}\0${nonce}`).digest("base64url");
}

/** A fresh token for `user`: `issued.nonce.mac` (issued in base 36 epoch ms). */
export function csrfToken(secret: Buffer, user: string, now: number): string {
  const issued = Math.floor(now).toString(36);
  const nonce = randomBytes(12).toString("base64url");
  return `${issued}.${nonce}.${mac(secret, user, issued, nonce)}`;
}

/** Why `token` is not a valid token of `user` at `now`, or undefined when it is. */
function tokenProblem(token: string, secret: Buffer, user: string, now: number): string | undefined {
  const [issued, nonce, given, ...rest] = token.split(".");
  if (
    issued === undefined ||
    nonce === undefined ||
    given === undefined ||
    rest.length > 0 ||
    !/^[0-9a-z]{1,11}$/.test(issued)
  ) {
    return "wrong x-csrf-token: take csrfToken from GET /api/session";
  }
  const expected = Buffer.from(mac(secret, user, issued, nonce));
  const got = Buffer.from(given);
  if (got.length !== expected.length || !timingSafeEqual(got, expected))
    return "wrong x-csrf-token: take csrfToken from GET /api/session";
  const at = parseInt(issued, 36);
  if (at > now + SKEW_MS || now - at > CSRF_TOKEN_TTL_MS)
    return "expired x-csrf-token: take a fresh csrfToken from GET /api/session";
  return undefined;
}

export interface CsrfRequest {
  method: string;
  user: string;
  headers: { token?: string; origin?: string; secFetchSite?: string; contentType?: string };
  /** The origin the request was made to (scheme://host[:port] as this server sees it, from the Host header). */
  ownOrigin: string;
  /** Epoch ms: tokens expire. */
  now: number;
}

/** Why the request is refused, or undefined when it may proceed. */
export function csrfProblem(
  request: CsrfRequest,
  secret: Buffer,
  publicOrigin: string | undefined,
): string | undefined {
  if (SAFE_METHODS.includes(request.method.toUpperCase())) return undefined;
  const { token, origin, secFetchSite, contentType } = request.headers;
  const mediaType = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json")
    return "a state-changing request must be sent as Content-Type: application/json";
  if (secFetchSite?.toLowerCase() === "cross-site") return "cross-site request refused (Sec-Fetch-Site: cross-site)";
  // With PIXOUT_DASHBOARD_ORIGIN set, it is the only origin: the Host header says whatever the client (or a
  // DNS-rebinding page) wants, so it is trusted only when nothing better is known.
  if (origin !== undefined && origin !== (publicOrigin ?? request.ownOrigin)) {
    return publicOrigin === undefined
      ? `request from another origin refused (Origin ${origin}); behind a proxy, set PIXOUT_DASHBOARD_ORIGIN to the address browsers use`
      : `request from another origin refused (Origin ${origin}, PIXOUT_DASHBOARD_ORIGIN is ${publicOrigin})`;
  }
  if (token === undefined || token === "") return "missing x-csrf-token header: take csrfToken from GET /api/session";
  return tokenProblem(token, secret, request.user, request.now);
}
