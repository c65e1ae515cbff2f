import { test, expect } from "./fixtures";
import { agentPage, visitorWithChat, say, workspaceLive } from "./helpers";

test.afterEach(async ({ browser }) => {
  await Promise.all(browser.contexts().map((context) => context.close()));
});

test("an admin turns on automatic assignment and a new chat lands with the agent, saying why", async ({ browser }) => {
  const agent = await agentPage(browser);
  // Through the live page's links (a page loaded straight may still be hydrating).
  await agent.getByRole("link", { name: "Administration" }).click();
  await agent.getByRole("link", { name: "Demo website", exact: true }).click();
  const form = agent.getByRole("form", { name: /Automatic assignment/ });
  await expect(form.getByRole("radio", { name: "Off: agents accept conversations" })).toBeChecked();
  await form.getByRole("radio", { name: "In turn (round robin)" }).check();
  await form.getByLabel("Open conversations per agent").fill("2");
  await form.getByRole("button", { name: "Save automatic assignment" }).click();
  await expect(form.getByRole("status")).toHaveText("Automatic assignment saved.");

  // The agent is online in the workspace; a visitor writes and the chat is theirs at once.
  await agent.getByRole("link", { name: /^Workspace/ }).click();
  await workspaceLive(agent);
  const visitor = await visitorWithChat(browser);
  await say(visitor.chat, /type your message/i, "Is the grinder in stock?");
  const mine = agent.getByRole("button", { name: /^My chats/ });
  await expect(mine).toContainText("1");
  await mine.click();
  await agent.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /grinder in stock/ }).click();
  await expect(agent.getByRole("log")).toContainText("Assigned automatically to Alex Admin: their turn (round robin)");
  await expect(agent.getByText("You have this conversation")).toBeVisible();
  // The visitor reads it as the agent joining, not how the team shares its work.
  await expect(visitor.chat.getByRole("log")).toContainText("Alex Admin joined the chat");
  await expect(visitor.chat.getByRole("log")).not.toContainText("automatically");
});
