import { test as base, expect } from "@playwright/test";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SMTPServer } from "smtp-server";
import { ADMIN } from "./helpers";

/** The server binary `cargo leptos build` writes, run from the project root; the measuring
 * program (scripts/measure-weight.sh) points `SWITCHBOARD_BINARY` at the release build. */
const ROOT = path.resolve(__dirname, "..", "..");
const BINARY = path.resolve(ROOT, process.env.SWITCHBOARD_BINARY ?? "target/debug/switchboard");

/** An email as the local SMTP server received it: its recipients, and its headers and body
 * with quoted-printable undone (lettre folds long or non-ASCII lines that way). */
export type Mail = { to: string[]; text: string };

/** A local SMTP server on a port of its own, collecting what Switchboard sends. */
export type MailSink = { port: number; mails: Mail[] };

/** A Switchboard of one test: its address, and its mail when the test asked for SMTP. */
export type Server = { url: string; mail: MailSink | null };

type Options = {
  /** Create the admin (`helpers.ADMIN`) at start-up, as `SWITCHBOARD_ADMIN_*` does. */
  withAdmin: boolean;
  /** Give the server a local SMTP server. */
  withMail: boolean;
  /** Let webhooks reach a receiver on loopback over plain http, retried after a second. */
  withWebhooks: boolean;
};

/**
 * Every test gets a fresh Switchboard: its own data directory, the demo inbox and site, the
 * admin from the environment (unless the test sets up the first admin itself), a port the
 * server bound itself (127.0.0.1:0, read back from its log). Nothing one test does or changes
 * reaches another, so each spec passes alone and in any order.
 */
export const test = base.extend<Options & { server: Server }>({
  withAdmin: [true, { option: true }],
  withMail: [false, { option: true }],
  withWebhooks: [false, { option: true }],
  server: async ({ withAdmin, withMail, withWebhooks }, use, testInfo) => {
    const mail = withMail ? await startMailSink() : null;
    const running = await startSwitchboard(withAdmin, mail?.sink.port ?? null, withWebhooks);
    await use({ url: running.url, mail: mail?.sink ?? null });
    await running.stop();
    await mail?.stop();
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach("server log", { body: running.log(), contentType: "text/plain" });
    }
  },
  baseURL: async ({ server }, use) => {
    await use(server.url);
  },
});

export { expect };

/** With `SWITCHBOARD_E2E_POSTGRES` (the throwaway PostgreSQL of scripts/test.sh, its server's
 * binaries in `PG_BIN`), each server gets a fresh PostgreSQL database instead of a SQLite
 * file: the test command runs every spec once on each. */
function freshPostgresDatabase(): string | null {
  const admin = process.env.SWITCHBOARD_E2E_POSTGRES;
  if (!admin) {
    return null;
  }
  const url = new URL(admin);
  const name = `e2e_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  execFileSync(path.join(process.env.PG_BIN ?? "", "createdb"), [
    "-h", url.hostname, "-p", url.port, "-U", decodeURIComponent(url.username), name,
  ]);
  url.pathname = `/${name}`;
  return url.toString();
}

async function startSwitchboard(withAdmin: boolean, smtpPort: number | null, withWebhooks: boolean) {
  if (!fs.existsSync(BINARY)) {
    throw new Error(`${BINARY} is missing: run \`cargo leptos build\` first (scripts/test.sh does)`);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-e2e-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SWITCHBOARD_LISTEN: "127.0.0.1:0",
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_DEMO: "1",
    // Warnings, and the line that says where the server listens.
    SWITCHBOARD_LOG: "warn,switchboard::server=info",
    LEPTOS_SITE_ROOT: path.join(ROOT, "target/site"),
  };
  const database = freshPostgresDatabase();
  if (database) {
    env.SWITCHBOARD_DATABASE_URL = database;
  }
  if (withAdmin) {
    env.SWITCHBOARD_ADMIN_EMAIL = ADMIN.email;
    env.SWITCHBOARD_ADMIN_PASSWORD = ADMIN.password;
    env.SWITCHBOARD_ADMIN_NAME = ADMIN.name;
  }
  if (withWebhooks) {
    env.SWITCHBOARD_WEBHOOK_TRUSTED_HOSTS = "127.0.0.1";
    env.SWITCHBOARD_RETRY_AFTER = "1";
  }
  if (smtpPort !== null) {
    env.SWITCHBOARD_SMTP_HOST = "127.0.0.1";
    env.SWITCHBOARD_SMTP_PORT = String(smtpPort);
    env.SWITCHBOARD_SMTP_TLS = "none";
    env.SWITCHBOARD_MAIL_FROM = "Support <support@example.com>";
  }
  const child = spawn(BINARY, [], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line within 60 s:\n${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const found = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`switchboard exited (${code}) before listening:\n${output}`));
    });
  });
  return {
    url,
    log: () => output,
    stop: () => stopProcess(child).then(() => fs.rmSync(dataDir, { recursive: true, force: true })),
  };
}

/** Its data directory goes with it, so nothing needs a graceful stop. */
function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/** Joins soft line breaks and turns `=XX` escapes back into the UTF-8 bytes they stand for. */
function undoQuotedPrintable(raw: string): string {
  const joined = raw.replace(/=\r?\n/g, "");
  const bytes = joined.replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

async function startMailSink(): Promise<{ sink: MailSink; stop: () => Promise<void> }> {
  const mails: Mail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        mails.push({
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          text: undoQuotedPrintable(Buffer.concat(chunks).toString("latin1")),
        });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", () => resolve()));
  const address = smtp.server.address();
  if (address === null || typeof address === "string") throw new Error("the SMTP server has no port");
  return {
    sink: { port: address.port, mails },
    stop: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}
