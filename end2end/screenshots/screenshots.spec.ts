import { test, expect } from "../tests/fixtures";
import { agentAt, say } from "../tests/helpers";

// The screenshots in docs/screenshots/ (scripts/screenshots.sh): the pages people see, at the
// sizes they use. Run on purpose, not with the suite.

const OUT = "../docs/screenshots";

test("the workspace, the widget and the admin page", async ({ browser }) => {
  test.setTimeout(120_000);
  const visitorContext = await browser.newContext({ locale: "en-US", viewport: { width: 390, height: 844 } });
  const visitor = await visitorContext.newPage();
  await visitor.goto("/demo");
  await visitor.getByRole("button", { name: "Open chat" }).click();
  const chat = visitor.frameLocator("iframe.sb-frame");
  await say(chat, /type your message/i, "Hi! My order #1042 arrived with a broken grinder.");

  const agent = await agentAt(browser, 1280, 720);
  await agent.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /broken grinder/ }).click();
  await agent.getByRole("button", { name: "Accept" }).click();
  await say(agent, /^Reply$/, "Sorry to hear that! Could you send a photo of the grinder?");
  await expect(chat.getByText("Could you send a photo")).toBeVisible();
  await say(chat, /type your message/i, "Sure, one moment.");
  await expect(agent.getByRole("log").getByText("Sure, one moment.")).toBeVisible();
  await agent.screenshot({ path: `${OUT}/workspace-1280x720.png` });
  await visitor.screenshot({ path: `${OUT}/widget-390x844.png` });

  // Another visitor writes: a toast, and the conversation's actions menu open.
  const other = await (await browser.newContext({ locale: "en-US" })).newPage();
  await other.goto("/demo");
  await other.getByRole("button", { name: "Open chat" }).click();
  await say(other.frameLocator("iframe.sb-frame"), /type your message/i, "Do you ship to Canada?");
  await expect(agent.getByRole("region", { name: "Notifications" }).getByRole("status")).toBeVisible();
  await agent.getByRole("button", { name: "Actions" }).first().click();
  await agent.screenshot({ path: `${OUT}/workspace-menu-and-toast-1280x720.png` });
  await agent.keyboard.press("Escape");
  await agent.getByRole("button", { name: /^Active chats: / }).click();
  await expect(agent.getByRole("list", { name: "Visitors online" })).toBeVisible();
  await agent.screenshot({ path: `${OUT}/workspace-visitors-online-1280x720.png` });
  await agent.getByRole("button", { name: /^Active chats: / }).click();

  const narrow = await agentAt(browser, 1024, 768);
  await narrow.goto(new URL(agent.url()).pathname);
  await expect(narrow.getByRole("log").getByText("Sure, one moment.")).toBeVisible();
  await narrow.screenshot({ path: `${OUT}/workspace-1024x768.png` });

  // The same in the dark, as the system asks; and the list of keyboard shortcuts.
  const dark = await agentAt(browser, 1280, 720, "dark");
  await dark.goto(new URL(agent.url()).pathname);
  await expect(dark.getByRole("log").getByText("Sure, one moment.")).toBeVisible();
  await dark.screenshot({ path: `${OUT}/workspace-dark-1280x720.png` });
  await dark.keyboard.press("?");
  await expect(dark.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeVisible();
  await dark.screenshot({ path: `${OUT}/workspace-shortcuts-dark-1280x720.png` });
  const darkNarrow = await agentAt(browser, 1024, 768, "dark");
  await darkNarrow.goto(new URL(agent.url()).pathname);
  await expect(darkNarrow.getByRole("log").getByText("Sure, one moment.")).toBeVisible();
  await darkNarrow.screenshot({ path: `${OUT}/workspace-dark-1024x768.png` });

  // Administration: the inboxes, an inbox's own page, the agents; wide, dark and small.
  await agent.getByRole("link", { name: "Administration" }).click();
  await expect(agent.getByRole("heading", { name: "Inboxes" })).toBeVisible();
  await agent.screenshot({ path: `${OUT}/admin-1280x720.png` });
  await agent.getByRole("link", { name: "Demo website" }).click();
  await expect(agent.getByRole("heading", { name: "Widget code" })).toBeVisible();
  await agent.screenshot({ path: `${OUT}/admin-inbox-1280x720.png`, fullPage: true });
  await dark.goto("/admin/agents");
  await expect(dark.getByRole("heading", { name: "Agents" })).toBeVisible();
  await dark.screenshot({ path: `${OUT}/admin-agents-dark-1280x720.png` });
  const small = await agentAt(browser, 390, 844);
  await small.goto(new URL(agent.url()).pathname);
  await expect(small.getByRole("heading", { name: "Widget code" })).toBeVisible();
  await small.screenshot({ path: `${OUT}/admin-inbox-390x844.png` });
});

test("the reports and chat logs pages", async ({ browser }) => {
  test.setTimeout(120_000);
  const agent = await agentAt(browser, 1280, 720);
  // Three chats: two answered, one left waiting.
  for (const [text, reply] of [
    ["Can I change my delivery address?", "Yes, I've updated it for you."],
    ["Do you have the grinder in black?", "We do, back in stock on Friday."],
    ["Is anyone there?", null],
  ] as const) {
    const context = await browser.newContext({ locale: "en-US" });
    const visitor = await context.newPage();
    await visitor.goto("/demo");
    await visitor.getByRole("button", { name: "Open chat" }).click();
    await say(visitor.frameLocator("iframe.sb-frame"), /type your message/i, text);
    const item = agent.getByRole("list", { name: "Conversations" }).getByRole("button", { name: new RegExp(text.slice(0, 12)) });
    await item.click();
    if (reply) {
      await agent.getByRole("button", { name: "Accept" }).click();
      await say(agent, /^Reply$/, reply);
      await expect(agent.getByRole("log").getByText(reply)).toBeVisible();
    }
  }
  await agent.getByRole("navigation").getByRole("link", { name: "Reports" }).click();
  await expect(agent.getByRole("img", { name: "Busiest hours" })).toBeVisible();
  await agent.screenshot({ path: `${OUT}/reports-1280x720.png` });
  await agent.screenshot({ path: `${OUT}/reports-full-1280x720.png`, fullPage: true });
  const dark = await agentAt(browser, 1280, 720, "dark");
  await dark.goto("/reports");
  await expect(dark.getByRole("img", { name: "Busiest hours" })).toBeVisible();
  await dark.screenshot({ path: `${OUT}/reports-dark-1280x720.png`, fullPage: true });
  const small = await agentAt(browser, 390, 844);
  await small.goto("/reports");
  await expect(small.getByRole("img", { name: "Busiest hours" })).toBeVisible();
  await small.screenshot({ path: `${OUT}/reports-390x844.png`, fullPage: true });
  // The chat logs, which share the page's layout.
  await agent.getByRole("navigation").getByRole("link", { name: "Chat logs" }).click();
  await expect(agent.getByRole("cell", { name: "Is anyone there?" }).or(agent.getByRole("table"))).toBeVisible();
  await agent.screenshot({ path: `${OUT}/chat-logs-1280x720.png` });
  // My settings with a token just made, and the API reference.
  await agent.getByRole("link", { name: "My settings" }).click();
  const tokens = agent.getByRole("region", { name: "API tokens" });
  await tokens.getByLabel("Token name").fill("Shop backend");
  await tokens.getByRole("button", { name: "Create token" }).click();
  await expect(tokens.getByRole("status")).toBeVisible();
  await tokens.scrollIntoViewIfNeeded();
  await agent.screenshot({ path: `${OUT}/settings-api-tokens-1280x720.png` });
  await small.goto("/settings");
  await small.getByRole("region", { name: "API tokens" }).scrollIntoViewIfNeeded();
  await small.screenshot({ path: `${OUT}/settings-api-tokens-390x844.png` });
  await agent.goto("/api/v1/reference");
  await agent.screenshot({ path: `${OUT}/api-reference-1280x720.png` });
});

test("an inbox's event webhooks with their delivery log", async ({ browser }) => {
  test.setTimeout(90_000);
  const agent = await agentAt(browser, 1280, 720);
  await agent.getByRole("link", { name: "Administration" }).click();
  await agent.getByRole("link", { name: "Demo website", exact: true }).click();
  const section = agent.getByRole("region", { name: "Event webhooks" });
  // An address nobody answers (the demo has no receiver): its deliveries show as retrying.
  await section.getByLabel("Endpoint address").fill("https://crm.example.invalid/hooks/switchboard");
  for (const event of ["conversation.created", "conversation.closed", "message.created", "rating.created"]) {
    await section.getByRole("checkbox", { name: new RegExp(`^${event.replace(".", "\\.")}`) }).check();
  }
  await section.getByRole("button", { name: "Add endpoint" }).click();
  await expect(section.getByRole("textbox", { name: /not shown again/ })).toBeVisible();
  const visitor = await (await browser.newContext({ locale: "en-US" })).newPage();
  await visitor.goto("/demo");
  await visitor.getByRole("button", { name: "Open chat" }).click();
  const visitorChat = visitor.frameLocator("iframe.sb-frame");
  await say(visitorChat, /type your message/i, "Is the grinder back in stock?");
  await expect(visitorChat.getByRole("log")).toContainText("Is the grinder back in stock?");
  await section.getByRole("button", { name: "Show the latest deliveries" }).click();
  await expect(async () => {
    await section.getByRole("button", { name: "Refresh" }).click();
    await expect(section.getByRole("table", { name: "Deliveries" }).getByRole("row")).toHaveCount(3, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await section.scrollIntoViewIfNeeded();
  await section.getByRole("heading", { name: "Event webhooks" }).scrollIntoViewIfNeeded();
  await agent.screenshot({ path: `${OUT}/admin-event-webhooks-1280x720.png` });
  await section.screenshot({ path: `${OUT}/admin-event-webhooks-section-1280x720.png` });
  await section.getByRole("button", { name: /^Remove the endpoint/ }).click();
  await section.getByRole("list").first().screenshot({ path: `${OUT}/admin-event-webhooks-remove-1280x720.png` });
  await section.getByRole("button", { name: "Keep it" }).click();
  const small = await agentAt(browser, 390, 844);
  await small.goto(new URL(agent.url()).pathname);
  const narrow = small.getByRole("region", { name: "Event webhooks" });
  await expect(narrow.getByText("crm.example.invalid").first()).toBeVisible();
  await narrow.getByRole("button", { name: "Show the latest deliveries" }).click();
  await expect(narrow.getByRole("table", { name: "Deliveries" })).toBeVisible();
  await narrow.screenshot({ path: `${OUT}/admin-event-webhooks-390x844.png` });
});
