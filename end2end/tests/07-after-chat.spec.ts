import { test, expect } from "./fixtures";
import { agentPage, visitorWithChat, say, workspaceLive, chooseAction, keepQueryParams } from "./helpers";

// Each test's browser contexts go with it: pages left open keep their sockets and timers busy.
test.afterEach(async ({ browser }) => {
  await Promise.all(browser.contexts().map((context) => context.close()));
});

test("an agent blocks a visitor from the workspace and the widget refuses to send", async ({ browser }) => {
  test.setTimeout(90_000);
  const agent = await agentPage(browser);
  const visitor = await visitorWithChat(browser);
  await say(visitor.chat, /type your message/i, "Buy cheap watches at spam.example");
  await agent.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /cheap watches/ }).click();
  await expect(agent.getByText(/^Conversation ID: \d+$/)).toBeVisible();

  await chooseAction(agent, "Block visitor");
  const dialog = agent.getByRole("dialog", { name: "Block visitor" });
  await dialog.getByRole("radio", { name: "1 hour" }).check();
  await dialog.getByLabel("Reason").fill("Spam links");
  // Blocking the address too warns about shared networks.
  await dialog.getByRole("checkbox", { name: "Also block their IP address" }).check();
  await expect(dialog.getByText(/also blocks everyone else on that network/)).toBeVisible();
  await dialog.getByRole("checkbox", { name: "Also block their IP address" }).uncheck();
  await dialog.getByRole("button", { name: "Block", exact: true }).click();
  await expect(dialog.getByRole("status")).toHaveText("The visitor is blocked.");

  // The widget says so at once and offers no way to write.
  await expect(visitor.chat.getByRole("alert")).toContainText("You have been blocked");
  await expect(visitor.chat.getByRole("alert")).toContainText("The block ends on");
  await expect(visitor.chat.getByRole("textbox", { name: /type your message/i })).toHaveCount(0);
  await expect(agent.getByRole("log")).toContainText("Alex Admin blocked the visitor");
  // The conversation's menu now offers Unblock instead of Block.
  await agent.getByRole("button", { name: "Actions" }).first().click();
  await expect(agent.getByRole("menuitem", { name: "Unblock visitor" })).toBeVisible();
  await expect(agent.getByRole("menuitem", { name: "Block visitor", exact: true })).toHaveCount(0);
  await agent.keyboard.press("Escape");
  await expect(agent.getByRole("menu")).toHaveCount(0);

  // Coming back later changes nothing.
  await visitor.page.reload();
  await visitor.page.getByRole("button", { name: "Open chat" }).click();
  await expect(visitor.chat.getByRole("alert")).toContainText("You have been blocked");
  await expect(visitor.chat.getByRole("textbox", { name: /type your message/i })).toHaveCount(0);

  // An admin lifts it from the list of blocks in force; the visitor can write again.
  await agent.getByRole("link", { name: "Administration" }).click();
  await agent.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Blocks" }).click();
  const blocks = agent.getByRole("region", { name: "Blocks" });
  const row = blocks.getByRole("row").filter({ hasText: "Spam links" });
  await expect(row).toContainText("Alex Admin");
  await row.getByRole("button", { name: /^Unblock / }).click();
  await expect(row).toHaveCount(0);
  await visitor.page.reload();
  await visitor.page.getByRole("button", { name: "Open chat" }).click();
  await say(visitor.chat, /type your message/i, "Sorry, no more links");
  await expect(visitor.chat.getByRole("log")).toContainText("Sorry, no more links");
  await expect(visitor.chat.getByRole("alert")).toHaveCount(0);
});

test("labels filter the list and a conversation moves to another inbox", async ({ browser }) => {
  test.setTimeout(90_000);
  const agent = await agentPage(browser);
  await agent.getByRole("link", { name: "Administration" }).click();
  await agent.getByLabel("Inbox name").fill("Billing");
  await agent.getByRole("button", { name: "Create inbox" }).click();
  await expect(agent.getByRole("heading", { name: "Billing", exact: true })).toBeVisible();

  const visitor = await visitorWithChat(browser);
  await say(visitor.chat, /type your message/i, "Invoice 7781 charges me twice");
  await agent.goto("/");
  await workspaceLive(agent);
  const list = agent.getByRole("list", { name: "Conversations" });
  await list.getByRole("button", { name: /Invoice 7781/ }).click();
  await expect(agent.getByText(/^Conversation ID: \d+$/)).toBeVisible();

  // A label made on the fly shows on the conversation and becomes a filter of the list.
  await agent.getByRole("combobox", { name: "Add label" }).fill("billing");
  await agent.getByRole("button", { name: "Add", exact: true }).click();
  await expect(agent.getByRole("list", { name: "Labels" }).getByRole("listitem")).toHaveText(["billing×"]);
  await agent.getByRole("combobox", { name: "Labels", exact: true }).selectOption("billing");
  await expect(list.getByRole("listitem")).toHaveCount(1);
  await expect(list.getByRole("button", { name: /Invoice 7781/ })).toBeVisible();

  // Moving it to Billing says so in the log; removing the label empties the chips.
  await agent.getByRole("combobox", { name: "Inbox", exact: true }).selectOption("Billing");
  await agent.getByRole("button", { name: "Move", exact: true }).click();
  await expect(agent.getByRole("log")).toContainText("Alex Admin moved the conversation to Billing");
  await agent.getByRole("button", { name: "Remove label billing" }).click();
  await expect(agent.getByRole("list", { name: "Labels" }).getByRole("listitem")).toHaveCount(0);
});

test("a ticket made from two selected messages is on the Tickets page", async ({ browser }) => {
  test.setTimeout(90_000);
  const agent = await agentPage(browser);
  const visitor = await visitorWithChat(browser);
  await say(visitor.chat, /type your message/i, "My order 5521 is late");
  await say(visitor.chat, /type your message/i, "Please deliver it to my office");
  await say(visitor.chat, /type your message/i, "Thanks a lot");
  await agent.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /Thanks a lot/ }).click();
  await agent.getByRole("button", { name: "Accept" }).click();
  await expect(agent.getByText("You have this conversation")).toBeVisible();

  await chooseAction(agent, "Select messages");
  const boxes = agent.getByRole("checkbox", { name: /^Select the message of Visitor/ });
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await chooseAction(agent, "Create ticket");
  const dialog = agent.getByRole("dialog", { name: "Create ticket" });
  await expect(dialog).toContainText("The ticket takes the 2 selected messages.");
  await dialog.getByLabel("Subject").fill("Late order 5521");
  // The visitor gave no email: the agent fills it in.
  await dialog.getByLabel("Requester's email").fill("kim@example.com");
  await dialog.getByRole("button", { name: "Create ticket" }).click();
  const created = dialog.getByRole("link", { name: /^Ticket #\d+ created$/ });
  await expect(created).toBeVisible();

  await agent.getByRole("link", { name: "Tickets" }).click();
  const row = agent.getByRole("row").filter({ hasText: "Late order 5521" });
  await expect(row).toContainText("kim@example.com");
  await expect(row).toContainText(/open/i);
  await row.getByRole("link", { name: /^#\d+$/ }).click();
  await expect(agent.getByRole("heading", { level: 1 })).toContainText("Late order 5521");
  const body = agent.locator("pre.ticket-body");
  await expect(body).toContainText("My order 5521 is late");
  await expect(body).toContainText("Please deliver it to my office");
  await expect(body).not.toContainText("Thanks a lot");

  // The conversation is in the chat logs, filtered by status, with its log a click away.
  await agent.getByRole("link", { name: "Chat logs" }).click();
  await agent.getByRole("combobox", { name: "Status" }).selectOption("assigned");
  await agent.getByRole("button", { name: "Filter" }).click();
  const logRow = agent.getByRole("row").filter({ hasText: "Alex Admin" });
  await expect(logRow).toHaveCount(1);
  await expect(logRow).toContainText("Being answered");
  await expect(logRow.getByRole("link", { name: "View log" })).toBeVisible();
});

test("the search box finds a word across conversations, highlighted", async ({ browser }) => {
  test.setTimeout(90_000);
  const visitor = await visitorWithChat(browser);
  await say(visitor.chat, /type your message/i, "My umbrella arrived broken");
  await expect(visitor.chat.getByRole("log")).toContainText("umbrella");
  const agent = await agentPage(browser);
  await agent.getByRole("searchbox", { name: "Search" }).fill("umbrel");
  await agent.getByRole("searchbox", { name: "Search" }).press("Enter");
  const results = agent.getByRole("region", { name: "Search results" });
  await expect(results.locator("mark")).toHaveText(["umbrella"]);
  await results.getByRole("button", { name: /umbrella arrived broken/ }).click();
  await expect(agent.getByText(/^Conversation ID: \d+$/)).toBeVisible();
  await expect(agent.getByRole("log")).toContainText("My umbrella arrived broken");
});

test("a visitor saved as a contact from their profile is found on the Contacts page with their chat", async ({ browser }) => {
  test.setTimeout(90_000);
  const agent = await agentPage(browser);
  await keepQueryParams(agent, "Demo website", "from");
  const visitorContext = await browser.newContext({ locale: "en-US" });
  const visitor = await visitorContext.newPage();
  await visitor.goto("/demo?from=e2e-contact");
  await visitor.getByRole("button", { name: "Open chat" }).click();
  await say(visitor.frameLocator("iframe.sb-frame"), /type your message/i, "Do you ship to Lisbon?");

  await agent.getByRole("button", { name: /Visitors online/ }).click();
  await agent.getByLabel("Filter by page").fill("e2e-contact");
  const table = agent.getByRole("table", { name: "Visitors on the site" });
  await table.getByRole("button", { name: /^Profile of #\d+$/ }).click();
  const dialog = agent.getByRole("dialog", { name: /^Visitor profile/ });
  await dialog.getByLabel("Full name").fill("Rui Costa");
  await dialog.getByRole("button", { name: "Save details" }).click();
  await expect(dialog).toHaveAccessibleName("Visitor profile: Rui Costa");
  await dialog.getByLabel("Company").fill("Costa Lda");
  await dialog.getByRole("button", { name: "Save as contact" }).click();
  await expect(dialog.getByRole("link", { name: "Rui Costa" })).toBeVisible();

  await agent.goto("/contacts");
  await agent.getByRole("searchbox", { name: "Search contacts" }).fill("Costa");
  const row = agent.getByRole("row").filter({ hasText: "Rui Costa" });
  await expect(row).toContainText("Costa Lda");
  await row.getByRole("link", { name: "Rui Costa" }).click();
  await expect(agent.getByRole("heading", { level: 1 })).toHaveText("Rui Costa");
  const chats = agent.getByRole("region", { name: "Conversations" });
  await expect(chats.getByRole("row").filter({ hasText: "Rui Costa" })).toHaveCount(1);
});

test.describe("with a mail server", () => {
  test.use({ withMail: true });

  test("an agent emails a conversation's transcript from the workspace", async ({ browser, server }) => {
    test.setTimeout(90_000);
    const agent = await agentPage(browser);
    const visitor = await visitorWithChat(browser);
    await say(visitor.chat, /type your message/i, "Please email me this chat");
    await agent.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /email me this chat/ }).click();
    await agent.getByRole("button", { name: "Accept" }).click();
    await say(agent, /^reply$/i, "Sure, here it comes.");
    await expect(visitor.chat.getByRole("log")).toContainText("Sure, here it comes.");

    await chooseAction(agent, "Send transcript");
    const dialog = agent.getByRole("dialog", { name: "Send transcript" });
    await dialog.getByLabel("Email").fill("kim@example.com");
    await dialog.getByRole("button", { name: "Send", exact: true }).click();
    await expect(dialog.getByRole("status")).toHaveText("The transcript is on its way.");

    // The local SMTP server receives it, addressed to what the agent typed, with the chat.
    const mails = server.mail!.mails;
    await expect.poll(() => mails.length).toBe(1);
    expect(mails[0].to).toEqual(["kim@example.com"]);
    expect(mails[0].text).toContain("Please email me this chat");
    expect(mails[0].text).toContain("Sure, here it comes.");
  });
});
