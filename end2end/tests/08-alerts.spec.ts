import { test, expect } from "./fixtures";
import { signIn, visitorWithChat, say } from "./helpers";
import type { Page } from "@playwright/test";

// Each test's browser contexts go with it: pages left open keep their sockets and timers busy.
test.afterEach(async ({ browser }) => {
  await Promise.all(browser.contexts().map((context) => context.close()));
});

/**
 * Runs in the agent's page before any of its scripts: counts the desktop notifications the
 * workspace creates (the real ones are still shown) and the oscillators of its chime.
 */
function countAlerts() {
  const counted = window as unknown as {
    notifications: { title: string; body: string }[];
    oscillators: number;
  };
  counted.notifications = [];
  counted.oscillators = 0;
  window.Notification = new Proxy(window.Notification, {
    construct(target, args: [string, NotificationOptions?]) {
      counted.notifications.push({ title: args[0], body: args[1]?.body ?? "" });
      return Reflect.construct(target, args);
    },
  });
  const create = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function (this: AudioContext) {
    counted.oscillators += 1;
    return create.call(this);
  };
}

const notifications = (page: Page) =>
  page.evaluate(() => (window as unknown as { notifications: { title: string; body: string }[] }).notifications);
const oscillators = (page: Page) => page.evaluate(() => (window as unknown as { oscillators: number }).oscillators);

test("an agent is alerted to new conversations and to messages out of view, with sound until it is off", async ({ browser }) => {
  test.setTimeout(90_000);
  const context = await browser.newContext({ locale: "en-US" });
  await context.grantPermissions(["notifications"]);
  await context.addInitScript(countAlerts);
  const agent = await context.newPage();
  await signIn(agent);
  await expect(agent.getByRole("button", { name: "Desktop notifications" })).toHaveAttribute("aria-pressed", "true");
  await expect(agent.getByRole("button", { name: "Sound" })).toHaveAttribute("aria-pressed", "true");
  // Browsers let a page play sound only after someone has interacted with it.
  await agent.keyboard.press("Shift");

  // A new conversation: a notification with the message, and the chime (two tones).
  const first = await visitorWithChat(browser);
  await say(first.chat, /type your message/i, "Where is my order?");
  await expect.poll(() => notifications(agent)).toEqual([
    { title: expect.stringMatching(/^New conversation from #\d+$/), body: "Where is my order?" },
  ]);
  expect(await oscillators(agent)).toBe(2);
  // And a toast in the page itself, whatever the browser allows.
  const toasts = agent.getByRole("region", { name: "Notifications" });
  await expect(toasts.getByRole("status").filter({ hasText: "Where is my order?" })).toContainText(/New conversation from #\d+/);

  // The agent answers it: while it is on screen, its messages alert nobody.
  const list = agent.getByRole("list", { name: "Conversations" });
  await list.getByRole("button", { name: /Where is my order\?/ }).click();
  await agent.getByRole("button", { name: "Accept" }).click();
  await expect(agent.getByText("You have this conversation")).toBeVisible();
  await say(first.chat, /type your message/i, "Order 4417");
  // The message is on screen, so the workspace has applied it (and decided on an alert).
  await expect(agent.getByRole("log")).toContainText("Order 4417");
  expect(await notifications(agent)).toHaveLength(1);
  expect(await oscillators(agent)).toBe(2);

  // Sound off; another visitor's conversation takes the screen; the first visitor writes
  // again: a notification for the message, no chime.
  await agent.getByRole("button", { name: "Sound" }).click();
  await expect(agent.getByRole("button", { name: "Sound" })).toHaveAttribute("aria-pressed", "false");
  const second = await visitorWithChat(browser);
  await say(second.chat, /type your message/i, "Do you sell gift cards?");
  await expect.poll(async () => (await notifications(agent)).length).toBe(2);
  await agent.getByRole("button", { name: /Unassigned/ }).click();
  await list.getByRole("button", { name: /gift cards/ }).click();
  await expect(agent.getByRole("log")).toContainText("Do you sell gift cards?");
  await say(first.chat, /type your message/i, "Are you still there?");
  await expect.poll(async () => (await notifications(agent)).length).toBe(3);
  expect((await notifications(agent))[2]).toEqual({
    title: expect.stringMatching(/^New message from #\d+$/),
    body: "Are you still there?",
  });
  expect(await oscillators(agent)).toBe(2);
  // Its toast opens that conversation, and goes.
  const toast = toasts.getByRole("status").filter({ hasText: "Are you still there?" });
  await toast.getByRole("button", { name: "Open" }).click();
  await expect(agent.getByRole("log")).toContainText("Are you still there?");
  await expect(agent.getByRole("heading", { name: /^Conversation \d+ with/ })).toBeVisible();
  await expect(toast).toHaveCount(0);
});
