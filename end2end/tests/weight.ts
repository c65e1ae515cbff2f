import type { CDPSession, Page } from "@playwright/test";

/** One response as the browser's own network accounting saw it. */
export type Transfer = {
  url: string;
  /** Bytes over the wire: headers and body as sent (compressed), from CDP `encodedDataLength`. */
  bytes: number;
  /** Served from the browser's cache (nothing downloaded). */
  cached: boolean;
  encoding: string;
};

/**
 * Counts every response a page (and its same-origin frames) receives, from Chromium's
 * DevTools protocol: `Network.loadingFinished.encodedDataLength` is what crossed the wire,
 * headers included. WebSocket frames are counted by their payload.
 */
export class Wire {
  private transfers = new Map<string, Transfer>();
  private socketBytes = 0;

  private constructor(private session: CDPSession) {}

  static async watch(page: Page): Promise<Wire> {
    const session = await page.context().newCDPSession(page);
    const wire = new Wire(session);
    session.on("Network.responseReceived", (event) => {
      const headers = event.response.headers as Record<string, string>;
      const encoding = Object.entries(headers).find(([name]) => name.toLowerCase() === "content-encoding")?.[1] ?? "";
      wire.transfers.set(event.requestId, {
        url: event.response.url,
        bytes: 0,
        cached: Boolean(event.response.fromDiskCache || event.response.fromMemoryCache),
        encoding,
      });
    });
    session.on("Network.requestServedFromCache", (event) => {
      const seen = wire.transfers.get(event.requestId);
      if (seen) seen.cached = true;
    });
    session.on("Network.loadingFinished", (event) => {
      const seen = wire.transfers.get(event.requestId);
      if (!seen) return;
      seen.bytes = event.encodedDataLength;
      // A memory-cache hit finishes without a byte on the wire.
      if (event.encodedDataLength === 0) seen.cached = true;
    });
    session.on("Network.webSocketFrameReceived", (event) => {
      wire.socketBytes += event.response.payloadData.length;
    });
    session.on("Network.webSocketFrameSent", (event) => {
      wire.socketBytes += event.response.payloadData.length;
    });
    await session.send("Network.enable");
    return wire;
  }

  /** Forgets what was counted so far (the host page before the chat opens). */
  reset() {
    this.transfers.clear();
    this.socketBytes = 0;
  }

  /** Every finished response since the last reset, biggest first. */
  list(): Transfer[] {
    return [...this.transfers.values()].sort((a, b) => b.bytes - a.bytes);
  }

  /** Bytes over the wire since the last reset: responses plus socket payloads. */
  total(): number {
    return this.list().reduce((sum, t) => sum + t.bytes, 0) + this.socketBytes;
  }

  sockets(): number {
    return this.socketBytes;
  }

  /** A table for the terminal: one line per response, then the total. */
  report(title: string): string {
    const lines = [`${title}`];
    for (const t of this.list()) {
      const path = new URL(t.url).pathname;
      const how = t.cached ? "cache" : t.encoding || "identity";
      lines.push(`  ${String(t.bytes).padStart(9)}  ${how.padEnd(8)}  ${path.length > 70 ? path.slice(0, 67) + "..." : path}`);
    }
    lines.push(`  ${String(this.socketBytes).padStart(9)}  socket    WebSocket frames`);
    lines.push(`  ${String(this.total()).padStart(9)}  total`);
    return lines.join("\n");
  }
}
