// The browser bundle built with the msgpack parser (socket.io-client's dist/socket.io.msgpack.min.js, 4.8.4) in
// Debian's Chromium (playwright-core), against the interop host with PARSER=msgpack: events with binary (ArrayBuffer
// in the browser), acks both ways, a middleware refusal with data, over WebSocket and polling. Runs against
// SERVER_IMPL=dotnet|node; the page has the host's origin, so polling needs no CORS.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { REPO_ROOT, startServer } from "../support/servers.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const BUNDLE = path.join(REPO_ROOT, "node_modules/socket.io-client/dist/socket.io.msgpack.min.js");
const skipReason = existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;

let server;
let browser;

before(async () => {
  if (skipReason) {
    if (process.env.CI === "true") throw new Error(`browser test needs Chromium: ${skipReason}`);
    return;
  }
  server = await startServer({ env: { SERVER_NAME: "msgpack-browser", PARSER: "msgpack" } });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * A page on the host's origin with the msgpack bundle loaded. The host serves no page of its own, so the page is an
 * Engine.IO handshake answer of /engine.io/ (a 200 text document; that session simply times out). Serving a page
 * through playwright's request interception instead breaks the page's WebSockets in Chromium.
 */
async function pageWithBundle() {
  const page = await browser.newPage();
  await page.goto(`${server.url}/engine.io/?EIO=4&transport=polling`);
  await page.addScriptTag({ path: BUNDLE });
  return page;
}

describe("socket.io.msgpack.min.js in Chromium", () => {
  for (const transport of ["websocket", "polling"]) {
    it(`talks to a msgpack server over ${transport}: binary, acks both ways, a middleware refusal with data`, async (t) => {
      if (skipReason) return t.skip(skipReason);
      const page = await pageWithBundle();
      const result = await page.evaluate(async (transport) => {
        const deadline = (promise, what) =>
          Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), 10_000))]);
        const call = (socket, event, ...args) => new Promise((resolve) => socket.emit(event, ...args, (...res) => resolve(res)));
        const socket = io("/", { transports: [transport], reconnection: false });
        await deadline(new Promise((resolve, reject) => { socket.on("connect", resolve); socket.on("connect_error", reject); }), "connect");
        const echoed = await deadline(call(socket, "echo", "hi", new Uint8Array([1, 2, 255]).buffer, { n: 1.5 }), "echo ack");
        socket.on("ask", (payload, ack) => ack(`answer to ${payload}`));
        await deadline(call(socket, "join", "browser-room"), "join");
        const [asked] = await deadline(call(socket, "bcast-ack", "browser-room", "q", 3000), "bcast-ack");

        const refused = io("/mw", { transports: [transport], reconnection: false, auth: { token: "bad" } });
        const err = await deadline(new Promise((resolve) => refused.on("connect_error", resolve)), "connect_error");
        socket.disconnect();
        return {
          text: echoed[0],
          isArrayBuffer: echoed[1] instanceof ArrayBuffer,
          bytes: Array.from(new Uint8Array(echoed[1])),
          obj: echoed[2],
          asked,
          err: { message: err.message, data: err.data },
        };
      }, transport);

      assert.deepEqual(result, {
        text: "hi",
        isArrayBuffer: true,
        bytes: [1, 2, 255],
        obj: { n: 1.5 },
        asked: { err: null, responses: ["answer to q"] },
        err: { message: "not authorized", data: { reason: "bad token" } },
      });
      await page.close();
    });
  }
});
