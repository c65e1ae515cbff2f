import { test, expect } from "./fixtures";
import { ADMIN } from "./helpers";

// Each test's browser contexts go with it: pages left open keep their sockets and timers busy.
test.afterEach(async ({ browser }) => {
  await Promise.all(browser.contexts().map((context) => context.close()));
});

// This server starts with no agent at all: the first visit sets one up.
test.use({ withAdmin: false });

test("the first visit sets up an admin, who creates an inbox and an agent", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Set up Switchboard" })).toBeVisible();
  await page.getByLabel("Name").fill(ADMIN.name);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create admin" }).click();

  await expect(page.getByRole("navigation", { name: "Conversation views" })).toBeVisible();
  await expect(page.getByRole("banner").getByText(ADMIN.name)).toBeVisible();

  // Setup is closed once an admin exists.
  await page.goto("/setup");
  await expect(page).not.toHaveURL(/\/setup$/);

  await page.getByRole("link", { name: "Administration" }).click();
  await page.getByLabel("Inbox name").fill("Support site");
  await page.getByRole("button", { name: "Create inbox" }).click();
  // The new inbox opens on its own page, with the snippet for the website.
  await expect(page).toHaveURL(/\/admin\/inboxes\/\d+$/);
  const inbox = page.getByRole("region", { name: "Support site" });
  await expect(inbox.locator("pre code")).toContainText('/widget.js" data-inbox="');
  await expect(inbox.getByRole("form", { name: "Timers · Support site" })).toBeVisible();
  const menu = page.getByRole("navigation", { name: "Administration" });
  await expect(menu.getByRole("link", { name: "Inboxes" })).toHaveAttribute("aria-current", "page");
  await menu.getByRole("link", { name: "Inboxes" }).click();
  await expect(page.getByRole("region", { name: "Inboxes" }).getByRole("link", { name: "Support site" })).toBeVisible();

  await menu.getByRole("link", { name: "Agents" }).click();
  await expect(page).toHaveURL(/\/admin\/agents$/);
  const agents = page.getByRole("region", { name: "Agents" });
  await agents.getByLabel("Name").fill("Olivia Operator");
  await agents.getByLabel("Email").fill("olivia@example.com");
  await agents.getByLabel("Password").fill("another secret 456");
  await agents.getByLabel("Role").selectOption("operator");
  await agents.getByLabel("Support site").check();
  await agents.getByRole("button", { name: "Create agent" }).click();
  await expect(agents.getByRole("row", { name: /Olivia Operator olivia@example.com Operator Support site/ })).toBeVisible();

  // Sign out, and a wrong password gets a clear error.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Wrong email or password.");
});
