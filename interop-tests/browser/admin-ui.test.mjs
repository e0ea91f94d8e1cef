// The Socket.IO Admin UI's own dashboard in a real browser (Debian's Chromium through playwright-core): the .NET host
// serves the npm package's build at /admin-ui/ (ADMIN_UI=1), the dashboard connects to the .NET server's /admin and
// lists a client's socket and its room. A screenshot is kept in interop-tests/artifacts/.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { io as ioc } from "socket.io-client";
import { call } from "../support/clients.mjs";
import { REPO_ROOT, startServer, waitFor } from "../support/servers.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const ARTIFACTS = path.join(REPO_ROOT, "interop-tests/artifacts");
const skipReason = process.env.SERVER_IMPL === "node"
  ? "the served dashboard is the .NET host's (SERVER_IMPL=node)"
  : existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;

let server;
let browser;

before(async () => {
  if (skipReason) {
    if (process.env.CI === "true" && process.env.SERVER_IMPL !== "node") throw new Error(`browser test needs Chromium: ${skipReason}`);
    return;
  }
  server = await startServer({ impl: "dotnet", env: { ADMIN_UI: "1" } });
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

describe("the admin UI dashboard in Chromium", { skip: skipReason ?? false }, () => {
  it("connects to the .NET server and shows its sockets and rooms", async () => {
    const client = ioc(server.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
    await waitFor(client, "connect", 10_000, { rejectOn: ["connect_error"] });
    await call(client, "join", "browser-room");
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      // The dashboard connects on load to the server its last login saved (localStorage), as after a reload.
      await page.goto(`${server.url}/admin-ui/`);
      await page.evaluate((url) => {
        localStorage.setItem("server_url", url);
        localStorage.setItem("ws_only", "true");
      }, server.url);
      await page.goto(`${server.url}/admin-ui/#/sockets/`);
      // Only the hash changed: load the page again so that it reads the saved server.
      await page.reload();
      await page.waitForSelector(`text=${client.id}`, { timeout: 15_000 }).catch(async (err) => {
        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: path.join(ARTIFACTS, "admin-ui-failure.png"), fullPage: true });
        throw err;
      });
      await page.goto(`${server.url}/admin-ui/#/rooms/`);
      await page.waitForSelector("text=browser-room", { timeout: 15_000 });
      await page.goto(`${server.url}/admin-ui/#/sockets/`);
      await page.waitForSelector(`text=${client.id}`, { timeout: 15_000 });
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, "admin-ui-dashboard.png"), fullPage: true });
      assert.ok(existsSync(path.join(ARTIFACTS, "admin-ui-dashboard.png")));
    } finally {
      await page.close();
      client.close();
    }
  });
});
