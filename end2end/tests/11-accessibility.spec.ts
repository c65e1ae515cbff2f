import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { test, expect } from "./fixtures";
import { ADMIN, agentAt, conversationFrom, say } from "./helpers";

// Reached by keyboard and by assistive technology: the shortcuts, and an automated check
// (axe-core) of every kind of page with no serious or critical violation.

test.afterEach(async ({ browser }) => {
  await Promise.all(browser.contexts().map((context) => context.close()));
});

/** The serious and critical violations axe-core finds on the page as it is now. */
async function serious(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

test("the keyboard alone moves through the list, writes a reply or a note, opens the actions and closes", async ({ browser }) => {
  test.setTimeout(90_000);
  const agent = await agentAt(browser, 1280, 720);
  const first = await conversationFrom(browser, agent, "Keyboard first");
  const second = await conversationFrom(browser, agent, "Keyboard second");
  await agent.getByRole("button", { name: /^My chats/ }).click();

  // j and k: the next and previous conversation of the list.
  await agent.keyboard.press("k");
  await expect(agent).toHaveURL(new RegExp(`/conversations/${first}(\\?|$)`));
  await agent.keyboard.press("j");
  await expect(agent).toHaveURL(new RegExp(`/conversations/${second}(\\?|$)`));

  // r: the reply box, where letters are text; Alt+N: a note; Escape leaves the box.
  await agent.keyboard.press("r");
  const reply = agent.getByRole("textbox", { name: "Reply", exact: true });
  await expect(reply).toBeFocused();
  await agent.keyboard.type("just checking");
  await expect(reply).toHaveValue("just checking");
  await expect(agent).toHaveURL(new RegExp(`/conversations/${second}(\\?|$)`));
  await agent.keyboard.press("Alt+n");
  await expect(agent.getByRole("textbox", { name: "Internal note" })).toBeFocused();
  await agent.keyboard.press("Escape");
  await expect(agent.getByRole("textbox", { name: "Internal note" })).not.toBeFocused();

  // a: the actions menu, its first item focused.
  await agent.keyboard.press("a");
  await expect(agent.getByRole("menu", { name: "Actions" })).toBeVisible();
  await expect(agent.getByRole("menuitem").first()).toBeFocused();
  await agent.keyboard.press("Escape");
  await expect(agent.getByRole("menu")).toBeHidden();

  // ?: the list of shortcuts.
  await agent.keyboard.press("?");
  const help = agent.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(help).toContainText("Close the conversation");
  await expect(help.getByRole("button", { name: "Close" })).toBeFocused();
  await agent.keyboard.press("Escape");
  await expect(help).toBeHidden();

  // Shift+C closes the open conversation.
  await agent.keyboard.press("Shift+C");
  await expect(agent.getByRole("log")).toContainText(`${ADMIN.name} ended the chat`);
});

test("the workspace, a conversation, the widget and the admin pages have no serious accessibility violation, and their security policy refuses nothing of theirs", async ({ browser }) => {
  test.setTimeout(90_000);
  // What the pages' Content-Security-Policy blocked, as the browser reports it.
  const refusedByPolicy: string[] = [];
  const watch = (page: Page) =>
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) refusedByPolicy.push(message.text());
    });
  const agent = await agentAt(browser, 1280, 720);
  watch(agent);
  expect(await serious(agent), "workspace, nothing open").toEqual([]);
  await conversationFrom(browser, agent, "Checking with axe");
  await expect(agent.getByRole("complementary", { name: "About the visitor" })).toBeVisible();
  expect(await serious(agent), "workspace, a conversation open").toEqual([]);
  await agent.getByRole("button", { name: /^Active chats: / }).click();
  await expect(agent.getByRole("list", { name: "Visitors online" })).toBeVisible();
  expect(await serious(agent), "workspace, the master popup").toEqual([]);

  const dark = await agentAt(browser, 1280, 720, "dark");
  watch(dark);
  await dark.goto(new URL(agent.url()).pathname);
  await expect(dark.getByRole("complementary", { name: "About the visitor" })).toBeVisible();
  expect(await serious(dark), "workspace in the dark").toEqual([]);

  const visitor = await (await browser.newContext({ locale: "en-US" })).newPage();
  watch(visitor);
  await visitor.goto("/demo");
  await visitor.getByRole("button", { name: "Open chat" }).click();
  const chat = visitor.frameLocator("iframe.sb-frame");
  await say(chat, /type your message/i, "Is this readable?");
  await expect(chat.getByRole("log")).toContainText("Is this readable?");
  expect(await serious(visitor), "the demo page with the widget open").toEqual([]);

  for (const path of ["/admin", "/admin/agents", "/admin/blocks", "/admin/audit"]) {
    await agent.goto(path);
    await expect(agent.getByRole("navigation", { name: "Administration" })).toBeVisible();
    expect(await serious(agent), path).toEqual([]);
  }
  // Straight to the inbox's page (a click on a page still hydrating may be lost).
  await agent.goto("/admin");
  const inboxPage = await agent.getByRole("link", { name: "Demo website" }).getAttribute("href");
  await agent.goto(inboxPage!);
  await expect(agent.getByRole("heading", { name: "Widget code" })).toBeVisible();
  expect(await serious(agent), "an inbox's page").toEqual([]);
  await agent.getByRole("navigation").getByRole("link", { name: "Reports" }).click();
  await expect(agent.getByRole("img", { name: "Busiest hours" })).toBeVisible();
  expect(await serious(agent), "the reports page").toEqual([]);
  expect(refusedByPolicy).toEqual([]);
});

test.describe("before anyone is set up", () => {
  test.use({ withAdmin: false });

  test("the setup page has no serious accessibility violation", async ({ page }) => {
    await page.goto("/setup");
    await expect(page.getByRole("heading", { name: "Set up Switchboard" })).toBeVisible();
    expect(await serious(page), "setup").toEqual([]);
  });
});
