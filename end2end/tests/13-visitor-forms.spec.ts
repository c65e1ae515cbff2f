import { test, expect } from "./fixtures";
import { ADMIN, agentPage, chooseAction, say, visitorWithChat } from "./helpers";
import type { Page } from "@playwright/test";

// Each test's browser contexts go with it: pages left open keep their sockets and timers busy.
test.afterEach(async ({ browser }) => {
  await Promise.all(browser.contexts().map((context) => context.close()));
});

/** Creates an inbox from the administration's first page, then goes back to it. */
async function createInbox(admin: Page, name: string) {
  await admin.getByLabel("Inbox name").fill(name);
  await admin.getByRole("button", { name: "Create inbox" }).click();
  await expect(admin.getByRole("heading", { name, exact: true })).toBeVisible();
  await admin.getByRole("link", { name: "All inboxes" }).click();
}

test("a visitor answers the pre-chat form and picks a department; that department's agent sees who they are", async ({ browser }) => {
  const admin = await agentPage(browser);
  await admin.getByRole("link", { name: "Administration" }).click();
  await createInbox(admin, "Billing");
  const menu = admin.getByRole("navigation", { name: "Administration" });
  await menu.getByRole("link", { name: "Agents" }).click();
  const agents = admin.getByRole("region", { name: "Agents" });
  await agents.getByLabel("Name", { exact: true }).fill("Bea Billing");
  await agents.getByLabel("Email", { exact: true }).fill("bea@example.com");
  await agents.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await agents.getByLabel("Billing").check();
  await agents.getByRole("button", { name: "Create agent" }).click();
  await expect(agents.getByRole("row", { name: /Bea Billing/ })).toBeVisible();

  // The demo inbox asks a form, with a question of its own, and offers two departments.
  await menu.getByRole("link", { name: "Inboxes" }).click();
  await admin.getByRole("link", { name: "Demo website", exact: true }).click();
  const form = admin.getByRole("form", { name: "Pre-chat form · Demo website" });
  await form.getByLabel("Form before the chat").selectOption("required");
  await form.getByRole("button", { name: "Add a question" }).click();
  const question = form.getByRole("group", { name: "Question 1" });
  await question.getByLabel("Label in English").fill("Order number");
  await question.getByLabel("Label in Spanish").fill("Número de pedido");
  const departments = form.getByRole("group", { name: "Departments visitors choose from" });
  await departments.getByLabel("Demo website").check();
  await departments.getByLabel("Billing").check();
  await form.getByRole("button", { name: "Save pre-chat form" }).click();
  await expect(form.getByRole("status")).toHaveText("Pre-chat form saved.");
  await admin.setViewportSize({ width: 1280, height: 720 });
  await form.scrollIntoViewIfNeeded();
  await admin.screenshot({ path: "test-results/pre-chat-editor.png" });

  const bea = await agentPage(browser, "en-US", "bea@example.com");

  // The visitor is asked before writing.
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 720 } });
  const visitor = await context.newPage();
  await visitor.goto("/demo");
  await visitor.getByRole("button", { name: "Open chat" }).click();
  const chat = visitor.frameLocator("iframe.sb-frame");
  const prechat = chat.getByRole("form", { name: "Before we start, tell us a little about you." });
  await expect(prechat.getByRole("button", { name: "Start the chat" })).toBeEnabled();
  await expect(chat.getByRole("textbox", { name: "Type your message" })).toBeHidden();
  await prechat.getByLabel("Your name").fill("Carla Ruiz");
  await prechat.getByLabel("Your email").fill("carla@example.com");
  await prechat.getByLabel("Order number").fill("A-17");
  await prechat.getByLabel("Department").selectOption({ label: "Billing" });
  await visitor.screenshot({ path: "test-results/pre-chat-widget.png" });
  await prechat.getByRole("button", { name: "Start the chat" }).click();

  // Answered once: the message box, and the form is not asked again.
  const message = chat.getByRole("textbox", { name: "Type your message" });
  await expect(message).toBeEnabled();
  await expect(prechat).toBeHidden();
  await message.fill("Why was I charged twice?");
  await chat.getByRole("button", { name: "Send" }).click();
  await expect(chat.getByText("Why was I charged twice?")).toBeVisible();

  // Bea, of Billing only, has the conversation, under the visitor's name, with her answers.
  await bea.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /Carla Ruiz/ }).click();
  await bea.getByRole("button", { name: "Accept" }).click();
  const panel = bea.getByRole("complementary", { name: "About the visitor" });
  await expect(panel.getByLabel("Email")).toHaveValue("carla@example.com");
  const answers = panel.locator("dl.answers");
  await expect(answers).toContainText("DepartmentBilling");
  await expect(answers).toContainText("Order numberA-17");
  await expect(bea.getByRole("heading", { name: /Conversation \d+ with Carla Ruiz/ })).toBeVisible();
  await bea.setViewportSize({ width: 1280, height: 720 });
  await bea.screenshot({ path: "test-results/pre-chat-agent.png" });

  // On a phone the form fits the screen.
  const phone = await browser.newContext({ locale: "es-ES", viewport: { width: 390, height: 844 } });
  const small = await phone.newPage();
  await small.goto("/demo");
  await small.getByRole("button", { name: "Abrir el chat" }).click();
  const pequeño = small.frameLocator("iframe.sb-frame");
  await expect(pequeño.getByLabel("Número de pedido")).toBeVisible();
  await small.screenshot({ path: "test-results/pre-chat-widget-phone.png" });
});

test("outside business hours the widget takes a message instead, which lands as a ticket the team is told of", async ({ browser }) => {
  const admin = await agentPage(browser);
  await admin.getByRole("link", { name: "Administration" }).click();
  await admin.getByRole("link", { name: "Demo website", exact: true }).click();
  const hours = admin.getByRole("form", { name: "Business hours and offline messages · Demo website" });
  await hours.getByLabel("Take chats only within business hours").check();
  await hours.getByLabel("Time zone").fill("Europe/Madrid");
  // Open on no day at all: closed whenever this runs.
  for (const day of ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]) {
    await hours.getByRole("checkbox", { name: day, exact: true }).uncheck();
  }
  await hours.getByLabel("Away message in English (empty: the standard one)").fill("We answer Monday to Friday. Leave us a note!");
  await hours.getByRole("button", { name: "Save business hours" }).click();
  await expect(hours.getByRole("status")).toHaveText("Business hours saved.");
  await admin.setViewportSize({ width: 1280, height: 720 });
  await hours.scrollIntoViewIfNeeded();
  await admin.screenshot({ path: "test-results/hours-editor.png" });
  await admin.getByRole("link", { name: /^Workspace/ }).click();

  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 720 } });
  const visitor = await context.newPage();
  await visitor.goto("/demo");
  await visitor.getByRole("button", { name: "Open chat" }).click();
  const chat = visitor.frameLocator("iframe.sb-frame");
  const away = chat.getByRole("form", { name: "We answer Monday to Friday. Leave us a note!" });
  await expect(away.getByRole("button", { name: "Send message" })).toBeEnabled();
  await expect(chat.getByRole("textbox", { name: "Type your message" })).toBeHidden();
  await away.getByLabel("Your name").fill("Carla Ruiz");
  await away.getByLabel("Your email").fill("carla@example.com");
  await away.getByLabel("Your message").fill("Do you roast decaf?");
  await visitor.screenshot({ path: "test-results/offline-widget.png" });
  await away.getByRole("button", { name: "Send message" }).click();
  await expect(chat.getByRole("status").filter({ hasText: "Thanks! We got your message" })).toBeVisible();

  // The admin's workspace is told, and the ticket has the message.
  const toast = admin.getByRole("region", { name: "Notifications" }).getByRole("status").filter({ hasText: "New ticket #1" });
  await expect(toast).toContainText("Message from Carla Ruiz");
  await toast.getByRole("button", { name: "Open" }).click();
  await expect(admin.getByRole("heading", { name: "Ticket #1: Message from Carla Ruiz" })).toBeVisible();
  await expect(admin.getByText("Do you roast decaf?")).toBeVisible();
  await expect(admin.getByText("carla@example.com")).toBeVisible();
});

test("an admin restyles the widget and the demo page's launcher follows; a reply to a closed chat shows as a badge", async ({ browser }) => {
  const admin = await agentPage(browser);
  await admin.getByRole("link", { name: "Administration" }).click();
  await admin.getByRole("link", { name: "Demo website", exact: true }).click();
  const look = admin.getByRole("form", { name: "Widget appearance · Demo website" });
  await look.getByLabel("Accent colour").fill("#b42318");
  await expect(look.getByText("Text on it: white, contrast 6.6:1")).toBeVisible();
  await look.getByLabel("Position on the page").selectOption("left");
  await look.getByLabel("Launcher label (empty: the icon alone)").fill("Talk to us");
  await look.getByLabel("Greeting in English (empty: the standard one)").fill("Hi! Questions about your coffee?");
  const preview = look.getByRole("figure", { name: "Preview" });
  await expect(preview).toContainText("Hi! Questions about your coffee?");
  await expect(preview).toContainText("Talk to us");
  await look.getByRole("button", { name: "Save appearance" }).click();
  await expect(look.getByRole("status").filter({ hasText: "Appearance saved." })).toBeVisible();
  await admin.setViewportSize({ width: 1280, height: 720 });
  await look.scrollIntoViewIfNeeded();
  await admin.screenshot({ path: "test-results/look-editor.png" });
  await admin.getByRole("link", { name: /^Workspace/ }).click();

  // The same snippet on the demo page: the launcher is red, on the left, with its label.
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 720 } });
  const visitor = await context.newPage();
  await visitor.goto("/demo");
  const launcher = visitor.getByRole("button", { name: "Open chat" });
  await expect(launcher).toHaveCSS("background-color", "rgb(180, 35, 24)");
  await expect(launcher).toContainText("Talk to us");
  expect((await launcher.boundingBox())!.x).toBeLessThan(100);
  await launcher.click();
  const chat = visitor.frameLocator("iframe.sb-frame");
  await expect(chat.getByText("Hi! Questions about your coffee?")).toBeVisible();
  expect((await visitor.locator("iframe.sb-frame").boundingBox())!.x).toBeLessThan(100);
  await say(chat, /type your message/i, "Is the Ethiopian roast back?");
  await visitor.screenshot({ path: "test-results/look-widget.png" });

  await admin.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /Ethiopian roast/ }).click();
  await admin.getByRole("button", { name: "Accept" }).click();
  await expect(admin.getByText("You have this conversation")).toBeVisible();

  // The visitor closes the chat; a reply counts on the launcher until they open it again.
  await visitor.getByRole("button", { name: "Close chat" }).click();
  await say(admin, /^reply$/i, "Yes, since Monday!");
  const unread = visitor.getByRole("button", { name: "Open chat, 1 unread" });
  await expect(unread).toBeVisible();
  await expect(unread.locator(".sb-badge")).toHaveText("1");
  await visitor.screenshot({ path: "test-results/look-badge.png" });
  await unread.click();
  await expect(chat.getByText("Yes, since Monday!")).toBeVisible();
  await expect(visitor.getByRole("button", { name: "Close chat" }).locator(".sb-badge")).toBeHidden();
});

test("after the chat ends the visitor rates it, and the agent sees the rating in the timeline and the details", async ({ browser }) => {
  const agent = await agentPage(browser);
  const visitor = await visitorWithChat(browser);
  await say(visitor.chat, /type your message/i, "Do you sell gift cards?");
  await agent.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /gift cards/ }).click();
  await agent.getByRole("button", { name: "Accept" }).click();
  await say(agent, /^reply$/i, "Yes, from 10 euros.");
  await chooseAction(agent, "Close conversation");

  const chat = visitor.chat;
  await expect(chat.getByText("This chat has ended.")).toBeVisible();
  const rating = chat.getByRole("group", { name: "How was this chat?" });
  await rating.getByLabel("Good", { exact: true }).check();
  await chat.getByLabel("Anything to add? (optional)").fill("Lovely, thanks");
  await visitor.page.setViewportSize({ width: 1280, height: 720 });
  await visitor.page.screenshot({ path: "test-results/rating-widget.png" });
  await chat.getByRole("button", { name: "Send rating" }).click();
  await expect(chat.getByRole("status").filter({ hasText: "Thanks for your rating!" })).toBeVisible();
  // Rated once: the form does not come back.
  await expect(chat.getByRole("button", { name: "Send rating" })).toHaveCount(0);

  const timeline = agent.getByRole("log", { name: "Messages" });
  await expect(timeline).toContainText("The visitor rated the chat: Good. “Lovely, thanks”");
  await expect(agent.getByRole("region", { name: "Chat details" })).toContainText("Visitor's rating: Good · 5/5");
  await agent.setViewportSize({ width: 1280, height: 720 });
  await agent.screenshot({ path: "test-results/rating-agent.png" });
});
