import { test, expect } from "./fixtures";
import { Wire } from "./weight";
import { signIn, workspaceLive } from "./helpers";

/** What a visitor's first open of the chat may cost over the wire, every request of the
 * widget's frame and of the tracker included (compressed, as served). */
const BUDGET_BYTES = 120_000;

test("a visitor's first open of the chat stays within its byte budget and never loads the workspace", async ({ page }) => {
  const wire = await Wire.watch(page);
  await page.goto("/demo");
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.frameLocator("iframe.sb-frame");
  await expect(chat.getByRole("textbox", { name: "Type your message" })).toBeEnabled();
  await page.waitForLoadState("networkidle");

  const paths = wire.list().map((t) => new URL(t.url).pathname);
  expect(paths.filter((p) => p.startsWith("/pkg/switchboard")), "the workspace's bundle").toEqual([]);
  expect(paths.some((p) => p.startsWith("/pkg/widget.") && p.endsWith(".wasm"))).toBe(true);
  const hostPage = wire.list().filter((t) => new URL(t.url).pathname.startsWith("/demo"));
  const chatBytes = wire.total() - hostPage.reduce((sum, t) => sum + t.bytes, 0);
  console.log(wire.report(`The chat's first open: ${chatBytes} bytes (budget ${BUDGET_BYTES})`));
  expect(chatBytes).toBeLessThanOrEqual(BUDGET_BYTES);
});

test("the workspace loads without the rarely opened pages, which come when first opened", async ({ page }) => {
  await signIn(page);
  const wire = await Wire.watch(page);
  await page.goto("/");
  await workspaceLive(page);
  await page.waitForLoadState("networkidle");
  const chunks = () => wire.list().map((t) => new URL(t.url).pathname).filter((p) => p.startsWith("/pkg/split_"));
  expect(chunks(), "no page chunk with the workspace").toEqual([]);

  await page.getByRole("link", { name: "Administration" }).click();
  await expect(page.getByRole("heading", { name: "Inboxes" })).toBeVisible();
  expect(chunks().filter((p) => p.includes("admin_route")), "the administration page's own chunk").toHaveLength(1);
  // Moving on to another rare page brings its chunk in turn.
  await page.getByRole("link", { name: "Tickets" }).click();
  await expect(page.getByRole("heading", { name: "Tickets" })).toBeVisible();
  expect(chunks().some((p) => p.includes("tickets_route"))).toBe(true);
});
