import * as fs from "node:fs";
import { test, expect } from "./fixtures";
import { ADMIN, agentPage, conversationFrom, visitorWithChat, say } from "./helpers";

test.afterEach(async ({ browser }) => {
  await Promise.all(browser.contexts().map((context) => context.close()));
});

test("a supervisor reads the week's figures, charts and agents, filters them and downloads a table", async ({ browser }) => {
  test.setTimeout(90_000);
  const agent = await agentPage(browser);
  // One conversation answered by Alex, one left waiting.
  await conversationFrom(browser, agent, "Where is my parcel?");
  await say(agent, /^Reply$/, "It left the warehouse this morning.");
  await expect(agent.getByRole("log").getByText("It left the warehouse")).toBeVisible();
  const waiting = await visitorWithChat(browser);
  await say(waiting.chat, /type your message/i, "Anyone there?");
  await expect(agent.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /Anyone there/ })).toBeVisible();

  await agent.getByRole("navigation").getByRole("link", { name: "Reports" }).click();
  await expect(agent.getByRole("heading", { name: "Reports", level: 1 })).toBeVisible();
  const summary = agent.getByRole("region", { name: "Summary" });
  await expect(summary.getByRole("group", { name: "Conversations started" })).toContainText("2");
  await expect(summary.getByRole("group", { name: "Answered" })).toContainText("1");
  await expect(summary.getByRole("group", { name: "Answered" })).toContainText("50% of those started");
  await expect(summary.getByRole("group", { name: "First response" })).toContainText("median");
  await expect(agent.getByRole("img", { name: "Conversations per day" })).toBeVisible();
  await expect(agent.getByRole("img", { name: "Busiest hours" })).toBeVisible();
  const agents = agent.getByRole("region", { name: "Agents" });
  await expect(agents.getByRole("row", { name: /Alex Admin/ }).getByRole("cell").first()).toHaveText("1");

  // The agents' table as CSV: headers and figures a spreadsheet reads.
  const [download] = await Promise.all([
    agent.waitForEvent("download"),
    agents.getByRole("link", { name: "Download Agents as CSV" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^switchboard-agents-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/);
  const csv = fs.readFileSync(await download.path(), "utf8");
  expect(csv).toContain("Agent,Conversations handled,First response (median) (seconds)");
  expect(csv).toMatch(/\r\nAlex Admin,1,\d+,/);

  // A week long past: nothing started, no agent.
  await agent.getByLabel("From").fill("2020-01-06");
  await agent.getByLabel("To").fill("2020-01-12");
  await agent.getByRole("button", { name: "Show report" }).click();
  await expect(summary.getByRole("group", { name: "Conversations started" })).toContainText("0");
  await expect(agents.getByText("No agent was assigned, replied or online in this period.")).toBeVisible();

  // Back to this week, one agent: the same figures. Then in Spanish, charts included.
  const today = new Date();
  const day = (d: Date) =>
    `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  await agent.getByLabel("From").fill(day(new Date(today.getTime() - 6 * 86_400_000)));
  await agent.getByLabel("To").fill(day(today));
  await agent.getByRole("combobox", { name: /^Agent/ }).selectOption({ label: "Alex Admin" });
  await agent.getByRole("button", { name: "Show report" }).click();
  await expect(summary.getByRole("group", { name: "Conversations started" })).toContainText("1");
  await agent.getByRole("combobox", { name: "Language" }).selectOption("es");
  await expect(agent.getByRole("img", { name: "Conversaciones por día" })).toBeVisible();
  await expect(agent.getByRole("region", { name: "Resumen" }).getByRole("group", { name: "Conversaciones iniciadas" })).toContainText("1");
});

test("an operator has no Reports link and the page refuses them", async ({ browser }) => {
  const admin = await agentPage(browser);
  // Alex adds Olga, an operator.
  await admin.getByRole("link", { name: "Administration" }).click();
  await admin.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Agents" }).click();
  const team = admin.getByRole("region", { name: "Agents" });
  await team.getByLabel("Name").fill("Olga");
  await team.getByLabel("Email").fill("olga@example.com");
  await team.getByLabel("Password").fill(ADMIN.password);
  await team.getByLabel("Role").selectOption({ label: "Operator" });
  await team.getByLabel("Demo website").check();
  await team.getByRole("button", { name: "Create agent" }).click();
  await expect(team.getByText("olga@example.com")).toBeVisible();

  const olga = await agentPage(browser, "en-US", "olga@example.com");
  await expect(olga.getByRole("navigation").getByRole("link", { name: "Tickets" })).toBeVisible();
  await expect(olga.getByRole("navigation").getByRole("link", { name: "Reports" })).toHaveCount(0);
  await olga.goto("/reports");
  await expect(olga.getByRole("alert")).toBeVisible();
  await expect(olga.getByRole("img", { name: "Conversations per day" })).toHaveCount(0);
});
