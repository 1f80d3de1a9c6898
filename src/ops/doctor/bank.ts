// Doctor: the bank answers over mutual TLS with our certificate. One GET of the base URL's root through the
// same agent the worker uses: any HTTP answer (a 404 is fine) proves DNS, TCP, the bank's certificate and
// ours; it asks for no token and touches no rate-limited endpoint.
import { performance } from "node:perf_hooks";
import { request } from "undici";
import type { InterSettings } from "../../config.js";
import { errorFromTransport, type InterError } from "../../inter/errors.js";
import type { InterAgent } from "../../inter/tls-agent.js";
import { failure, ok, type Check } from "./check.js";

/** The one thing to do about a failed connection to the bank. */
export function connectionFix(error: InterError, baseUrl: string): string {
  if (error.code === "INTER_TLS" && /refused our client certificate/.test(error.message)) {
    return "use the integration's current certificate and key (INTER_CERT_FILE + INTER_KEY_FILE, or INTER_PFX_FILE)";
  }
  if (error.code === "INTER_TLS") {
    return `check INTER_BASE_URL (${baseUrl}); for the emulator set INTER_CA_FILE to its CA (certs/dev/ca.crt)`;
  }
  return `check INTER_BASE_URL (${baseUrl}) and that this machine reaches it (DNS, firewall, proxy)`;
}

/** An InterError's message without its operation prefix ("get-pix: …"), which means nothing here. */
export function withoutOperation(error: InterError): string {
  return error.message.replace(/^[a-z-]+: /, "");
}

export async function checkBankConnection(settings: InterSettings, agent: InterAgent): Promise<Check> {
  const started = performance.now();
  try {
    const answer = await request(`${settings.baseUrl}/`, { method: "GET", dispatcher: agent.dispatcher });
    await answer.body.dump();
    const ms = Math.round(performance.now() - started);
    return ok(
      "bank.connection",
      "bank over mTLS",
      `${settings.baseUrl} answered over TLS, our client certificate offered (HTTP ${String(answer.statusCode)} to GET /, ${String(ms)} ms)`,
    );
  } catch (cause) {
    // A GET executes nothing, so the message never says a payment may have gone out.
    const error = errorFromTransport("get-pix", agent.tlsFailureOf(cause) ?? cause);
    return failure(
      "bank.connection",
      "bank over mTLS",
      withoutOperation(error),
      connectionFix(error, settings.baseUrl),
    );
  }
}
