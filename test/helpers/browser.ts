// Headless Chromium for the dashboard's browser tests (Debian's `chromium`, installed by .ci/run;
// playwright-core with executablePath — no browser download), kept off the network, and each page's
// console errors collected: the dashboard must log none of its own.
import { existsSync, mkdirSync } from "node:fs";
import { afterAll, afterEach, beforeAll } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import type { TestUser } from "./dashboard.js";

// eslint-disable-next-line no-restricted-properties -- where the browser is, as CI installs it
export const CHROMIUM = process.env["PIXOUT_CHROMIUM"] ?? "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install chromium; .ci/run does) or set PIXOUT_CHROMIUM`,
    );
  }
  // The flags keep Chromium off the network (this machine has none) and out of a sandbox it cannot make as root.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface BrowserSession {
  /** A new page signed in as `user` (HTTP Basic), in its own context. */
  login(user: TestUser, options?: { colorScheme?: "light" | "dark" }): Promise<Page>;
  /** Console errors and page errors of every page so far. */
  readonly consoleErrors: string[];
  /** Closes every context opened (a page left open would poll a dashboard that is gone). */
  closeAll(): Promise<void>;
}

export function browserSession(browser: () => Browser | undefined): BrowserSession {
  const contexts: BrowserContext[] = [];
  const consoleErrors: string[] = [];
  return {
    consoleErrors,
    async login(user, options = {}) {
      const b = browser();
      if (!b) throw new Error("Chromium did not start");
      const context = await b.newContext({
        httpCredentials: { username: user.name, password: user.password },
        viewport: { width: 1280, height: 900 },
        ...(options.colorScheme === undefined ? {} : { colorScheme: options.colorScheme }),
      });
      contexts.push(context);
      const page = await context.newPage();
      page.on("pageerror", (err) => consoleErrors.push(`${page.url()}: ${err.message}`));
      page.on("console", (message) => {
        if (message.type() === "error") consoleErrors.push(`${page.url()}: ${message.text()}`);
      });
      return page;
    },
    async closeAll() {
      await Promise.all(contexts.splice(0).map((c) => c.close()));
      consoleErrors.length = 0;
    },
  };
}

/**
 * For a describe block: Chromium launched before its tests (and `output`, the screenshots' folder, made),
 * each test's pages closed after it, the browser closed at the end.
 */
export function useChromium(output: string): BrowserSession {
  let browser: Browser | undefined;
  beforeAll(async () => {
    mkdirSync(output, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  const session = browserSession(() => browser);
  afterEach(() => session.closeAll());
  return session;
}
