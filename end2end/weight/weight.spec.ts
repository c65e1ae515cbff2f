import { test, expect } from "../tests/fixtures";
import { ADMIN, workspaceLive } from "../tests/helpers";
import { Wire } from "../tests/weight";

// The measuring program (scripts/measure-weight.sh): what a visitor and an agent download,
// as Chromium counts it. It prints figures; the budget itself is checked by the test suite.

test("a visitor's first and second open of the chat", async ({ browser, server }) => {
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  const wire = await Wire.watch(page);
  await page.goto(`${server.url}/demo`);
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.frameLocator("iframe.sb-frame");
  await expect(chat.getByRole("textbox", { name: "Type your message" })).toBeEnabled();
  await page.waitForLoadState("networkidle");
  const hostPage = wire.list().filter((t) => new URL(t.url).pathname.startsWith("/demo"));
  const hostBytes = hostPage.reduce((sum, t) => sum + t.bytes, 0);
  console.log(wire.report("First open of the chat on /demo (cold cache), host page included:"));
  console.log(`  ${String(wire.total() - hostBytes).padStart(9)}  the chat's own cost (without the host page /demo)\n`);

  // Another page of the same site: the bundles come from the cache.
  wire.reset();
  await page.goto(`${server.url}/demo/pricing`);
  await page.getByRole("button", { name: "Open chat" }).click();
  await expect(chat.getByRole("textbox", { name: "Type your message" })).toBeEnabled();
  await page.waitForLoadState("networkidle");
  console.log(wire.report("Second open, on /demo/pricing (warm cache):"));
  const bundles = wire.list().filter((t) => new URL(t.url).pathname.startsWith("/pkg/") && t.bytes > 0);
  console.log(`  bundles downloaded again: ${bundles.length}\n`);
  await context.close();
});

test("an agent's first load of the workspace", async ({ browser, server }) => {
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  const signIn = await page.request.post(`${server.url}/api/sign_in`, {
    form: { email: ADMIN.email, password: ADMIN.password },
  });
  expect(signIn.ok()).toBe(true);
  const wire = await Wire.watch(page);
  const started = Date.now();
  await page.goto(`${server.url}/`);
  await workspaceLive(page);
  const live = Date.now() - started;
  await page.waitForLoadState("networkidle");
  console.log(wire.report("Workspace, first load (cold cache, signed in):"));
  console.log(`  conversation list live after ${live} ms (loopback)\n`);

  // A page agents open rarely, reached from the workspace: its code comes now, not before.
  wire.reset();
  await page.getByRole("link", { name: "Administration" }).click();
  await expect(page.getByRole("heading", { name: "Inboxes" })).toBeVisible();
  await page.waitForLoadState("networkidle");
  console.log(wire.report("Then opening Administration from the workspace:"));
  await context.close();
});
