import { describe, expect, it } from "vitest";
import { InterRejectedError } from "../../src/inter/errors.js";
import { bankFor } from "../helpers/bank.js";
import { NO_LIMITS, startTestEmulator } from "../helpers/emulator.js";

describe("webhook registration (pix-pagamento)", () => {
  it("registers, shows and deletes the webhook with a token of the webhook scopes", async () => {
    const emulator = await startTestEmulator({ limits: NO_LIMITS });
    const { client } = bankFor(emulator);
    expect(await client.getWebhook()).toBeUndefined();
    await client.registerWebhook("https://pixout.example.com/inter/callbacks");
    const registered = await client.getWebhook();
    expect(registered?.webhookUrl).toBe("https://pixout.example.com/inter/callbacks");
    expect(registered?.createdAt).toBeTruthy();
    await client.deleteWebhook();
    expect(await client.getWebhook()).toBeUndefined();
    // INTER_SCOPES holds the payment scopes only, so the webhook calls used tokens of their own: one
    // with webhook-banking.read, one with webhook-banking.write (an integration may have just one).
    expect(emulator.ledger.snapshot().tokens.calls).toBe(2);
  });

  it("refuses a webhook URL that is not https, with Inter's violation", async () => {
    const emulator = await startTestEmulator({ limits: NO_LIMITS });
    const err = await bankFor(emulator)
      .client.registerWebhook("http://insecure.example.com/hook")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterRejectedError);
    expect((err as InterRejectedError).violations[0]?.propriedade).toBe("webhookUrl");
  });
});
