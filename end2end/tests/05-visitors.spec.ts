import { test, expect } from "./fixtures";
import { agentPage, keepQueryParams } from "./helpers";

// Each test's browser contexts go with it: pages left open keep their sockets and timers busy.
test.afterEach(async ({ browser }) => {
  await Promise.all(browser.contexts().map((context) => context.close()));
});

test("an agent follows a visitor browsing the demo site and starts a chat with them", async ({ browser }) => {
  test.setTimeout(120_000);
  const agent = await agentPage(browser);
  // The visitor is found by a query parameter, which the inbox must keep (none by default).
  await keepQueryParams(agent, "Demo website", "from");
  await agent.getByRole("button", { name: /Visitors online/ }).click();
  const table = agent.getByRole("table", { name: "Visitors on the site" });
  await expect(table).toBeVisible();

  // A visitor lands on the demo site (a marked address, to find them among others).
  const visitorContext = await browser.newContext({ locale: "en-US", timezoneId: "Europe/Madrid" });
  const visitor = await visitorContext.newPage();
  // Her address carries a secret in its query and its fragment: neither is recorded.
  await visitor.goto("/demo?from=e2e-visitors&session=s3cret#token=abc");
  await agent.getByLabel("Filter by page").fill("e2e-visitors");
  const profileButton = table.getByRole("button", { name: /^Profile of #\d+$/ });
  await expect(profileButton).toHaveCount(1);
  const name = (await profileButton.textContent())!.trim();
  await agent.getByLabel("Filter by page").fill("");
  const row = table.getByRole("row").filter({ has: agent.getByRole("button", { name: `Profile of ${name}`, exact: true }) });
  await expect(row).toContainText("Northwind Coffee — fresh beans every week");
  await expect(row).toContainText("Madrid, Europe");
  await expect(row).toContainText("Browsing");
  await expect(row.getByRole("link")).toHaveAttribute("href", /\/demo\?from=e2e-visitors$/);
  await expect(agent.getByRole("button", { name: /Visitors online/ })).toHaveText(/Visitors online\s*[1-9]/);

  // Her profile is open while she browses: the row and the profile follow her, live.
  await row.getByRole("button", { name: `Profile of ${name}` }).click();
  await expect(agent.getByRole("dialog", { name: `Visitor profile: ${name}` })).toBeVisible();
  const dialog = agent.getByRole("dialog");
  await expect(dialog).toContainText("On the site now");
  const pages = dialog.getByRole("list").filter({ hasText: "Northwind Coffee" }).first();
  await expect(pages).toContainText("Northwind Coffee — fresh beans every week");

  await visitor.getByRole("link", { name: "Pricing" }).click();
  await expect(visitor).toHaveURL(/\/demo\/pricing$/);
  await expect(row).toContainText("Pricing — Northwind Coffee");
  await expect(dialog.getByRole("link", { name: "Pricing — Northwind Coffee" }).first()).toBeVisible();

  // An in-page navigation (history.pushState) is a page too; what the agent is typing in the
  // profile meanwhile stays.
  await dialog.getByLabel("Notes and bio").fill("Asked about weekly delivery");
  await visitor.getByRole("link", { name: "Delivery" }).click();
  await expect(visitor).toHaveURL(/\/demo\/delivery$/);
  await expect(row).toContainText("Delivery — Northwind Coffee");
  await expect(dialog.getByRole("link", { name: "Delivery — Northwind Coffee" }).first()).toBeVisible();
  await expect(dialog.getByLabel("Notes and bio")).toHaveValue("Asked about weekly delivery");
  await expect(dialog).toContainText("Madrid, Europe");

  // The agent names her and starts a chat: her widget opens with the message.
  await dialog.getByLabel("Full name").fill("Carla Ruiz");
  await dialog.getByRole("button", { name: "Save details" }).click();
  await expect(dialog.getByText("Details saved.")).toBeVisible();
  await expect(dialog).toHaveAccessibleName("Visitor profile: Carla Ruiz");
  await dialog.getByLabel("First message").fill("Hello! Can I help you with delivery?");
  await dialog.getByRole("button", { name: "Start chat" }).click();
  await expect(dialog).toBeHidden();
  await expect(agent.getByRole("heading", { name: /Conversation \d+ with Carla Ruiz/ })).toBeVisible();
  await expect(agent.getByText("You have this conversation")).toBeVisible();
  const chat = visitor.frameLocator("iframe.sb-frame");
  await expect(visitor.locator("iframe.sb-frame")).toBeVisible();
  await expect(chat.getByText("Hello! Can I help you with delivery?")).toBeVisible();

  // While they chat, each page she opens is a quiet line in the agent's timeline only.
  await visitor.getByRole("link", { name: "Home" }).click();
  await expect(visitor).toHaveURL(/\/demo$/);
  const timeline = agent.getByRole("log", { name: "Messages" });
  await expect(timeline).toContainText("Now viewing: Northwind Coffee — fresh beans every week — /demo");
  const panel = agent.getByRole("complementary", { name: "About the visitor" });
  await expect(panel).toContainText("Madrid, Europe");
  // Her details and notes are edited right there, without opening the profile.
  await expect(panel.getByLabel("Notes and bio")).toHaveValue("Asked about weekly delivery");
  await panel.getByLabel("Notes and bio").fill("Prefers email");
  await panel.getByRole("button", { name: "Save details" }).click();
  await expect(panel.getByText("Details saved.")).toBeVisible();
  await visitor.getByRole("button", { name: "Open chat" }).click();
  const reopened = visitor.frameLocator("iframe.sb-frame");
  await expect(reopened.getByText("Hello! Can I help you with delivery?")).toBeVisible();
  await expect(reopened.getByText(/Now viewing/)).toHaveCount(0);

  // The table shows her chatting, under her name.
  await agent.getByRole("button", { name: /Visitors online/ }).click();
  const named = table.getByRole("row").filter({ has: agent.getByRole("button", { name: "Profile of Carla Ruiz", exact: true }) });
  await expect(named).toContainText("Chatting");

  // Escape closes her profile and gives the focus back to what opened it.
  const opener = named.getByRole("button", { name: "Profile of Carla Ruiz" });
  await opener.click();
  const profile = agent.getByRole("dialog", { name: "Visitor profile: Carla Ruiz" });
  await expect(profile.getByLabel("Notes and bio")).toHaveValue("Prefers email");
  await agent.keyboard.press("Escape");
  await expect(agent.getByRole("dialog")).toBeHidden();
  await expect(opener).toBeFocused();

  // The master chat button lists the visitors online with their status; she is chatting, and
  // a click opens her conversation as a chat box.
  await agent.getByRole("button", { name: /^Active chats: 1, visitors online: [1-9]/ }).click();
  const online = agent.getByRole("list", { name: "Visitors online" });
  const her = online.getByRole("button", { name: /Carla Ruiz/ });
  await expect(her).toContainText("Chatting");
  await her.click();
  await expect(agent.getByRole("region", { name: "Chat with Carla Ruiz" })).toBeVisible();
  await visitorContext.close();
});
