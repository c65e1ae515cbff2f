import { test, expect } from "./fixtures";
import { agentPage, visitorWithChat, say, workspaceLive, chooseAction } from "./helpers";

// Each test's browser contexts go with it: pages left open keep their sockets and timers busy.
test.afterEach(async ({ browser }) => {
  await Promise.all(browser.contexts().map((context) => context.close()));
});

test("a visitor and an agent chat live, through reloads, until the chat ends", async ({ browser }) => {
  const agent = await agentPage(browser);
  const { page: visitorPage, chat } = await visitorWithChat(browser);

  // The visitor writes; the agent sees a new unassigned conversation without reloading.
  await say(chat, /type your message/i, "Hello, do you ship to Spain?");
  await expect(chat.getByRole("log")).toContainText("Hello, do you ship to Spain?");
  await expect(chat.getByRole("log")).toContainText("Sent");
  const conversations = agent.getByRole("list", { name: "Conversations" });
  const item = conversations.getByRole("button", { name: /Hello, do you ship to Spain\?/ });
  await expect(item).toBeVisible();
  await expect(item).toContainText("New");
  await item.click();

  // Before accepting, the agent cannot reply (only leave an internal note).
  await expect(agent.getByRole("radio", { name: "Reply" })).toBeDisabled();
  await expect(agent.getByRole("radio", { name: "Internal note" })).toBeChecked();
  await expect(agent.getByRole("textbox", { name: "Internal note" })).toBeEnabled();
  await agent.getByRole("button", { name: "Accept" }).click();
  await expect(agent.getByText("You have this conversation")).toBeVisible();
  await say(agent, /^reply$/i, "Yes, we do! Which beans would you like?");

  const visitorLog = chat.getByRole("log");
  await expect(visitorLog).toContainText("Alex Admin joined the chat");
  await expect(visitorLog).toContainText("Yes, we do! Which beans would you like?");

  // The visitor reloads mid-conversation: the same conversation comes back, each message once.
  await visitorPage.reload();
  await visitorPage.getByRole("button", { name: /open chat/i }).click();
  await expect(visitorLog).toContainText("Yes, we do!");
  await expect(visitorLog.getByText("Hello, do you ship to Spain?")).toHaveCount(1);
  await expect(visitorLog.getByText("Yes, we do! Which beans would you like?")).toHaveCount(1);
  await say(chat, /type your message/i, "The dark roast, please.");

  // The agent reloads too, and sees everything in order, nothing twice.
  await agent.reload();
  await workspaceLive(agent);
  await agent.getByRole("button", { name: /My chats/ }).click();
  await agent.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /The dark roast, please\./ }).click();
  const agentLog = agent.getByRole("log");
  await expect(agentLog).toContainText("The dark roast, please.");
  const bodies = await agentLog.locator(".body").allTextContents();
  expect(bodies).toEqual([
    "Hello, do you ship to Spain?",
    "Yes, we do! Which beans would you like?",
    "The dark roast, please.",
  ]);

  // Live after the reload as well.
  await say(chat, /type your message/i, "And a grinder?");
  await expect(agentLog).toContainText("And a grinder?");

  // The agent closes the conversation; the visitor is told and can start again.
  await chooseAction(agent, "Close conversation");
  await expect(chat.getByText("This chat has ended.")).toBeVisible();
  await chat.getByRole("button", { name: "Start a new chat" }).click();
  await say(chat, /type your message/i, "Sorry, one more question");
  await agent.getByRole("button", { name: /Unassigned/ }).click();
  await expect(
    agent.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /one more question/ }),
  ).toBeVisible();
});
