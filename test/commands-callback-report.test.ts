// What `pixout webhook callbacks` shows of Inter's record of its deliveries, and what replay takes: pure.
import { describe, expect, it } from "vitest";
import { deliveryRows, describeRows, failedUnreadable, neverDelivered } from "../src/cli/commands/callback-report.js";

/** A fixed moment for a delivery record that only has to look real: never compared with the clock. */
const FIXED_AT = new Date(Date.UTC(2026, 10, 27, 13)).toISOString().slice(0, 19);

const item = (codigo: string, extra: Record<string, unknown> = {}) => ({
  codigoSolicitacao: codigo,
  status: "EFETIVADO",
  valor: "12.34",
  chave: "maria.silva@example.com",
  recebedor: { nome: "Maria da Silva", cpfCnpj: "52998224725" },
  ...extra,
});

describe("callback report", () => {
  it("keeps what identifies a payment and its delivery, never the recipient, the URL's token or user", () => {
    const rows = deliveryRows([
      {
        webhookUrl: "https://ops:pa55@hooks.example.com/pix?token=s3cret",
        attempt: 1,
        sentAt: FIXED_AT,
        delivered: false,
        httpStatus: 500,
        error: "falha ao entregar para Maria da Silva (52998224725)",
        payload: [item("c-1")],
      },
    ]);
    const text = JSON.stringify(rows) + describeRows(rows);
    for (const secret of ["maria.silva", "Maria da Silva", "52998224725", "pa55", "s3cret", "ops:"])
      expect(text).not.toContain(secret);
    expect(rows[0]).toMatchObject({
      webhookUrl: "https://hooks.example.com/pix",
      items: [{ codigoSolicitacao: "c-1", status: "EFETIVADO", valor: "12.34" }],
    });
  });

  it("reads a body Inter recorded as a JSON string, and replays only payments never delivered", () => {
    const rows = deliveryRows([
      { delivered: false, payload: JSON.stringify([item("c-1"), item("c-2")]) },
      { delivered: true, payload: [item("c-2")] },
      { delivered: false, payload: [item("c-3")] },
    ]);
    expect(neverDelivered(rows)).toEqual(["c-1", "c-3"]);
    expect(failedUnreadable(rows)).toBe(0);
  });

  it("counts a failed delivery it cannot read, instead of calling the window delivered", () => {
    const rows = deliveryRows([
      { delivered: false, payload: "<html>garbage</html>" },
      { delivered: false, payload: [{ status: "EFETIVADO" }] },
    ]);
    expect(neverDelivered(rows)).toEqual([]);
    expect(failedUnreadable(rows)).toBe(2);
    expect(describeRows(rows)).toContain("failed deliveries that could not be read: 2");
  });
});
