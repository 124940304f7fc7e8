/**
 * The console with `server.security.useAuth: true`, in chromium: a deep link
 * opened without a session goes to `/login?redirect_url=<that page>`, through
 * the OpenID provider's sign-in, and comes back to the page asked for, which
 * then loads its data with the login cookies and shows who is signed in.
 * Skipped, with the reason, where chromium is not installed.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { type AuthTestServer, clientToken, ROBOT, startAuthServer } from "./support/auth.js";
import { chromiumPath, launchChromium, screenshot } from "./support/chromium.js";
import { ALICE } from "./support/oidc-idp.js";
import { testDialects } from "./support/server.js";

const missing = chromiumPath() ? undefined : "chromium is not installed (apt-get install chromium)";
if (missing) console.log(`# SKIP console login tests: ${missing}`);

/** Answers the provider's development login and consent pages until the browser is back on `base`. */
async function signIn(page: Page, base: string, user: string): Promise<void> {
  const host = new URL(base).host;
  for (let round = 0; round < 5; round++) {
    await page.waitForLoadState("domcontentloaded");
    if (new URL(page.url()).host === host) return;
    const login = page.locator('input[name="login"]');
    if (await login.count()) {
      await login.fill(user);
      await page.locator('input[name="password"]').fill("any");
    }
    await Promise.all([page.waitForEvent("framenavigated"), page.locator('button[type="submit"]').first().click()]);
  }
  throw new Error(`sign-in did not come back to ${base}: at ${page.url()}`);
}

for (const dialect of testDialects()) {
  describe(`console login with auth on [${dialect}]`, { skip: missing }, () => {
    let a: AuthTestServer;
    let browser: Browser;
    before(async () => {
      a = await startAuthServer(dialect);
      browser = await launchChromium();
      const token = await clientToken(a.base, ROBOT);
      const res = await fetch(`${a.base}/api/v1/projects`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ project: { id: "authproj", name: "authproj" } }),
      });
      assert.equal(res.status, 200, await res.text());
    });
    after(async () => {
      await browser?.close();
      await a?.close();
    });

    test("a deep link without a session goes through /login and comes back to that page", async () => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.setDefaultTimeout(20_000);
      const wanted = `${a.base}/console/projects/authproj/domains/development/executions`;
      const loginRequests: string[] = [];
      page.on("request", (r) => {
        if (new URL(r.url()).pathname === "/login") loginRequests.push(r.url());
      });
      await page.goto(wanted);
      await page.waitForURL((u) => u.host !== new URL(a.base).host);
      assert.equal(loginRequests.length, 1);
      const login = new URL(loginRequests[0] ?? "");
      assert.equal(login.searchParams.get("redirect_url"), wanted);
      await signIn(page, a.base, ALICE.sub);
      await page.waitForURL(wanted);
      await page.getByRole("heading", { name: /Executions/ }).waitFor();
      await page.getByText(ALICE.name).waitFor();
      await screenshot(page, "20-after-login");
      await page.close();
    });
  });
}
