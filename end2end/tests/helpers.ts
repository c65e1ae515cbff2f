import { expect, type Browser, type Page, type FrameLocator, type Locator } from "@playwright/test";

export const ADMIN = { name: "Alex Admin", email: "admin@example.com", password: "a long secret 123" };

/** A signed-in agent page in its own browser context. */
export async function agentPage(browser: Browser, locale = "en-US", email = ADMIN.email): Promise<Page> {
  const context = await browser.newContext({ locale });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel(/email|correo/i).fill(email);
  await page.getByLabel(/password|contraseña/i).fill(ADMIN.password);
  await page.getByRole("button", { name: /sign in|entrar/i }).click();
  await expect(page.getByRole("navigation", { name: /conversation views|vistas/i })).toBeVisible();
  // The notifications switch appears once the page is live (hydrated): before that, a change
  // of a control would be lost.
  await expect(page.getByRole("button", { name: /desktop notifications|notificaciones de escritorio/i })).toBeVisible();
  return page;
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

/** Types a message and presses Enter. */
export async function say(where: Page | FrameLocator | Locator, label: RegExp, text: string) {
  const box = where.getByRole("textbox", { name: label });
  await box.fill(text);
  await box.press("Enter");
}
