import { test, expect } from "./fixtures";
import { agentPage, visitorWithChat, workspaceLive } from "./helpers";

// Each test's browser contexts go with it: pages left open keep their sockets and timers busy.
test.afterEach(async ({ browser }) => {
  await Promise.all(browser.contexts().map((context) => context.close()));
});

test("a browser in Spanish gets the widget and the workspace in Spanish", async ({ browser }) => {
  const { chat } = await visitorWithChat(browser, "es-ES");
  await expect(chat.getByRole("textbox", { name: "Escribe tu mensaje" })).toBeVisible();
  await expect(chat.getByRole("button", { name: "Minimizar el chat" })).toBeVisible();
  await expect(chat.getByRole("button", { name: "Enviar" })).toBeVisible();

  const agent = await agentPage(browser, "es-ES");
  await expect(agent.getByRole("navigation", { name: "Vistas de conversaciones" })).toBeVisible();
  await expect(agent.getByRole("button", { name: /Sin asignar/ })).toBeVisible();
});

test("an agent picks their language in the workspace", async ({ browser }) => {
  const agent = await agentPage(browser, "en-US");
  await agent.getByLabel("Language").selectOption("es");
  await expect(agent.getByRole("button", { name: "Cerrar sesión" })).toBeVisible();
  await agent.reload();
  await workspaceLive(agent);
  await expect(agent.getByRole("button", { name: /Mis chats/ })).toBeVisible();
  await agent.getByLabel("Idioma").selectOption("en");
  await expect(agent.getByRole("button", { name: "Sign out" })).toBeVisible();
});
