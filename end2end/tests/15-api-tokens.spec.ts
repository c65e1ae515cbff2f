import { test, expect } from "./fixtures";
import { agentPage, workspaceLive } from "./helpers";

test.afterEach(async ({ browser }) => {
  await Promise.all(browser.contexts().map((context) => context.close()));
});

test("an agent makes an API token in My settings, uses it once shown, and revokes it", async ({ browser, request }) => {
  const agent = await agentPage(browser);
  await agent.getByRole("link", { name: "My settings" }).click();
  const section = agent.getByRole("region", { name: "API tokens" });
  await expect(section.getByText("You have no API tokens.")).toBeVisible();
  await section.getByLabel("Token name").fill("Shop backend");
  await section.getByRole("radio", { name: "Read and write" }).check();
  await section.getByRole("button", { name: "Create token" }).click();

  // The secret shows once, ready to copy; the list has the token, not the secret.
  await expect(section.getByRole("status")).toContainText("it will not be shown again");
  const secret = await section.getByRole("textbox", { name: /will not be shown again/ }).inputValue();
  expect(secret).toMatch(/^sbp_[0-9a-f]{64}$/);
  const list = section.getByRole("list", { name: "API tokens" });
  await expect(list.getByRole("listitem")).toHaveCount(1);
  await expect(list).toContainText("Shop backend");
  await expect(list).toContainText("Read and write");
  await expect(list).toContainText("never used");
  await expect(list).not.toContainText(secret);

  // Another system uses it.
  const answer = await request.get("/api/v1/inboxes", { headers: { Authorization: `Bearer ${secret}` } });
  expect(answer.status()).toBe(200);
  expect(await answer.json()).toEqual([expect.objectContaining({ name: "Demo website" })]);
  // Back to My settings through the live page's links (a reloaded page may still be hydrating).
  await agent.getByRole("link", { name: /^Workspace/ }).click();
  await workspaceLive(agent);
  await agent.getByRole("link", { name: "My settings" }).click();
  await expect(agent.getByRole("region", { name: "API tokens" }).getByRole("list", { name: "API tokens" })).toContainText("last used");

  // Revoked, it lets nobody in.
  await agent.getByRole("button", { name: "Revoke Shop backend" }).click();
  await expect(agent.getByRole("region", { name: "API tokens" }).getByText("You have no API tokens.")).toBeVisible();
  await expect(agent.getByRole("region", { name: "API tokens" }).getByRole("status")).toHaveCount(0);
  const refused = await request.get("/api/v1/inboxes", { headers: { Authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error).toBe("unauthenticated");
});
