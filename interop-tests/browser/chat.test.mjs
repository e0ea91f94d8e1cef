// The chat sample in a real browser: Debian's Chromium driven by playwright-core (no downloaded browser).
// Two pages sign in, join a channel, see presence and typing, exchange acked messages; a bad token is refused.
// A screenshot is kept in interop-tests/artifacts/ as a test artifact.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { spawn } from "node:child_process";
import path from "node:path";
import { chromium } from "playwright-core";
import { io as ioc } from "socket.io-client";
import { REPO_ROOT, freePort, startRedis, waitFor, withTimeout } from "../support/servers.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const CHAT_DLL = path.join(REPO_ROOT, "samples/Chat/bin/Release/net10.0/SocketIo.Samples.Chat.dll");
const ARTIFACTS = path.join(REPO_ROOT, "interop-tests/artifacts");
// The chat sample is .NET only: a run against the Node twin alone (SERVER_IMPL=node) leaves it out.
const skipReason = process.env.SERVER_IMPL === "node"
  ? "the chat sample is .NET only (SERVER_IMPL=node)"
  : existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;

let chat;
let url;
let browser;

/** Starts the chat sample on a free port and waits for its "Chat running at …" line. */
async function startChat(env = {}) {
  const proc = spawn("dotnet", [CHAT_DLL], { env: { ...process.env, PORT: "0", HOST: "127.0.0.1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout.on("data", (d) => (out += d));
  proc.stderr.on("data", (d) => (out += d));
  const address = await withTimeout(
    new Promise((resolve, reject) => {
      proc.stdout.on("data", () => {
        const m = /Chat running at (http:\/\/\S+?)\/?\s/.exec(out);
        if (m) resolve(m[1]);
      });
      proc.once("exit", (code) => reject(new Error(`chat exited (${code}): ${out}`)));
    }),
    30_000,
    "the chat sample to start",
  );
  return { proc, address, output: () => out };
}

before(async () => {
  if (skipReason) {
    if (process.env.CI === "true" && process.env.SERVER_IMPL !== "node") throw new Error(`browser test needs Chromium: ${skipReason}`);
    return;
  }
  chat = await startChat();
  url = chat.address;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  chat?.proc.kill("SIGTERM");
});

async function signIn(name, at = url) {
  const page = await browser.newPage();
  await page.goto(at);
  await page.fill("#name", name);
  await page.click("#login-form button");
  await page.waitForSelector("#chat:not([hidden])", { timeout: 10_000 });
  return page;
}

describe("chat sample in Chromium", () => {
  it("two users chat in a channel: presence, typing, acked messages", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const alice = await signIn("alice");
    const bob = await signIn("bob");
    // The page loaded the official client from our server (Node's serveClient).
    assert.equal(await alice.evaluate(() => typeof io), "function");

    await alice.click('#channels button[data-channel="general"]');
    await alice.waitForSelector("#message:not([disabled])");
    await bob.click('#channels button[data-channel="general"]');
    await alice.waitForFunction(() => document.querySelector("#users").textContent.includes("bob"), null, { timeout: 10_000 });
    assert.match(await alice.textContent("#users"), /alice[\s\S]*bob/);
    await alice.waitForFunction(() => document.querySelector("#messages").textContent.includes("bob joined #general"), null, { timeout: 10_000 });

    await bob.type("#message", "hel");
    await alice.waitForFunction(() => document.querySelector("#typing").textContent === "bob is typing…", null, { timeout: 10_000 });

    await alice.fill("#message", "hello bob");
    await alice.click("#send");
    await bob.waitForFunction(() => document.querySelector("#messages").textContent.includes("alice: hello bob"), null, { timeout: 10_000 });
    await alice.waitForSelector("#messages li.mine.confirmed", { timeout: 10_000 });

    await bob.fill("#message", "hi alice");
    await bob.click("#send");
    await alice.waitForFunction(() => document.querySelector("#messages").textContent.includes("bob: hi alice"), null, { timeout: 10_000 });
    // Bob sent, so his typing indicator is gone on Alice's page.
    await alice.waitForFunction(() => document.querySelector("#typing").textContent === "", null, { timeout: 10_000 });

    mkdirSync(ARTIFACTS, { recursive: true });
    await alice.screenshot({ path: path.join(ARTIFACTS, "chat.png"), fullPage: true });

    await bob.close();
    await alice.waitForFunction(() => document.querySelector("#messages").textContent.includes("bob left #general"), null, { timeout: 10_000 });
    assert.doesNotMatch(await alice.textContent("#users"), /bob/);
    await alice.close();
  });

  it("a bad token is refused with the server's connect_error message", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const page = await browser.newPage();
    await page.goto(url);
    await page.click("details summary");
    await page.fill("#token", "not-a-jwt");
    await page.click("#token-form button");
    await page.waitForSelector("#error:not([hidden])", { timeout: 10_000 });
    assert.equal(await page.textContent("#error"), "Connection refused: invalid token (sign in again)");
    assert.equal(await page.isHidden("#chat"), true);
    await page.close();
  });

  it("what a user hit first: long words wrap, a refused message looks refused, no favicon 404, a phone-wide input", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const missing = [];
    const page = await browser.newPage();
    page.on("response", (r) => r.status() === 404 && missing.push(r.url()));
    await page.goto(url);
    await page.fill("#name", "erin");
    await page.click("#login-form button");
    await page.waitForSelector("#chat:not([hidden])", { timeout: 10_000 });
    await page.click('#channels button[data-channel="dotnet"]');
    await page.waitForSelector("#message:not([disabled])");

    await page.fill("#message", "x".repeat(400));
    await page.click("#send");
    await page.waitForSelector("#messages li.mine.confirmed", { timeout: 10_000 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), "one long word does not widen the page");

    await page.fill("#message", "y".repeat(2001));
    await page.click("#send");
    const failed = await page.waitForSelector("#messages li.mine.failed", { timeout: 10_000 });
    assert.equal(await failed.evaluate((li) => getComputedStyle(li).color), "rgb(176, 0, 32)");
    assert.equal(await failed.getAttribute("title"), "messages are at most 2000 characters");
    assert.deepEqual(missing, [], "no request of the page was answered 404 (the favicon is inline)");

    await page.setViewportSize({ width: 390, height: 800 });
    const width = await page.evaluate(() => document.querySelector("#message").getBoundingClientRect().width);
    assert.ok(width > 250, `on a 390 px phone the input is ${width} px wide`);
    await page.close();
  });

  it("a token sign-in shows the token's user; a server restart shows reconnecting, then recovers by itself", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const port = await freePort();
    const env = { PORT: String(port), CHAT_SECRET: "a-secret-that-survives-the-restart-0123456789" };
    let instance = await startChat(env);
    try {
      const page = await browser.newPage();
      await page.goto(instance.address);
      const token = await page.evaluate(async () => (await (await fetch("/api/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: "frank" }) })).json()).token);
      await page.click("details summary");
      await page.fill("#token", token);
      await page.click("#token-form button");
      await page.waitForFunction(() => document.querySelector("#status").textContent === "online as frank", null, { timeout: 10_000 });
      await page.click('#channels button[data-channel="general"]');
      await page.waitForSelector("#message:not([disabled])");

      instance.proc.kill("SIGKILL");
      await page.waitForFunction(() => document.querySelector("#status").textContent === "reconnecting…", null, { timeout: 10_000 });
      assert.equal(await page.isDisabled("#message"), true, "nothing can be typed into a dead connection");

      // What the page shows when the input comes back: it must already be the rejoined channel's list (which
      // replaces the old one), or a message typed at once would be wiped by the rejoin's reply.
      await page.evaluate(() => {
        for (const li of document.querySelectorAll("#messages li")) li.dataset.beforeRestart = "1";
        const input = document.querySelector("#message");
        new MutationObserver((_, observer) => {
          if (input.disabled) return;
          window.oldLinesWhenEnabled = document.querySelectorAll("#messages li[data-before-restart]").length;
          observer.disconnect();
        }).observe(input, { attributes: true, attributeFilter: ["disabled"] });
      });
      instance = await startChat(env);
      await page.waitForFunction(() => document.querySelector("#status").textContent === "online as frank", null, { timeout: 20_000 });
      await page.waitForSelector("#message:not([disabled])", { timeout: 10_000 });
      assert.equal(await page.evaluate(() => window.oldLinesWhenEnabled), 0, "the input is enabled only once the channel is rejoined");
      await page.fill("#message", "back again");
      await page.click("#send");
      await page.waitForSelector("#messages li.mine.confirmed", { timeout: 10_000 });
      await page.close();
    } finally {
      instance.proc.kill("SIGTERM");
    }
  });

  it("two people who chose one name are two members; one user's second tab is not a second member", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const join = async (page) => {
      await page.click('#channels button[data-channel="dotnet"]');
      await page.waitForSelector("#message:not([disabled])");
    };
    const members = (page) => page.$$eval("#users li", (items) => items.map((li) => li.textContent));
    const gina = await signIn("gina");
    await join(gina);
    const samA = await signIn("sam");
    await join(samA);
    const samB = await signIn("sam");
    await join(samB);
    await gina.waitForFunction(() => document.querySelectorAll("#users li").length === 3, null, { timeout: 10_000 });
    assert.deepEqual(await members(gina), ["gina", "sam", "sam"]);

    // The same token in another tab is the same user.
    const token = await gina.evaluate(async () => (await (await fetch("/api/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: "tess" }) })).json()).token);
    const tabs = [];
    for (let i = 0; i < 2; i++) {
      const tab = await browser.newPage();
      await tab.goto(url);
      await tab.click("details summary");
      await tab.fill("#token", token);
      await tab.click("#token-form button");
      await tab.waitForFunction(() => document.querySelector("#status").textContent === "online as tess", null, { timeout: 10_000 });
      await join(tab);
      tabs.push(tab);
    }
    await gina.waitForFunction(() => document.querySelector("#users").textContent.includes("tess"), null, { timeout: 10_000 });
    // Presence after the second tab's join has arrived once that tab sees itself listed.
    await tabs[1].waitForFunction(() => document.querySelector("#users").textContent.includes("tess"), null, { timeout: 10_000 });
    await gina.waitForFunction(() => document.querySelectorAll("#users li").length === 4, null, { timeout: 10_000 });
    assert.deepEqual(await members(tabs[1]), ["gina", "sam", "sam", "tess"]);
    for (const page of [gina, samA, samB, ...tabs]) await page.close();
  });

  it("the Admin UI sits behind a login of its own: a wrong password is refused, the right one shows the chat's rooms on the dashboard", async (t) => {
    if (skipReason) return t.skip(skipReason);
    // Started without CHAT_ADMIN_PASSWORD: the chat made one up and printed it.
    const password = /user admin, password (\w+);/.exec(chat.output())?.[1];
    assert.ok(password, `the start-up lines name the made-up password: ${chat.output()}`);
    const page = await signIn("olga");
    await page.click('#channels button[data-channel="random"]');
    await page.waitForSelector("#message:not([disabled])");

    const wrong = ioc(`${url}/admin`, { forceNew: true, reconnection: false, transports: ["websocket"], auth: { username: "admin", password: "guess" } });
    const [refusal] = await waitFor(wrong, "connect_error", 10_000);
    assert.equal(refusal.message, "invalid credentials");
    wrong.close();
    const chatSignIn = ioc(`${url}/admin`, { forceNew: true, reconnection: false, transports: ["websocket"], auth: { token: "a chat token is no admin login" } });
    assert.equal((await waitFor(chatSignIn, "connect_error", 10_000))[0].message, "invalid credentials");
    chatSignIn.close();

    const admin = ioc(`${url}/admin`, { forceNew: true, reconnection: false, transports: ["websocket"], auth: { username: "admin", password } });
    const [sessionId] = await waitFor(admin, "session", 10_000, { rejectOn: ["connect_error"] });
    admin.close();

    // The served dashboard, logged in with that session (what it keeps in localStorage after a login), lists the rooms.
    const dashboard = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await dashboard.goto(`${url}/admin-ui/`);
      await dashboard.evaluate(([server, session]) => {
        localStorage.setItem("server_url", server);
        localStorage.setItem("ws_only", "true");
        localStorage.setItem("session_id", session);
      }, [url, sessionId]);
      await dashboard.goto(`${url}/admin-ui/#/rooms/`);
      await dashboard.reload();
      await dashboard.waitForSelector("text=random", { timeout: 15_000 });
      mkdirSync(ARTIFACTS, { recursive: true });
      await dashboard.screenshot({ path: path.join(ARTIFACTS, "chat-admin-ui.png"), fullPage: true });
    } finally {
      await dashboard.close();
      await page.close();
    }
  });

  it("a channel keeps its last messages with their times for whoever joins next; one's own join is confirmed", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const gina = await signIn("gina");
    await gina.click('#channels button[data-channel="random"]');
    await gina.waitForSelector("#message:not([disabled])");
    assert.equal(await gina.textContent("#users-title"), "In #random");
    await gina.waitForFunction(() => document.querySelector("#messages").textContent.includes("You joined #random"), null, { timeout: 10_000 });
    await gina.fill("#message", "remember me");
    await gina.click("#send");
    await gina.waitForSelector("#messages li.mine.confirmed", { timeout: 10_000 });

    const hank = await signIn("hank");
    await hank.click('#channels button[data-channel="random"]');
    await hank.waitForSelector("#message:not([disabled])");
    const lines = await hank.$$eval("#messages li", (lis) => lis.map((li) => li.textContent));
    assert.ok(lines.some((l) => /^\[\d\d:\d\d\] gina: remember me$/.test(l)), JSON.stringify(lines));
    assert.equal(lines.at(-1), "You joined #random");
    await gina.close();
    await hank.close();
  });

  it("a chat whose Redis cannot be reached says so at start and exits", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const closed = await freePort(); // nothing listens there
    const proc = spawn("dotnet", [CHAT_DLL], { env: { ...process.env, PORT: "0", REDIS_URL: `redis://127.0.0.1:${closed}` }, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    proc.stderr.on("data", (d) => (err += d));
    const code = await withTimeout(new Promise((r) => proc.once("exit", r)), 30_000, "the chat to exit");
    assert.equal(code, 1);
    assert.match(err, new RegExp(`^cannot reach Redis at redis://127\\.0\\.0\\.1:${closed}: `));
  });

  it("two instances on one Redis share one chat", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const redis = await startRedis();
    if (redis.skip) {
      if (process.env.CI === "true") throw new Error(`needs Redis: ${redis.skip}`);
      return t.skip(redis.skip);
    }
    const env = { REDIS_URL: redis.url, CHAT_SECRET: "test-secret-shared-by-both-instances" };
    const [one, two] = await Promise.all([startChat(env), startChat(env)]);
    try {
      const carol = await signIn("carol", one.address);
      const dave = await signIn("dave", two.address);
      await carol.click('#channels button[data-channel="random"]');
      await carol.waitForSelector("#message:not([disabled])");
      await dave.click('#channels button[data-channel="random"]');
      // Presence comes from fetchSockets across both instances.
      await carol.waitForFunction(() => document.querySelector("#users").textContent.includes("dave"), null, { timeout: 10_000 });
      await dave.fill("#message", "across the cluster");
      await dave.click("#send");
      await carol.waitForFunction(() => document.querySelector("#messages").textContent.includes("dave: across the cluster"), null, { timeout: 10_000 });
      await dave.waitForSelector("#messages li.mine.confirmed", { timeout: 10_000 });
      await carol.close();
      await dave.close();
    } finally {
      one.proc.kill("SIGTERM");
      two.proc.kill("SIGTERM");
      await redis.stop();
    }
  });
});
