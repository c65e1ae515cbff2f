import * as http from "node:http";
import { createHmac } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Browser } from "@playwright/test";
import { test, expect } from "./fixtures";
import { agentPage, visitorWithChat, say } from "./helpers";

test.use({ withWebhooks: true });

/** A post a receiver got: its headers and body. */
type Post = { headers: http.IncomingHttpHeaders; body: string };

/** A local receiver on loopback: records every post, answers 500 to the first. */
async function receiver(): Promise<{ url: string; posts: Post[]; close: () => void }> {
  const posts: Post[] = [];
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      posts.push({ headers: request.headers, body });
      response.statusCode = posts.length === 1 ? 500 : 200;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/switchboard`, posts, close: () => server.close() };
}

/** What a receiver checks: the signature over "timestamp.delivery.body" with the secret. */
function signedWith(post: Post, secret: string): boolean {
  const payload = `${post.headers["x-switchboard-timestamp"]}.${post.headers["x-switchboard-delivery"]}.${post.body}`;
  return post.headers["x-switchboard-signature"] === `sha256=${createHmac("sha256", secret).update(payload).digest("hex")}`;
}

test.afterEach(async ({ browser }) => {
  await Promise.all(browser.contexts().map((context) => context.close()));
});

test("an admin adds an event webhook, the receiver gets the chosen events signed, and the log sends one again", async ({ browser }) => {
  const crm = await receiver();
  try {
    await addUseAndRemove(browser, crm);
  } finally {
    crm.close();
  }
});

async function addUseAndRemove(browser: Browser, crm: { url: string; posts: Post[] }) {
  const agent = await agentPage(browser);
  // Through the live page's links (a page loaded straight may still be hydrating).
  await agent.getByRole("link", { name: "Administration" }).click();
  await agent.getByRole("link", { name: "Demo website", exact: true }).click();
  const section = agent.getByRole("region", { name: "Event webhooks" });
  await expect(section.getByText("No endpoints yet.")).toBeVisible();

  // No event chosen: a clear error, nothing added.
  await section.getByLabel("Endpoint address").fill(crm.url);
  await section.getByRole("button", { name: "Add endpoint" }).click();
  await expect(section.getByRole("alert")).toContainText("Events to send");
  await expect(section.getByText("No endpoints yet.")).toBeVisible();

  await section.getByRole("checkbox", { name: /^conversation\.created/ }).check();
  await section.getByRole("checkbox", { name: /^message\.created/ }).check();
  await section.getByRole("button", { name: "Add endpoint" }).click();
  const secretBox = section.getByRole("textbox", { name: /not shown again/ });
  await expect(secretBox).toBeVisible();
  const secret = await secretBox.inputValue();
  expect(secret).toMatch(/^whsec_[0-9a-f]{48}$/);
  await expect(section.getByRole("button", { name: `Remove the endpoint ${crm.url}` })).toBeVisible();
  await expect(section).toContainText("conversation.created, message.created");

  // A visitor writes: the receiver hears of the new conversation and of the message, signed;
  // the first post failed and came again.
  const visitor = await visitorWithChat(browser);
  await say(visitor.chat, /type your message/i, "Do you ship to Lisbon?");
  await expect.poll(() => new Set(crm.posts.map((p) => p.headers["x-switchboard-delivery"])).size, { timeout: 15_000 }).toBe(2);
  await expect.poll(() => crm.posts.length, { timeout: 15_000 }).toBe(3);
  expect(crm.posts.every((post) => signedWith(post, secret))).toBe(true);
  const events = crm.posts.map((post) => JSON.parse(post.body));
  expect(events.map((e) => e.event).sort()).toEqual(["conversation.created", "conversation.created", "message.created"]);
  expect(events.find((e) => e.event === "message.created").data.message.body).toBe("Do you ship to Lisbon?");

  // The log: both delivered, the first after one failed attempt; sent again on request. (The
  // outbox notes a delivery just after the receiver answers: refreshed until it shows.)
  await section.getByRole("button", { name: "Show the latest deliveries" }).click();
  const log = section.getByRole("table", { name: "Deliveries" });
  await expect(async () => {
    await section.getByRole("button", { name: "Refresh" }).click();
    await expect(log.getByRole("cell", { name: "Delivered" })).toHaveCount(2, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(log.getByRole("row")).toHaveCount(3);
  const first = log.getByRole("row").filter({ hasText: "conversation.created" });
  await expect(first).toContainText("Failed attempts: 1");
  await first.getByRole("button", { name: /^Send delivery \d+ again$/ }).click();
  await expect(log.getByRole("row")).toHaveCount(4);
  await expect.poll(() => crm.posts.length, { timeout: 15_000 }).toBe(4);
  expect(crm.posts[3].body).toBe(crm.posts[0].body);
  expect(crm.posts[3].headers["x-switchboard-delivery"]).not.toBe(crm.posts[0].headers["x-switchboard-delivery"]);

  // Removed after a confirmation (kept the first time), and its deliveries leave the log.
  await section.getByRole("button", { name: `Remove the endpoint ${crm.url}` }).click();
  const confirm = section.getByRole("group", { name: `Confirm removing the endpoint ${crm.url}` });
  await confirm.getByRole("button", { name: "Keep it" }).click();
  await expect(confirm).toHaveCount(0);
  await section.getByRole("button", { name: `Remove the endpoint ${crm.url}` }).click();
  await confirm.getByRole("button", { name: "Remove it" }).click();
  await expect(section.getByText("No endpoints yet.")).toBeVisible();
  await expect(section.getByText("Nothing has been sent yet.")).toBeVisible();
  await expect(secretBox).toHaveCount(0);
}
