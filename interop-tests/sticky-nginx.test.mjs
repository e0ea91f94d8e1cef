// Sticky sessions for real: Debian's nginx with an `ip_hash` upstream in front of one .NET interop host and one
// Node twin on one redis-server (classic adapter), default socket.io-client 4.8.4 instances (HTTP long-polling
// first, then the WebSocket upgrade, both through nginx).
//
// Spreading clients: ip_hash hashes the first three octets of the client's IPv4 address, so every client on
// 127.0.0.1 would land on one server. Linux routes all of 127.0.0.0/8 to the loopback interface, so each client
// binds its own source address 127.0.<n>.1 (an http.Agent with `localAddress`, which engine.io-client hands to
// both its polling requests and its WebSocket); nginx then sees distinct client addresses, exactly as it would
// with clients on different networks, and the real ip_hash decides. The test connects clients from n = 1, 2, …
// until it has three on each server (the hash is deterministic; whoami says where each landed).
//
// What is asserted, in two phases:
// 1. Chat across the two servers: every client sends numbered `bcast` messages (to everyone but itself); every
//    client receives every other client's messages exactly once and in order, half of them from the other server
//    through Redis. Every client is on WebSocket after its upgrade (the Upgrade headers pass nginx).
// 2. One server leaves mid-run while every client keeps sending (one message at a time, the next after the ack),
//    in two ways, each for either server:
//    - drain: nginx is reloaded with that server marked `down` (marked, not removed: removing it would re-hash
//      every client address, moving clients of the other server too), then the server is stopped with SIGTERM
//      (its WebSocket connections outlive the reload on the old nginx worker until then);
//    - crash: the server is SIGKILLed and nginx is not told; its error log must show it finding the dead upstream
//      and passing the request on (proxy_next_upstream), the hash staying put for everyone else.
//    Its clients must reconnect on their own, through nginx, to the other server. "No loss beyond what the client
//    retries" means:
//    - a client's retry is its send buffer: emits made while it is disconnected are queued and sent after the
//      reconnect (each moved sender has such an emit, and it is acknowledged). What the default client does not
//      retry (`retries: 0`) is an emit already written to the connection that died: each moved sender may lose at
//      most that one (its ack fails with "socket has been disconnected"); clients of the other server lose none.
//    - clients of the surviving server, never disconnected, receive every acknowledged message of every sender,
//      in order, no duplicates — except, in a crash, what the dead server acknowledged but had not yet published:
//      one run of its senders' last messages before the crash (none so far);
//    - moved clients miss broadcasts only while they are away (no state recovery on the classic adapter): per
//      sender, the acknowledged messages they lack are one contiguous run, all emitted before they were back;
//      everything emitted after their reconnect arrives. Order and no duplicates hold for everyone.
//    - the leaving server closes the connections without a namespace DISCONNECT (reason "transport close"): after
//      "io server disconnect" socket.io-client would not reconnect at all.
// And a negative control: the same nginx with plain round robin breaks long-polling sessions (the second request
// of a session reaches the other server, "Session ID unknown"), which is why stickiness is needed at all.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { io as ioc } from "socket.io-client";
import { callWithin } from "./support/clients.mjs";
import { startServer, startRedis, waitFor, withTimeout } from "./support/servers.mjs";
import { findNginx, startNginx } from "./support/nginx.mjs";

const PER_SERVER = 3;
const PHASE1_MESSAGES = 10;
const ACK_TIMEOUT = 15_000;
// Pace of each sender in phase 2: steady traffic, not a flood.
const SEND_GAP_MS = 20;

let redis;
let skipReason;

before(async () => {
  if (!findNginx()) {
    // CI installs nginx (.ci/run); a local run without it says why instead of failing.
    if (process.env.CI === "true") throw new Error("the sticky-session tests need nginx (apt-get install nginx-light)");
    skipReason = "nginx not installed (apt-get install nginx-light)";
    return;
  }
  redis = await startRedis();
  if (redis.skip) {
    if (process.env.CI === "true") throw new Error(`the sticky-session tests need Redis: ${redis.skip}`);
    skipReason = redis.skip;
  }
});

after(async () => {
  await redis?.stop?.();
});

/** Waits (bounded) until `pred()` holds, checking every 20 ms. */
async function until(pred, timeoutMs, label) {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A default socket.io-client whose connections (polling and WebSocket) come from `address`. */
function client(url, address, extra = {}) {
  const agent = new http.Agent({ keepAlive: true, localAddress: address });
  const socket = ioc(url, { forceNew: true, agent, ...extra });
  const c = { address, agent, socket, name: address, seq: 0, accepted: [], failed: [], got: new Map(), events: [] };
  socket.on("msg", (m) => {
    if (!c.got.has(m.from)) c.got.set(m.from, []);
    c.got.get(m.from).push(m.seq);
  });
  socket.on("disconnect", (reason) => c.events.push({ type: "disconnect", reason, t: Date.now() }));
  socket.on("connect", () => c.events.push({ type: "connect", t: Date.now() }));
  c.close = () => {
    socket.disconnect();
    agent.destroy();
  };
  return c;
}

const whoami = async (c) => (await callWithin(c.socket, 5000, "whoami"))[0].server;

describe("sticky sessions: nginx ip_hash in front of a .NET host and a Node twin (classic adapter)", () => {
  const ways = [
    ["drain", "is drained (marked down, nginx reloaded, SIGTERM)"],
    ["crash", "crashes (SIGKILL, nginx not told)"],
  ];
  for (const [how, title] of ways) for (const leaving of ["node", "dotnet"]) {
    it(`chat across both servers, then the ${leaving} server ${title} and its clients move to the other`, { timeout: 120_000 }, async (t) => {
      if (skipReason) return t.skip(skipReason);
      const env = { REDIS_URL: redis.url, REDIS_ADAPTER: "classic", REDIS_KEY: `sticky-${how}-${leaving}-${process.pid}` };
      const servers = {
        dotnet: await startServer({ impl: "dotnet", env: { ...env, SERVER_NAME: "dotnet" } }),
        node: await startServer({ impl: "node", env: { ...env, SERVER_NAME: "node" } }),
      };
      const order = ["dotnet", "node"];
      const upstreams = (down) => order.map((name) => ({ port: servers[name].port, down: name === down }));
      const nginx = await startNginx({ upstreams: upstreams(null) });
      const staying = leaving === "node" ? "dotnet" : "node";
      const all = [];
      let stopTraffic = false;
      const loops = [];
      try {
        // Connect from 127.0.1.1, 127.0.2.1, … until each server has PER_SERVER clients.
        const on = { dotnet: [], node: [] };
        for (let n = 1; on.dotnet.length < PER_SERVER || on.node.length < PER_SERVER; n++) {
          if (n > 60) throw new Error(`ip_hash put 60 addresses on too few servers: ${JSON.stringify({ dotnet: on.dotnet.length, node: on.node.length })}`);
          const c = client(nginx.url, `127.0.${n}.1`);
          await waitFor(c.socket, "connect", 10_000, { rejectOn: ["connect_error"] });
          const server = await whoami(c);
          if (on[server].length < PER_SERVER) {
            c.server = server;
            on[server].push(c);
            all.push(c);
          } else {
            c.close();
          }
        }
        // The upgrade went through nginx: every client is on WebSocket now.
        await until(() => all.every((c) => c.socket.io.engine?.transport?.name === "websocket"), 10_000, "every client to upgrade to WebSocket");

        // Phase 1: chat across the two servers.
        await Promise.all(
          all.map(async (c) => {
            for (let i = 0; i < PHASE1_MESSAGES; i++) {
              c.seq++;
              await callWithin(c.socket, ACK_TIMEOUT, "bcast", null, { from: c.name, seq: c.seq });
              c.accepted.push({ seq: c.seq });
            }
          }),
        );
        const phase1 = Array.from({ length: PHASE1_MESSAGES }, (_, i) => i + 1);
        await until(() => all.every((r) => all.every((s) => s === r || (r.got.get(s.name)?.length ?? 0) >= PHASE1_MESSAGES)), 10_000, "phase 1 chat everywhere");
        for (const r of all) {
          for (const s of all) {
            if (s === r) continue;
            assert.deepEqual(r.got.get(s.name), phase1, `${r.name} (${r.server}) from ${s.name} (${s.server})`);
          }
        }

        // Phase 2: steady traffic from everyone while one server leaves.
        for (const c of all) {
          loops.push(
            (async () => {
              while (!stopTraffic) {
                const seq = ++c.seq;
                const t0 = Date.now();
                try {
                  await callWithin(c.socket, ACK_TIMEOUT, "bcast", null, { from: c.name, seq });
                  c.accepted.push({ seq, t0, t1: Date.now() });
                } catch (err) {
                  c.failed.push({ seq, t0, err: err.message });
                }
                await new Promise((r) => setTimeout(r, SEND_GAP_MS));
              }
            })(),
          );
        }
        const acceptedAfter = (t0) => (c) => c.accepted.filter((a) => a.t0 >= t0).length;
        const trafficStart = Date.now();
        await until(() => all.every((c) => acceptedAfter(trafficStart)(c) >= 10), 10_000, "traffic before the drain");

        const moved = on[leaving];
        // Drain: nginx stops sending new connections to the leaving server…
        if (how === "drain") await nginx.reload(upstreams(leaving));
        if (how === "drain") await until(
          async () => {
            const probe = client(nginx.url, moved[0].address, { reconnection: false });
            try {
              await waitFor(probe.socket, "connect", 5000, { rejectOn: ["connect_error"] });
              return (await whoami(probe)) === staying;
            } finally {
              probe.close();
            }
          },
          10_000,
          "the reloaded nginx to route a moved client's address to the staying server",
        );
        // …then the server goes (a crash: at once, nobody told).
        const dropped = Date.now();
        if (how === "crash") servers[leaving].proc.kill("SIGKILL");
        await servers[leaving].stop();
        for (const c of moved) {
          await until(() => c.events.some((e) => e.type === "connect" && e.t > dropped), 20_000, `${c.name} to reconnect`);
          assert.equal(await whoami(c), staying, `${c.name} reconnected to the staying server`);
        }
        const back = Date.now();
        await until(() => all.every((c) => acceptedAfter(back)(c) >= 10), 15_000, "traffic after everyone is back");
        stopTraffic = true;
        await withTimeout(Promise.all(loops), ACK_TIMEOUT + 2000, "the senders to finish");

        // Fence: a last message from each sender; per-sender order means everything before it has arrived.
        await Promise.all(
          all.map(async (c) => {
            c.seq++;
            await callWithin(c.socket, ACK_TIMEOUT, "bcast", null, { from: c.name, seq: c.seq });
            c.accepted.push({ seq: c.seq, t0: Date.now() });
          }),
        );
        await until(() => all.every((r) => all.every((s) => s === r || r.got.get(s.name)?.at(-1) === s.seq)), 10_000, "the fence everywhere");

        const report = [];
        for (const c of moved) {
          const disc = c.events.find((e) => e.type === "disconnect" && e.t >= dropped);
          const rec = c.events.find((e) => e.type === "connect" && e.t > dropped);
          c.backAt = rec.t;
          assert.equal(disc.reason, "transport close", `${c.name}: the leaving server's transport closed`);
          report.push(`${c.name}: ${disc.reason} after ${disc.t - dropped} ms, back after ${rec.t - dropped} ms`);
        }
        for (const c of on[staying]) assert.equal(c.events.filter((e) => e.type === "disconnect").length, 0, `${c.name} stayed connected`);
        for (const s of all) {
          const movedSender = s.server === leaving;
          assert.ok(s.failed.length <= (movedSender ? 1 : 0), `${s.name} (${s.server}) lost only what was in flight: ${JSON.stringify(s.failed)}`);
          if (movedSender) {
            // The send buffer at work: an emit made while disconnected, acknowledged after the reconnect.
            assert.ok(s.accepted.some((a) => a.t0 < s.backAt && a.t1 >= s.backAt), `${s.name} had an emit buffered across its reconnect`);
          }
        }
        let missedTotal = 0;
        let missedAtCrash = 0;
        for (const r of all) {
          for (const s of all) {
            if (s === r) continue;
            const got = r.got.get(s.name);
            const label = `${r.name} (${r.server}) from ${s.name} (${s.server})`;
            for (let i = 1; i < got.length; i++) assert.ok(got[i] > got[i - 1], `${label}: in order, no duplicates at ${i}: ${got[i - 1]}, ${got[i]}`);
            assert.ok(got.at(-1) <= s.seq, `${label}: only what was sent`);
            const have = new Set(got);
            const accepted = s.accepted.map((a) => a.seq);
            const missing = s.accepted.filter((a) => !have.has(a.seq));
            if (r.server === staying) {
              if (how === "drain" || s.server === staying) {
                assert.deepEqual(missing, [], `${label}: every acknowledged message`);
              } else if (missing.length) {
                // A crash may take with it what the dead server acknowledged but had not yet published: only the
                // last messages before the crash, one run.
                const first = accepted.indexOf(missing[0].seq);
                assert.deepEqual(missing.map((a) => a.seq), accepted.slice(first, first + missing.length), `${label}: one run`);
                for (const m of missing) assert.ok(m.t0 < dropped, `${label}: ${m.seq} was emitted after the crash`);
                missedAtCrash += missing.length;
              }
              continue;
            }
            missedTotal += missing.length;
            if (missing.length) {
              const first = accepted.indexOf(missing[0].seq);
              assert.deepEqual(missing.map((a) => a.seq), accepted.slice(first, first + missing.length), `${label}: what is missed is one run`);
              for (const m of missing) assert.ok(m.t0 <= r.backAt, `${label}: ${m.seq} was emitted after the receiver was back`);
            }
          }
        }
        const lost = all.reduce((n, c) => n + c.failed.length, 0);
        if (how === "crash") {
          // nginx found the dead upstream by itself and passed the request to the next one (proxy_next_upstream).
          assert.match(nginx.errorLog(), /Connection refused\) while connecting to upstream/);
        }
        t.diagnostic(
          `${leaving} ${how}: ${report.join("; ")}; in-flight emits lost: ${lost}; broadcasts missed by moved clients while away: ${missedTotal}` +
            (how === "crash" ? `; acknowledged by the dead server but never received on the other: ${missedAtCrash}` : ""),
        );
      } catch (err) {
        err.message += `\n--- nginx error.log ---\n${nginx.errorLog()}\n--- access.log (tail) ---\n${nginx.accessLog().slice(-4000)}`;
        throw err;
      } finally {
        stopTraffic = true;
        for (const c of all) c.close();
        await Promise.all(loops).catch(() => {});
        await nginx.stop();
        await Promise.all(Object.values(servers).map((s) => s.stop()));
      }
    });
  }

  it("negative control: round robin (no stickiness) breaks a long-polling session", { timeout: 30_000 }, async (t) => {
    if (skipReason) return t.skip(skipReason);
    const env = { REDIS_URL: redis.url, REDIS_ADAPTER: "classic", REDIS_KEY: `sticky-rr-${process.pid}` };
    const servers = await Promise.all([startServer({ impl: "dotnet", env }), startServer({ impl: "node", env })]);
    const nginx = await startNginx({ balance: "", upstreams: servers.map((s) => ({ port: s.port })) });
    const c = client(nginx.url, "127.0.1.1", { reconnection: false });
    try {
      // The handshake lands on one server, the session's next request on the other: 400 "Session ID unknown".
      await assert.rejects(waitFor(c.socket, "connect", 10_000, { rejectOn: ["connect_error", "disconnect"] }), /connect_error|disconnect/);
      assert.match(nginx.accessLog(), /" 400 /, "a polling request was refused by the server that did not know the session");
    } finally {
      c.close();
      await nginx.stop();
      await Promise.all(servers.map((s) => s.stop()));
    }
  });
});
