// The benchmark's own tools: jsload must fail a run whose acks are wrong (a load generator that cannot fail measures
// nothing), and the uWebSockets.js server must refuse to run on the package's JS fallback.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Server } from "socket.io";

const BENCH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function run(args, env = {}) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), 30_000);
    p.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** A socket.io server whose echo ack passes every payload through `tamper(args, n)` (n = acks so far). */
async function echoServer(tamper) {
  const httpServer = http.createServer();
  const io = new Server(httpServer);
  let n = 0;
  io.on("connection", (socket) => {
    socket.on("echo", (...args) => {
      const ack = args.pop();
      ack(...tamper(args, n++));
    });
  });
  await new Promise((r) => httpServer.listen(0, "127.0.0.1", r));
  return { port: httpServer.address().port, close: () => new Promise((r) => io.close(r)) };
}

async function jsload(port, ...extra) {
  const r = await run([path.join(BENCH, "jsload/main.mjs"), "--port", String(port), "--clients", "4", "--total", "200", "--timeout", "20", ...extra]);
  return { ...r, result: JSON.parse(r.out.trim().split("\n").pop()) };
}

test("jsload passes an honest server, with exact counts", async () => {
  const srv = await echoServer((args) => args);
  try {
    const { code, result } = await jsload(srv.port, "--scenario", "echo");
    assert.equal(code, 0, result.firstError);
    assert.equal(result.metrics.acks, 200);
    const bin = await jsload(srv.port, "--scenario", "binary", "--size", "256");
    assert.equal(bin.code, 0, bin.result.firstError);
  } finally {
    await srv.close();
  }
});

test("jsload fails a run where one ack carries another payload", async () => {
  const srv = await echoServer((args, n) => (n === 57 ? [`${args[0]}!`] : args));
  try {
    const { code, result } = await jsload(srv.port, "--scenario", "echo");
    assert.equal(code, 1);
    assert.match(result.firstError, /wrong ack payload/);
  } finally {
    await srv.close();
  }
});

test("jsload fails a run where one binary attachment comes back changed", async () => {
  const srv = await echoServer((args, n) => {
    if (n === 33) args[0] = Buffer.from(args[0]).fill(0, 100, 101);
    return args;
  });
  try {
    const { code, result } = await jsload(srv.port, "--scenario", "binary", "--size", "256");
    assert.equal(code, 1);
    assert.match(result.firstError, /wrong binary payload/);
  } finally {
    await srv.close();
  }
});

test("the uWebSockets.js server refuses the JS fallback and runs on the native addon", async () => {
  const fallback = await run([path.join(BENCH, "uws-server.mjs")], { PORT: "0", UWS_USE_FALLBACK: "1" });
  assert.equal(fallback.code, 3);
  assert.match(fallback.err, /native binary is not in use/);

  const p = spawn(process.execPath, [path.join(BENCH, "uws-server.mjs")], { env: { ...process.env, PORT: "0" }, stdio: ["ignore", "pipe", "inherit"] });
  try {
    const line = await new Promise((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error("no listening line within 10 s")), 10_000);
      p.stdout.on("data", (d) => {
        out += d;
        if (out.includes("\n")) {
          clearTimeout(timer);
          resolve(out);
        }
      });
    });
    assert.match(line, /^listening on http:\/\/127\.0\.0\.1:\d+\n/);
  } finally {
    p.kill("SIGKILL");
  }
});
