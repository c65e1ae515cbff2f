import { test, expect } from "./fixtures";
import { ADMIN, agentPage, visitorWithChat, say } from "./helpers";

// Each test's browser contexts go with it: pages left open keep their sockets and timers busy.
test.afterEach(async ({ browser }) => {
  await Promise.all(browser.contexts().map((context) => context.close()));
});

test("an operator and a supervisor work one conversation: counters, boxes, reassignment, timers", async ({ browser }) => {
  test.setTimeout(120_000);
  const admin = await agentPage(browser);

  // The admin adds an operator and a supervisor to the demo inbox.
  await admin.getByRole("link", { name: "Administration" }).click();
  await admin.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Agents" }).click();
  for (const [name, email, role] of [
    ["Olga", "olga@example.com", "Operator"],
    ["Sam", "sam@example.com", "Supervisor"],
  ]) {
    const agents = admin.getByRole("region", { name: "Agents" });
    await agents.getByLabel("Name").fill(name);
    await agents.getByLabel("Email").fill(email);
    await agents.getByLabel("Password").fill(ADMIN.password);
    await agents.getByLabel("Role").selectOption({ label: role });
    await agents.getByLabel("Demo website").check();
    await agents.getByRole("button", { name: "Create agent" }).click();
    await expect(agents.getByText(email)).toBeVisible();
  }

  const olga = await agentPage(browser, "en-US", "olga@example.com");
  const sam = await agentPage(browser, "en-US", "sam@example.com");
  await expect(olga).toHaveTitle("Switchboard");
  await expect(sam).toHaveTitle("Switchboard");
  // Each sees the other online.
  await expect(olga.getByRole("list", { name: "Team" })).toContainText("Sam · Online");

  // A visitor writes: the supervisor's counter counts it, the operator sees it new and unread.
  const { chat } = await visitorWithChat(browser);
  await say(chat, /type your message/i, "Hi, I need help with my order");
  await expect(sam).toHaveTitle("(1) Switchboard");
  await expect(sam.getByRole("link", { name: /Workspace/ })).toContainText("1");
  const olgaItem = olga.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /help with my order/ });
  await expect(olgaItem).toContainText("New");
  await expect(olgaItem).toContainText("1 unread");
  await expect(olga.getByRole("button", { name: "Take the next unassigned conversation (1 waiting)" })).toBeVisible();
  await expect(olga).toHaveTitle("Switchboard");

  // The operator takes it: it leaves the supervisor's count.
  await olgaItem.click();
  await olga.getByRole("button", { name: "Accept" }).click();
  await expect(olga.getByText("You have this conversation")).toBeVisible();
  await expect(sam).toHaveTitle("Switchboard");

  // She docks it as a chat box and minimizes it; the visitor writes again: unread for her.
  await olga.getByRole("button", { name: "Open as chat box" }).click();
  const box = olga.getByRole("region", { name: /^Chat with #\d+$/ });
  await expect(box).toBeVisible();
  await box.getByRole("button", { name: /^Minimize chat with/ }).click();
  await expect(box.getByRole("log")).toHaveCount(0);
  await say(chat, /type your message/i, "Are you there?");
  await expect(olga).toHaveTitle("(1) Switchboard");
  await expect(box).toContainText("1 unread");
  await expect(olga.getByRole("button", { name: "Active chats: 1" })).toBeVisible();

  // Restoring the box shows the message and reads it; she answers from the box.
  await box.getByRole("button", { name: /^Restore chat with/ }).click();
  await expect(box.getByRole("log")).toContainText("Are you there?");
  await expect(olga).toHaveTitle("Switchboard");
  await say(box, /^Reply to #\d+$/, "Yes! Looking at it now.");
  await expect(chat.getByRole("log")).toContainText("Yes! Looking at it now.");

  // The supervisor sees it among the active ones and takes it over.
  await sam.getByRole("button", { name: /^Active \d/ }).click();
  await sam.getByRole("list", { name: "Conversations" }).getByRole("button", { name: /Olga/ }).click();
  await expect(sam.getByText("Olga has this conversation")).toBeVisible();
  await expect(sam.getByText("Also viewing: Olga")).toBeVisible();
  await sam.getByLabel("Assign to").selectOption({ label: "Sam" });
  await sam.getByRole("button", { name: "Assign", exact: true }).click();
  await expect(sam.getByText("You have this conversation")).toBeVisible();
  await expect(box.getByRole("log")).toContainText("Sam assigned this chat to Sam");
  await expect(box.getByRole("radio", { name: "Reply" })).toBeDisabled();
  await expect(box.getByRole("textbox", { name: "Internal note" })).toBeVisible();

  // Short timers: 0.1 minutes (6 seconds) each, on the inbox's own page.
  await admin.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Inboxes" }).click();
  await admin.getByRole("link", { name: "Demo website" }).click();
  const timers = admin.getByRole("form", { name: /Timers · Demo website/ });
  await timers.getByLabel(/Unassign when/).fill("0.1");
  await timers.getByLabel(/Close when/).fill("0.1");
  await timers.getByRole("button", { name: "Save timers" }).click();
  await expect(timers.getByRole("status")).toHaveText("Timers saved.");

  // Sam answers, the visitor asks again, and Sam stays silent: back to unassigned.
  await say(sam, /^reply$/i, "I am taking over.");
  await say(chat, /type your message/i, "Hello again?");
  await expect(sam.getByRole("log")).toContainText(
    "Unassigned automatically: Sam left the visitor waiting for 6 s",
    { timeout: 20_000 },
  );
  await expect(sam).toHaveTitle("(1) Switchboard");

  // Olga maximizes her box, takes it and answers; the visitor goes quiet: closed.
  await box.getByRole("button", { name: /^Maximize chat with/ }).click();
  await expect(box).toHaveCount(0);
  await olga.getByRole("button", { name: "Accept" }).click();
  await say(olga, /^reply$/i, "Sorry for the wait!");
  await expect(olga.getByRole("log")).toContainText(
    "Closed automatically: the visitor did not write for 6 s",
    { timeout: 20_000 },
  );
  await expect(chat.getByText("This chat has ended.")).toBeVisible();
  await expect(chat.getByRole("log")).toContainText("Closed automatically");
  // The visitor's log has the closing line, which came after the unassigning one: had that
  // been sent to the visitor, it would be here too.
  await expect(chat.getByRole("log")).not.toContainText("Unassigned automatically");
});
