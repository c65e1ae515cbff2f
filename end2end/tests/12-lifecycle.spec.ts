import { test, expect } from "./fixtures";
import { ADMIN, agentPage } from "./helpers";
import type { Page } from "@playwright/test";

// Each test's browser contexts go with it: pages left open keep their sockets and timers busy.
test.afterEach(async ({ browser }) => {
  await Promise.all(browser.contexts().map((context) => context.close()));
});

/** Opens Administration → Agents from the workspace (client-side, so nothing is lost). */
async function agentsPage(admin: Page) {
  await admin.getByRole("link", { name: "Administration" }).click();
  await admin.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Agents" }).click();
  return admin.getByRole("region", { name: "Agents" });
}

test("an admin edits, disables, resets and deletes an agent, and the audit log says who did what", async ({ browser }) => {
  const admin = await agentPage(browser);
  let agents = await agentsPage(admin);
  await agents.getByLabel("Name", { exact: true }).fill("Olivia Operator");
  await agents.getByLabel("Email", { exact: true }).fill("olivia@example.com");
  await agents.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await agents.getByLabel("Demo website").check();
  await agents.getByRole("button", { name: "Create agent" }).click();
  await expect(agents.getByRole("row", { name: /Olivia Operator olivia@example.com Operator Demo website Active/ })).toBeVisible();

  // Olivia works in her own browser.
  const olivia = await agentPage(browser, "en-US", "olivia@example.com");

  // Edited: a supervisor now.
  await agents.getByRole("button", { name: "Edit Olivia Operator" }).click();
  const editor = admin.getByRole("region", { name: "Edit Olivia Operator" });
  await editor.getByLabel("Role").selectOption("supervisor");
  await editor.getByRole("button", { name: "Save account" }).click();
  await expect(editor.getByRole("status")).toHaveText("Account saved.");
  await expect(agents.getByRole("row", { name: /Olivia Operator .* Supervisor/ })).toBeVisible();
  await admin.setViewportSize({ width: 1280, height: 720 });
  await admin.screenshot({ path: "test-results/lifecycle-agent-editor.png", fullPage: true });

  // Disabled: her workspace goes to the sign-in page at once, where she is told why.
  await editor.getByRole("button", { name: "Disable account" }).click();
  await expect(agents.getByRole("row", { name: /Olivia Operator .* Disabled/ })).toBeVisible();
  await expect(olivia).toHaveURL(/\/login$/);
  await olivia.getByLabel("Email").fill("olivia@example.com");
  await olivia.getByLabel("Password").fill(ADMIN.password);
  await olivia.getByRole("button", { name: "Sign in" }).click();
  await expect(olivia.getByRole("alert")).toHaveText("This account is disabled. Ask an admin to enable it.");

  // Enabled with a new password: the old one no longer works, the new one does.
  await editor.getByRole("button", { name: "Enable account" }).click();
  await expect(agents.getByRole("row", { name: /Olivia Operator .* Active/ })).toBeVisible();
  await editor.getByLabel("New password").fill("a fresh secret 789");
  await editor.getByRole("button", { name: "Set new password" }).click();
  await expect(editor.getByRole("form", { name: "Reset password" }).getByRole("status")).toHaveText(
    "New password set. Their sessions have ended.",
  );
  await olivia.getByRole("button", { name: "Sign in" }).click();
  await expect(olivia.getByRole("alert")).toHaveText("Wrong email or password.");
  await olivia.getByLabel("Password").fill("a fresh secret 789");
  await olivia.getByRole("button", { name: "Sign in" }).click();
  await expect(olivia.getByRole("navigation", { name: "Conversation views" })).toBeVisible();

  // Deleted after a confirmation: a former agent, signed out.
  await editor.getByRole("button", { name: "Delete account…" }).click();
  const confirm = editor.getByRole("alertdialog");
  await expect(confirm).toContainText("Delete Olivia Operator's account? Their conversations and messages stay");
  // The safe answer has the focus, and Escape gives it.
  await expect(confirm.getByRole("button", { name: "Cancel" })).toBeFocused();
  await admin.keyboard.press("Escape");
  await expect(confirm).toHaveCount(0);
  await editor.getByRole("button", { name: "Delete account…" }).click();
  await confirm.getByRole("button", { name: "Delete account for good" }).click();
  await expect(agents.getByRole("row", { name: /Olivia Operator .* Former agent/ })).toBeVisible();
  await expect(admin.getByRole("region", { name: "Edit Olivia Operator" })).toHaveCount(0);
  await expect(olivia).toHaveURL(/\/login$/);

  // The audit log, newest first.
  await admin.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Audit log" }).click();
  const log = admin.getByRole("table", { name: "Audit log" });
  await expect(log.getByRole("row").nth(1)).toContainText(`${ADMIN.name}Deleted an accountOlivia Operator`);
  for (const what of ["Reset a password", "Enabled an account", "Disabled an account", "Edited an account", "Created an account"]) {
    await expect(log.getByRole("row", { name: new RegExp(what) })).toBeVisible();
  }
  await admin.screenshot({ path: "test-results/lifecycle-audit.png", fullPage: true });
  await admin.setViewportSize({ width: 390, height: 780 });
  await admin.screenshot({ path: "test-results/lifecycle-audit-small.png", fullPage: true });
});

test("an agent changes their own password in My settings", async ({ browser }) => {
  const page = await agentPage(browser);
  await page.getByRole("link", { name: "My settings" }).click();
  const password = page.getByRole("region", { name: "Password" });
  await password.getByLabel("Current password").fill("not it at all");
  await password.getByLabel("New password").fill("my new long secret");
  await password.getByRole("button", { name: "Change password" }).click();
  await expect(password.getByRole("alert")).toHaveText("Please check the field “Current password”.");
  await password.getByLabel("Current password").fill(ADMIN.password);
  await password.getByRole("button", { name: "Change password" }).click();
  await expect(password.getByRole("status")).toHaveText("Password changed. Your other sessions have ended.");
  // This session goes on.
  await page.reload();
  await expect(page.getByRole("region", { name: "Password" })).toBeVisible();
});

test("an inbox is switched off, then deleted once its name is typed", async ({ browser }) => {
  const admin = await agentPage(browser);
  await admin.getByRole("link", { name: "Administration" }).click();
  await admin.getByRole("link", { name: "Demo website", exact: true }).click();
  const general = admin.getByRole("form", { name: "Name and availability" });
  const key = (await admin.locator("pre code").textContent())?.match(/data-inbox="([^"]+)"/)?.[1];
  expect(key).toBeTruthy();
  await general.getByLabel("Inbox name").fill("Old shop");
  await general.getByLabel(/Visitors can chat/).uncheck();
  await general.getByRole("button", { name: "Save inbox" }).click();
  await expect(general.getByRole("status")).toHaveText("Inbox saved.");
  await expect(admin.getByRole("heading", { name: "Old shop", exact: true })).toBeVisible();

  // The website's widget says the chat is unavailable.
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(`/widget/${key}`);
  await expect(visitor.getByRole("alert")).toHaveText("This chat is not available.");

  // Deleting names what goes, and needs the name.
  const danger = admin.getByRole("region", { name: "Delete inbox" });
  await danger.getByRole("button", { name: "Delete this inbox…" }).click();
  await expect(danger).toContainText("Deleting Old shop removes 0 conversations, 0 visitors and 0 tickets");
  await admin.screenshot({ path: "test-results/lifecycle-inbox.png", fullPage: true });
  await danger.getByLabel("Type the inbox's name to confirm").fill("Demo website");
  await danger.getByRole("button", { name: "Delete inbox for good" }).click();
  await expect(danger.getByRole("alert")).toHaveText("Please check the field “Inbox name”.");
  await danger.getByLabel("Type the inbox's name to confirm").fill("Old shop");
  await danger.getByRole("button", { name: "Delete inbox for good" }).click();
  await expect(admin).toHaveURL(/\/admin$/);
  await expect(admin.getByRole("region", { name: "Inboxes" }).getByRole("link", { name: "Old shop" })).toHaveCount(0);
});
