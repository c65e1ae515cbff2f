import { expect, type Browser, type Page, type FrameLocator, type Locator } from "@playwright/test";

export const ADMIN = { name: "Alex Admin", email: "admin@example.com", password: "a long secret 123" };

/** A signed-in agent page in its own browser context. */
export async function agentPage(browser: Browser, locale = "en-US", email = ADMIN.email): Promise<Page> {
  const context = await browser.newContext({ locale });
  const page = await context.newPage();
  await signIn(page, email);
  return page;
}

/** A signed-in agent in a window of this size from the start, in a light or dark system. */
export async function agentAt(
  browser: Browser,
  width: number,
  height: number,
  colorScheme: "light" | "dark" = "light",
): Promise<Page> {
  const context = await browser.newContext({ locale: "en-US", viewport: { width, height }, colorScheme });
  const page = await context.newPage();
  await signIn(page);
  return page;
}

/** A visitor writes `text`; the agent opens and accepts that conversation. Returns its id. */
export async function conversationFrom(browser: Browser, agent: Page, text: string): Promise<number> {
  const visitor = await visitorWithChat(browser);
  await say(visitor.chat, /type your message/i, text);
  await agent.getByRole("list", { name: "Conversations" }).getByRole("button", { name: new RegExp(text) }).click();
  await agent.getByRole("button", { name: "Accept" }).click();
  await expect(agent.getByText("You have this conversation")).toBeVisible();
  await expect(agent).toHaveURL(/\/conversations\/\d+/);
  return Number(new URL(agent.url()).pathname.split("/").pop());
}

/**
 * Has an inbox keep these query parameters in the page addresses it records (Administration,
 * the inbox's page, Privacy), then goes back to the workspace. By default no query is kept.
 */
export async function keepQueryParams(page: Page, inbox: string, params: string) {
  await page.getByRole("link", { name: "Administration" }).click();
  await page.getByRole("link", { name: inbox, exact: true }).click();
  const privacy = page.getByRole("form", { name: `Privacy · ${inbox}` });
  await privacy.getByLabel("Query parameters kept in visited page addresses").fill(params);
  await privacy.getByRole("button", { name: "Save privacy" }).click();
  await expect(privacy.getByRole("status")).toHaveText("Privacy saved.");
  await page.getByRole("link", { name: /^Workspace/ }).click();
  await workspaceLive(page);
}

/** Signs an agent in on this page and waits until the workspace is live. */
export async function signIn(page: Page, email = ADMIN.email) {
  await page.goto("/login");
  await page.getByLabel(/email|correo/i).fill(email);
  await page.getByLabel(/password|contraseña/i).fill(ADMIN.password);
  await page.getByRole("button", { name: /sign in|entrar/i }).click();
  await workspaceLive(page);
}

/**
 * Waits until the workspace on this page is live (hydrated). Until then a click or a change of
 * a control would be lost: wait for it after every load or reload before touching anything.
 */
export async function workspaceLive(page: Page) {
  await expect(page.getByRole("navigation", { name: /conversation views|vistas/i })).toBeVisible();
  // The notifications switch is drawn only in the browser, once the page is live.
  await expect(page.getByRole("button", { name: /desktop notifications|notificaciones de escritorio/i })).toBeVisible();
}

/** A visitor on the demo site with the chat open; returns the page and the widget frame. */
export async function visitorWithChat(browser: Browser, locale = "en-US"): Promise<{ page: Page; chat: FrameLocator }> {
  const context = await browser.newContext({ locale });
  const page = await context.newPage();
  await page.goto("/demo");
  await page.getByRole("button", { name: /open chat|abrir el chat/i }).click();
  const chat = page.frameLocator("iframe.sb-frame");
  await expect(chat.getByRole("textbox")).toBeEnabled();
  return { page, chat };
}

/** Types a message and presses Enter (once the box takes input: the page is live). */
export async function say(where: Page | FrameLocator | Locator, label: RegExp, text: string) {
  const box = where.getByRole("textbox", { name: label });
  await expect(box).toBeEnabled();
  await box.fill(text);
  await box.press("Enter");
}

/** Chooses an item of the open conversation's actions menu (the main view's, not a chat box's). */
export async function chooseAction(page: Page, item: string | RegExp) {
  await page.getByRole("button", { name: "Actions" }).first().click();
  await page.getByRole("menuitem", { name: item }).click();
}
