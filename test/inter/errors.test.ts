// The mapping functions on their own, for answers and failures the emulator cannot produce (a TLS
// failure in the middle of a connection, a bank text quoting personal data).
import { describe, expect, it } from "vitest";
import { errorFromAnswer, errorFromTransport, parseRetryAfter } from "../../src/inter/errors.js";

const tlsError = (code: string): Error => Object.assign(new Error(`tls: ${code}`), { code });

describe("error mapping", () => {
  it("treats a refused client certificate as final and not ambiguous, any other TLS failure on a send as ambiguous", () => {
    for (const code of [
      "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
      "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
      "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
    ]) {
      expect(errorFromTransport("send-pix", tlsError(code))).toMatchObject({
        code: "INTER_TLS",
        ambiguous: false,
        retryable: false,
      });
    }
    for (const code of [
      "ERR_SSL_BAD_RECORD_TYPE",
      "ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR",
      "ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC",
    ]) {
      expect(errorFromTransport("send-pix", tlsError(code))).toMatchObject({
        code: "INTER_CONNECTION",
        ambiguous: true,
        retryable: true,
      });
      expect(errorFromTransport("get-pix", tlsError(code))).toMatchObject({
        code: "INTER_CONNECTION",
        ambiguous: false,
      });
    }
    expect(errorFromTransport("send-pix", tlsError("ERR_TLS_CERT_ALTNAME_INVALID"))).toMatchObject({
      code: "INTER_TLS",
      ambiguous: false,
    });
  });

  it("never calls an unexpected answer to a send a plain failure", () => {
    for (const status of [302, 307, 408, 413, 499]) {
      const err = errorFromAnswer({ operation: "send-pix", status, headers: {}, body: "" });
      expect(err).toMatchObject({ code: "INTER_UNEXPECTED_STATUS", ambiguous: true, retryable: true });
      expect(errorFromAnswer({ operation: "get-pix", status, headers: {}, body: "" })).toMatchObject({
        ambiguous: false,
        retryable: status === 408,
      });
    }
    expect(errorFromAnswer({ operation: "send-pix", status: 202, headers: {}, body: "{}" })).toMatchObject({
      code: "INTER_BAD_RESPONSE",
      ambiguous: true,
    });
  });

  it("masks personal data the bank quotes in title, detail and violations", () => {
    const body = JSON.stringify({
      title: "Chave fulano.silva@example.com inválida",
      detail:
        "A chave fulano.silva@example.com não existe no DICT; titular 529.982.247-25, Maria Souza, +5511987654321",
      violacoes: [{ razao: "valor 52998224725 inválido", propriedade: "destinatario.cpfCnpj", valor: "52998224725" }],
    });
    const err = errorFromAnswer({ operation: "send-pix", status: 422, headers: {}, body, personal: ["Maria Souza"] });
    const everything = JSON.stringify({
      message: err.message,
      title: err.title,
      detail: err.detail,
      json: err.toJSON(),
      stack: err.stack,
    });
    for (const pii of ["fulano.silva@example.com", "529.982.247-25", "52998224725", "Maria Souza", "+5511987654321"]) {
      expect(everything).not.toContain(pii);
    }
    expect(err.detail).toContain("f***@e***.com");
    expect(err.violations[0]).toMatchObject({ propriedade: "destinatario.cpfCnpj" });
  });

  it("maps 410 to 'gone', Inter's 503 to 'not executed, try later' (with Retry-After), 504 to 'may have executed'", () => {
    expect(errorFromAnswer({ operation: "send-pix", status: 410, headers: {}, body: "" })).toMatchObject({
      code: "INTER_GONE",
      retryable: false,
      ambiguous: false,
    });
    const problema = JSON.stringify({ title: "Serviço Indisponível", detail: "manutenção" });
    const maintenance = errorFromAnswer({
      operation: "send-pix",
      status: 503,
      headers: { "retry-after": "120" },
      body: problema,
    });
    expect(maintenance).toMatchObject({
      code: "INTER_SERVICE_UNAVAILABLE",
      retryable: true,
      ambiguous: false,
      retryAfterMs: 120_000,
    });
    // Without Inter's body, a 503 to a send may be a gateway's after the request reached the bank.
    expect(errorFromAnswer({ operation: "send-pix", status: 503, headers: {}, body: "" })).toMatchObject({
      code: "INTER_UNAVAILABLE",
      ambiguous: true,
    });
    expect(errorFromAnswer({ operation: "get-pix", status: 503, headers: {}, body: "" })).toMatchObject({
      code: "INTER_SERVICE_UNAVAILABLE",
      ambiguous: false,
    });
    expect(errorFromAnswer({ operation: "send-pix", status: 504, headers: {}, body: "" })).toMatchObject({
      code: "INTER_UNAVAILABLE",
      ambiguous: true,
    });
    expect(errorFromAnswer({ operation: "get-pix", status: 504, headers: {}, body: "" })).toMatchObject({
      code: "INTER_UNAVAILABLE",
      ambiguous: false,
    });
  });

  it("tells the token endpoint's 400 (Inter's answer to wrong credentials) to check the credentials", () => {
    const err = errorFromAnswer({
      operation: "token",
      status: 400,
      headers: {},
      body: '{"title":"Requisição inválida.","detail":"client_id ou client_secret inválido."}',
    });
    expect(err).toMatchObject({ code: "INTER_REJECTED", retryable: false });
    expect(err.message).toMatch(/check INTER_CLIENT_ID and INTER_CLIENT_SECRET/);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(parseRetryAfter("7")).toBe(7000);
    expect(parseRetryAfter(new Date(1_000_000 + 30_000).toUTCString(), 1_000_000)).toBe(30_000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
