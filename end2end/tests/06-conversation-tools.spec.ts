import { test, expect } from "./fixtures";
import { agentPage, visitorWithChat, say, chooseAction } from "./helpers";

// Each test's browser contexts go with it: pages left open keep their sockets and timers busy.
test.afterEach(async ({ browser }) => {
  await Promise.all(browser.contexts().map((context) => context.close()));
});

// A real 1×1 PNG, pasted by the visitor.
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

test("receipts, typing, a pasted picture, a template, a note, copying and the log", async ({ browser }) => {
  test.setTimeout(150_000);
  const agent = await agentPage(browser);
  await agent.context().grantPermissions(["clipboard-read", "clipboard-write"]);

  // A template of the agent's own, made on the settings page.
  await agent.getByRole("link", { name: "My settings" }).click();
  await agent.getByLabel("Title").fill("Greeting");
  await agent.getByLabel("Shortcut").fill("hello");
  await agent.getByLabel("Text").fill("Hello {visitor.name}, I am {agent.name}. **How can I help?**");
  await agent.getByRole("button", { name: "Save template" }).click();
  await expect(agent.getByText("Template saved.")).toBeVisible();
  await expect(agent.getByRole("listitem").filter({ hasText: "/hello" })).toBeVisible();
  await agent.getByRole("link", { name: "Workspace" }).click();

  const first = await visitorWithChat(browser);
  let chat = first.chat;
  await say(chat, /type your message/i, "Hi, my package arrived damaged");
  await say(chat, /type your message/i, '<img src=x onerror="document.title=\'pwned\'">');
  await agent.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /img src=x/ }).click();
  await agent.getByRole("button", { name: "Accept" }).click();
  await expect(agent.getByText("You have this conversation")).toBeVisible();
  const agentLog = agent.getByRole("log");
  // Markup a visitor types is shown as typed, never run.
  await expect(agentLog).toContainText('<img src=x onerror="document.title=\'pwned\'">');
  expect(await agent.title()).not.toBe("pwned");

  // The assignee has read the visitor's messages: the visitor sees "Seen".
  let visitorLog = chat.getByRole("log");
  await expect(visitorLog.getByText("Seen")).toBeVisible();

  // Typing, both ways.
  await chat.getByRole("textbox", { name: /type your message/i }).fill("I have a photo");
  await expect(agent.getByText(/^#\d+ is typing…$/)).toBeVisible();
  const reply = agent.getByRole("textbox", { name: "Reply" });
  await reply.fill("Let me see");
  await expect(chat.getByText("Alex Admin is typing…")).toBeVisible();

  // The visitor closes the tab; the agent answers with a template after "/", its placeholders
  // filled (the visitor's name is not known yet).
  await first.page.close();
  await reply.fill("");
  await reply.pressSequentially("/hel");
  await agent.getByRole("listbox", { name: "Templates" }).getByRole("option", { name: /\/hello/ }).click();
  await expect(reply).toHaveValue("Hello, I am Alex Admin. **How can I help?**");
  await reply.press("Enter");
  // Delivered, not read while the chat is closed; read once the visitor opens it (double tick).
  const sent = agentLog.getByRole("listitem").filter({ hasText: "How can I help?" });
  await expect(sent.getByTitle("Sent")).toBeVisible();
  // The visitor comes back to another page of the site with the chat closed: the agent sees
  // the page (the tracker has reported it) and the reply is still unread.
  const back = await first.page.context().newPage();
  await back.goto("/demo/pricing");
  await expect(agentLog).toContainText("Now viewing: Pricing — Northwind Coffee");
  await expect(agentLog.getByTitle(/^Read /)).toHaveCount(0);
  await back.getByRole("button", { name: "Open chat" }).click();
  chat = back.frameLocator("iframe.sb-frame");
  visitorLog = chat.getByRole("log");
  await expect(visitorLog.locator("strong", { hasText: "How can I help?" })).toBeVisible();
  await expect(sent.getByTitle(/^Read /)).toBeVisible();

  // The visitor pastes a picture and sends it; the agent sees it.
  const box = chat.getByRole("textbox", { name: /type your message/i });
  await box.fill("");
  await box.evaluate((element, data) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], "damage.png", { type: "image/png" }));
    element.dispatchEvent(new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true }));
  }, PNG);
  await expect(chat.getByRole("button", { name: "Remove damage.png" })).toBeVisible();
  await chat.getByRole("button", { name: "Send" }).click();
  const picture = agentLog.getByRole("img", { name: "damage.png" });
  await expect(picture).toBeVisible();
  await expect.poll(() => picture.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
  await expect(visitorLog.getByRole("img", { name: "damage.png" })).toBeVisible();

  // An internal note: the agent sees it marked; the visitor never does.
  await agent.getByRole("radio", { name: "Internal note" }).check();
  await say(agent, /^internal note$/i, "VIP customer: refund without questions");
  await expect(agentLog.getByRole("listitem").filter({ hasText: "VIP customer" })).toContainText("Internal note");
  // The sidebar gathers the conversation's notes.
  await expect(agent.getByRole("region", { name: "Notes" })).toContainText("VIP customer: refund without questions");
  await agent.getByRole("radio", { name: "Reply" }).check();
  await say(agent, /^reply$/i, "Refund approved.");
  await expect(visitorLog).toContainText("Refund approved.");
  await expect(visitorLog).not.toContainText("VIP customer");

  // Two messages selected and copied as text.
  await chooseAction(agent, "Select messages");
  await agent.getByRole("checkbox", { name: /^Select the message of Visitor/ }).first().check();
  await agent.getByRole("checkbox", { name: /^Select the message of You/ }).first().check();
  await agent.getByRole("button", { name: "Copy selected (2)" }).click();
  await expect(agent.getByText("Copied to the clipboard.")).toBeVisible();
  const copied = await agent.evaluate(() => navigator.clipboard.readText());
  expect(copied).toMatch(/\] Visitor: Hi, my package arrived damaged\n\[.*\] Alex Admin: Hello, I am Alex Admin\./);

  // The whole log on its own page, notes marked.
  await agent.getByRole("button", { name: "Actions" }).first().click();
  const [log] = await Promise.all([
    agent.context().waitForEvent("page"),
    agent.getByRole("menuitem", { name: "View log" }).click(),
  ]);
  await expect(log.getByRole("heading", { name: /^Conversation \d+ with #\d+$/ })).toBeVisible();
  await expect(log.getByRole("list", { name: "Messages" })).toContainText("Hi, my package arrived damaged");
  await expect(log.getByRole("listitem").filter({ hasText: "VIP customer" })).toContainText("Internal note");
  await expect(log.getByRole("button", { name: "Print" })).toBeVisible();
});

test("a file over the inbox's limit is refused in the browser, before any byte is sent", async ({ browser }) => {
  const { page, chat } = await visitorWithChat(browser);
  const uploads: string[] = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && new URL(request.url()).pathname === "/files") uploads.push(request.url());
  });
  // The demo inbox takes files up to 4 MB; this one is a byte more.
  await chat.getByLabel("Attach files").setInputFiles({
    name: "photo.png",
    mimeType: "image/png",
    buffer: Buffer.alloc(4 * 1024 * 1024 + 1),
  });
  await expect(chat.getByRole("alert")).toHaveText("The file is larger than 4 MB.");
  await expect(chat.getByRole("list", { name: "Files to send" }).getByRole("listitem")).toHaveCount(0);
  // A file within the limit, chosen next, is uploaded: the refusal was the size, not the input.
  await chat.getByLabel("Attach files").setInputFiles({
    name: "small.png",
    mimeType: "image/png",
    buffer: Buffer.from(PNG, "base64"),
  });
  await expect(chat.getByRole("button", { name: "Remove small.png" })).toBeVisible();
  expect(uploads).toHaveLength(1);
});
