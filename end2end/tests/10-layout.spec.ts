import type { Page } from "@playwright/test";
import { test, expect } from "./fixtures";
import { ADMIN, agentAt, agentPage, conversationFrom, say, signIn, visitorWithChat, workspaceLive } from "./helpers";

// The workspace as agents use it all day: the conversation in the middle with most of the
// height, details in a sidebar that folds, and an address for every conversation.

test.afterEach(async ({ browser }) => {
  await Promise.all(browser.contexts().map((context) => context.close()));
});

/** The main timeline's height as a share of the window's, and whether the page scrolls sideways. */
async function proportions(agent: Page) {
  const timeline = await agent.locator(".conversation-column [role=log]").boundingBox();
  const viewport = agent.viewportSize();
  const sideways = await agent.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  return { share: (timeline?.height ?? 0) / (viewport?.height ?? 1), sideways };
}

test("at 1280×720 the timeline has most of the height and the sidebar folds and stays folded", async ({ browser }) => {
  const agent = await agentAt(browser, 1280, 720);
  await conversationFrom(browser, agent, "Where is my parcel");

  const sidebar = agent.getByRole("complementary", { name: "Conversation details" });
  await expect(sidebar).toBeVisible();
  await expect(sidebar.getByRole("heading", { name: "About the visitor" })).toBeVisible();
  await expect(sidebar.getByText(/Conversation ID/)).toBeVisible();
  const open = await proportions(agent);
  expect(open.share).toBeGreaterThanOrEqual(0.6);
  expect(open.sideways).toBe(false);

  const toggle = agent.getByRole("button", { name: "Details", exact: true });
  await expect(toggle).toHaveAttribute("aria-expanded", "true");
  await toggle.click();
  await expect(sidebar).toBeHidden();
  await expect(toggle).toHaveAttribute("aria-expanded", "false");

  // The choice is kept: after a reload the sidebar is still folded.
  await agent.reload();
  await expect(agent.getByText("You have this conversation")).toBeVisible();
  await expect(agent.getByRole("button", { name: "Details", exact: true })).toHaveAttribute("aria-expanded", "false");
  await expect(sidebar).toBeHidden();
});

test("at 1024×768 the sidebar starts folded behind its button and nothing scrolls sideways", async ({ browser }) => {
  const agent = await agentAt(browser, 1024, 768);
  await conversationFrom(browser, agent, "Can I change my order");

  const sidebar = agent.getByRole("complementary", { name: "Conversation details" });
  await expect(sidebar).toBeHidden();
  const folded = await proportions(agent);
  expect(folded.share).toBeGreaterThanOrEqual(0.6);
  expect(folded.sideways).toBe(false);

  await agent.getByRole("button", { name: "Details", exact: true }).click();
  await expect(sidebar).toBeVisible();
  await expect(sidebar.getByRole("heading", { name: "About the visitor" })).toBeVisible();
  expect((await proportions(agent)).sideways).toBe(false);
});

test("every conversation has an address: reload, back and forward, a link in another tab, chat boxes", async ({ browser }) => {
  const agent = await agentPage(browser);
  const first = await conversationFrom(browser, agent, "First question here");
  const second = await conversationFrom(browser, agent, "Second question here");
  const heading = (id: number) => agent.getByRole("heading", { name: new RegExp(`^Conversation ${id} with`) });
  await expect(heading(second)).toBeVisible();

  await agent.goBack();
  await expect(agent).toHaveURL(new RegExp(`/conversations/${first}$`));
  await expect(heading(first)).toBeVisible();
  await agent.goForward();
  await expect(heading(second)).toBeVisible();

  // The view is in the address too, and a reload keeps both.
  await agent.getByRole("navigation", { name: /conversation views/i }).getByRole("button", { name: /My chats/ }).click();
  await expect(agent).toHaveURL(new RegExp(`/conversations/${second}\\?view=mine$`));
  await agent.getByRole("button", { name: "Open as chat box" }).click();
  await agent.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /First question/ }).click();
  await expect(heading(first)).toBeVisible();
  await agent.reload();
  await expect(heading(first)).toBeVisible();
  await expect(agent.getByRole("navigation", { name: /conversation views/i }).getByRole("button", { name: /My chats/ })).toHaveAttribute("aria-pressed", "true");
  // The chat box of the second conversation came back with the page, with its own actions.
  await expect(agent.getByRole("textbox", { name: /Reply to/ })).toBeVisible();
  const chatBox = agent.locator(".chat-box");
  await chatBox.getByRole("button", { name: "Actions" }).click();
  await chatBox.getByRole("menuitem", { name: "Send transcript" }).click();
  await expect(chatBox.getByRole("dialog", { name: "Send transcript" })).toBeVisible();
  await chatBox.getByRole("button", { name: "Close", exact: true }).click();
  await expect(chatBox.getByRole("dialog", { name: "Send transcript" })).toHaveCount(0);

  // A link pasted to a colleague (here: another browser of the same team) opens it.
  const colleague = await agentPage(browser);
  await colleague.goto(`/conversations/${first}`);
  await expect(colleague.getByRole("heading", { name: new RegExp(`^Conversation ${first} with`) })).toBeVisible();

  // An agent outside the conversation's inbox gets a clear refusal, and nothing of it.
  await agent.getByRole("link", { name: "Administration" }).click();
  await agent.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Agents" }).click();
  const agents = agent.getByRole("region", { name: "Agents" });
  await agents.getByLabel("Name").fill("Otto Outside");
  await agents.getByLabel("Email").fill("otto@example.com");
  await agents.getByLabel("Password").fill(ADMIN.password);
  await agents.getByRole("button", { name: "Create agent" }).click();
  await expect(agents.getByRole("row", { name: /Otto Outside/ })).toBeVisible();
  const outsider = await agentPage(browser, "en-US", "otto@example.com");
  await outsider.goto(`/conversations/${first}`);
  await expect(outsider.getByRole("alert")).toHaveText(
    `Conversation ${first} does not exist, or it is in an inbox you are not a member of.`,
  );
  await expect(outsider.getByText("First question here")).toHaveCount(0);
});

test("each inbox shows what needs the agent, and the list says how long each visitor has waited", async ({ browser }) => {
  const agent = await agentPage(browser);
  const inbox = agent.getByRole("navigation", { name: "Inboxes" }).getByRole("button", { name: /^Demo website/ });
  await expect(inbox).toHaveText(/Demo website\s*0/);
  const visitor = await visitorWithChat(browser);
  await say(visitor.chat, /type your message/i, "Is anyone there?");
  await expect(inbox).toHaveText(/Demo website\s*1/);
  const item = agent.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /anyone there/ });
  await expect(item).toContainText(/\d+ s/);
  await expect(item.locator(".waiting")).toHaveAttribute("title", /^Last message \d+ s ago$/);
  await item.click();
  await agent.getByRole("button", { name: "Accept" }).click();
  await expect(inbox).toHaveText(/Demo website\s*0/);
});

test("the theme follows the system until the agent chooses one, which stays after a reload", async ({ browser }) => {
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 720 }, colorScheme: "dark" });
  const page = await context.newPage();
  await signIn(page);
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const DARK = "rgb(15, 20, 26)";
  const LIGHT = "rgb(245, 247, 250)";
  expect(await background()).toBe(DARK);
  await page.getByLabel("Theme").selectOption("light");
  await expect.poll(background).toBe(LIGHT);
  await page.reload();
  await workspaceLive(page);
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  expect(await background()).toBe(LIGHT);
  await expect(page.getByLabel("Theme")).toHaveValue("light");
  await page.getByLabel("Theme").selectOption("system");
  await expect.poll(background).toBe(DARK);
  await page.reload();
  await workspaceLive(page);
  await expect(page.locator("html")).not.toHaveAttribute("data-theme", /./);
});
