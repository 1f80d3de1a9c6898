import { describe, expect, it } from "vitest";
import { captureLogs } from "./helpers/log-capture.js";

// Built at run time so that no file of the repository carries a private-key marker.
const PEM_HEADER = ["-----BEGIN", "PRIVATE", "KEY-----"].join(" ");

describe("logger", () => {
  it("redacts secrets and masks personal data by field name at any depth", () => {
    const { logger, lines } = captureLogs();
    logger.info(
      {
        client_secret: "s3cr3t-value-1",
        headers: { authorization: "Bearer abc.def.ghi" },
        deep: { token: { accessToken: "tok-123456789" } },
        recipient: { type: "key", key: "fornecedor@example.com" },
        destinatario: { chave: "12345678909", nome: "Maria Silva", cpfCnpj: "12345678909" },
        violacoes: [{ razao: "inválido", propriedade: "destinatario.chave", valor: "fornecedor@example.com" }],
        tls: { key: PEM_HEADER },
      },
      "payment",
    );
    const line = lines[0] ?? "";
    for (const leak of [
      "s3cr3t-value-1",
      "abc.def.ghi",
      "tok-123456789",
      "fornecedor@example.com",
      "12345678909",
      "Maria Silva",
      PEM_HEADER,
    ]) {
      expect(line).not.toContain(leak);
    }
    const parsed = JSON.parse(line) as {
      recipient: { key: string };
      destinatario: { nome: string; cpfCnpj: string };
      client_secret: string;
    };
    expect(parsed.recipient.key).toBe("f***@e***.com");
    expect(parsed.destinatario).toMatchObject({ nome: "M*** S***", cpfCnpj: "***.456.789-**" });
    expect(parsed.client_secret).toBe("[REDACTED]");
  });

  it("keeps pino's own logger name readable", () => {
    const { logger, lines } = captureLogs();
    logger.child({ name: "emulator" }).info("hello");
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ name: "emulator", msg: "hello" });
  });

  it("scrubs registered secret values wherever they appear, even inside messages", () => {
    const { logger, lines, secrets } = captureLogs();
    secrets.add("very-secret-token-value");
    secrets.add("x"); // too short to be a secret: ignored rather than scrubbing every "x"
    logger.info({ note: "got very-secret-token-value back" }, "token very-secret-token-value in text x");
    expect(lines[0]).not.toContain("very-secret-token-value");
    expect(lines[0]).toContain("[REDACTED]");
    expect(lines[0]).toContain("in text x");
  });
});
