// Test support: start the interop server (.NET host or Node twin) as a child process, and
// bounded waiting helpers so that no test can hang.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";
import path from "node:path";

/** Repository root (this file lives in interop-tests/support/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export const DOTNET_DLL = path.join(
  REPO_ROOT,
  "interop-tests/server/bin/Release/net10.0/SocketIo.InteropServer.dll",
);
export const NODE_SERVER = path.join(REPO_ROOT, "interop-tests/node-server.mjs");

/** The implementation under test: SERVER_IMPL=dotnet|node (default dotnet). */
export const SERVER_IMPL = process.env.SERVER_IMPL || "dotnet";

/** What `whoami` reports when SERVER_NAME is not set. */
export const DEFAULT_SERVER_NAME = { dotnet: "dotnet", node: "node" };

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const MAX_CAPTURE = 256 * 1024;
const LISTENING = /^listening on (http:\/\/(\S+):(\d+))\r?\n/m;

const running = new Set();
function killAll() {
  for (const child of running) {
    try {
      child.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
}
// Last resort: never leave servers behind when a test run dies or is interrupted (e.g. the
// runner's output pipe closes). The servers are orphaned otherwise.
process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(sig, () => {
    killAll();
    // Keep the signal's default effect unless someone else (the test runner) handles it.
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  });
}

// A tiny detached watchdog per child process: it holds a pipe from this process and, when the
// pipe closes without being disarmed (this process was killed, even with SIGKILL, or its
// runner went away), it terminates the child. Without it an interrupted or timed-out test
// run leaves servers running on the machine.
const WATCHDOG_SCRIPT = `
const pid = Number(process.argv[1]);
const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
let fired = false;
const fire = () => {
  if (fired) return;
  fired = true;
  try { process.kill(pid, "SIGTERM"); } catch {}
  const started = Date.now();
  const timer = setInterval(() => {
    if (!alive()) process.exit(0);
    if (Date.now() - started > 5000) { try { process.kill(pid, "SIGKILL"); } catch {} process.exit(0); }
  }, 100);
};
process.stdin.on("data", () => {});
process.stdin.on("end", fire);
process.stdin.on("close", fire);
process.stdin.on("error", fire);
`;

/** Arms a watchdog for `child`; returns `disarm()`, to call before stopping it normally. */
function guard(child) {
  let dog;
  try {
    dog = spawn(process.execPath, ["-e", WATCHDOG_SCRIPT, String(child.pid)], {
      stdio: ["pipe", "ignore", "ignore"],
      detached: true,
    });
    dog.on("error", () => {});
    dog.stdin.on("error", () => {});
    dog.unref();
    dog.stdin.unref?.();
  } catch {
    return () => {};
  }
  return () => {
    try {
      dog.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  };
}

function commandFor(impl) {
  switch (impl) {
    case "dotnet":
      if (!existsSync(DOTNET_DLL)) {
        throw new Error(
          `${DOTNET_DLL} not found: build it first with \`dotnet build -c Release SocketIoNet.sln\` ` +
            `(or run the tests against the Node twin with SERVER_IMPL=node)`,
        );
      }
      return { cmd: "dotnet", args: [DOTNET_DLL] };
    case "node":
      return { cmd: process.execPath, args: [NODE_SERVER] };
    default:
      throw new Error(`unknown server implementation ${JSON.stringify(impl)} (expected "dotnet" or "node")`);
  }
}

function appendCapped(current, chunk) {
  const next = current + chunk;
  return next.length > MAX_CAPTURE ? next.slice(next.length - MAX_CAPTURE) : next;
}

/**
 * Starts an interop server on 127.0.0.1 with a free port.
 *
 * @param {{ impl?: "dotnet" | "node", env?: Record<string, string | number>, readyTimeoutMs?: number }} [options]
 * @returns {Promise<{ impl: string, url: string, port: number, proc: import("node:child_process").ChildProcess,
 *   output: () => string, stop: () => Promise<{ code: number | null, signal: string | null }> }>}
 */
export async function startServer({ impl = SERVER_IMPL, env = {}, readyTimeoutMs = READY_TIMEOUT_MS } = {}) {
  const { cmd, args } = commandFor(impl);
  const childEnv = { ...process.env };
  // The Node twin is a plain program, not a test file run by `node --test`.
  delete childEnv.NODE_TEST_CONTEXT;
  for (const [key, value] of Object.entries(env)) childEnv[key] = String(value);
  childEnv.PORT = "0";
  childEnv.HOST = "127.0.0.1";

  const proc = spawn(cmd, args, { cwd: REPO_ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  running.add(proc);
  const disarm = proc.pid ? guard(proc) : () => {};

  let stdout = "";
  let stderr = "";
  const output = () =>
    `--- ${impl} server (pid ${proc.pid}) stdout ---\n${stdout}\n--- stderr ---\n${stderr}\n--- end ---`;
  const echo = process.env.SERVER_OUTPUT === "1";
  proc.stdout.setEncoding("utf8");
  proc.stderr.setEncoding("utf8");
  proc.stdout.on("data", (d) => {
    stdout = appendCapped(stdout, d);
    if (echo) process.stderr.write(`[${impl} out] ${d}`);
  });
  proc.stderr.on("data", (d) => {
    stderr = appendCapped(stderr, d);
    if (echo) process.stderr.write(`[${impl} err] ${d}`);
  });

  const exited = new Promise((resolve) => {
    proc.once("exit", (code, signal) => {
      running.delete(proc);
      disarm();
      resolve({ code, signal });
    });
  });

  let url;
  let port;
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${impl} server did not print "listening on http://..." within ${readyTimeoutMs} ms`));
      }, readyTimeoutMs);
      const onData = () => {
        const m = LISTENING.exec(stdout);
        if (!m) return;
        cleanup();
        url = m[1];
        port = Number(m[3]);
        resolve();
      };
      const onError = (err) => {
        cleanup();
        reject(new Error(`could not start ${impl} server (${cmd}): ${err.message}`));
      };
      const onExit = (code, signal) => {
        cleanup();
        reject(new Error(`${impl} server exited before it was ready (code ${code}, signal ${signal})`));
      };
      function cleanup() {
        clearTimeout(timer);
        proc.stdout.off("data", onData);
        proc.off("error", onError);
        proc.off("exit", onExit);
      }
      proc.stdout.on("data", onData);
      proc.once("error", onError);
      proc.once("exit", onExit);
    });
  } catch (err) {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    await withTimeout(exited, STOP_GRACE_MS, "exit after failed start").catch(() => {});
    err.message += `\n${output()}`;
    throw err;
  }

  let stopping;
  exited.then(({ code, signal }) => {
    // A crash mid-run otherwise only shows up as unexplained transport errors in the tests.
    if (!stopping) {
      process.stderr.write(`${impl} server exited unexpectedly (code ${code}, signal ${signal})\n${output()}\n`);
    }
  });
  const stop = () => {
    stopping ??= (async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), STOP_GRACE_MS);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };

  return { impl, url, port, proc, output, stop };
}

/** A TCP port that was free a moment ago (for programs that cannot bind port 0 themselves). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function findOnPath(name) {
  for (const dir of (process.env.PATH || "").split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/**
 * Provides a Redis for cluster tests: REDIS_URL when set (an external server), otherwise a
 * private `redis-server` on a free port, without persistence.
 * Resolves with `{ url, stop() }`, or with `{ skip: reason }` when neither is available.
 */
export async function startRedis() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  const bin = process.env.REDIS_SERVER || findOnPath("redis-server");
  if (!bin) return { skip: "redis-server not found on PATH and REDIS_URL not set" };

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const proc = spawn(
      bin,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "notice"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    running.add(proc);
    const disarm = proc.pid ? guard(proc) : () => {};
    let out = "";
    proc.stdout.setEncoding("utf8");
    proc.stderr.setEncoding("utf8");
    proc.stdout.on("data", (d) => (out = appendCapped(out, d)));
    proc.stderr.on("data", (d) => (out = appendCapped(out, d)));
    const exited = new Promise((resolve) =>
      proc.once("exit", (code, signal) => {
        running.delete(proc);
        disarm();
        resolve({ code, signal });
      }),
    );
    const ready = await withTimeout(
      new Promise((resolve) => {
        const check = () => {
          if (/Ready to accept connections/.test(out)) resolve(true);
        };
        proc.stdout.on("data", check);
        proc.stderr.on("data", check);
        exited.then(() => resolve(false));
        check();
      }),
      15_000,
      "redis-server to be ready",
    ).catch((err) => {
      proc.kill("SIGKILL");
      throw new Error(`${err.message}\n${out}`);
    });
    if (ready) {
      let stopping;
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        output: () => out,
        stop: () => {
          stopping ??= (async () => {
            if (proc.exitCode !== null || proc.signalCode !== null) return;
            proc.kill("SIGTERM");
            const timer = setTimeout(() => proc.kill("SIGKILL"), STOP_GRACE_MS);
            try {
              await exited;
            } finally {
              clearTimeout(timer);
            }
          })();
          return stopping;
        },
      };
    }
    // Most likely someone took the port between freePort() and redis-server's bind.
    if (attempt >= 3) throw new Error(`redis-server did not start:\n${out}`);
  }
}

/**
 * Rejects with a descriptive error when `promise` does not settle within `ms`.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {string} [label]
 * @returns {Promise<T>}
 */
export function withTimeout(promise, ms, label = "operation") {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${label}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Waits for one `event` on an emitter (Node EventEmitter, or the component emitter used by
 * engine.io-client and socket.io-client). Resolves with the event's arguments as an array.
 * Rejects after `timeoutMs`, or as soon as one of `rejectOn` fires.
 *
 * @param {{ on: Function, off: Function }} emitter
 * @param {string} event
 * @param {number} [timeoutMs]
 * @param {{ rejectOn?: string[] }} [options]
 * @returns {Promise<any[]>}
 */
export function waitFor(emitter, event, timeoutMs = 5000, { rejectOn = [] } = {}) {
  return new Promise((resolve, reject) => {
    const handlers = [];
    const cleanup = () => {
      clearTimeout(timer);
      for (const [name, fn] of handlers) emitter.off(name, fn);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    const onEvent = (...args) => {
      cleanup();
      resolve(args);
    };
    handlers.push([event, onEvent]);
    emitter.on(event, onEvent);
    for (const name of rejectOn) {
      const onBad = (...args) => {
        cleanup();
        const detail = args.map((a) => (a instanceof Error ? a.message : JSON.stringify(a))).join(", ");
        reject(new Error(`"${name}" (${detail}) while waiting for "${event}"`));
      };
      handlers.push([name, onBad]);
      emitter.on(name, onBad);
    }
  });
}

/**
 * Collects `count` occurrences of `event` (each as its argument array), in order.
 * Rejects after `timeoutMs` with how many arrived, or as soon as one of `rejectOn` fires.
 */
export function collect(emitter, event, count, timeoutMs = 5000, { rejectOn = [] } = {}) {
  return new Promise((resolve, reject) => {
    const got = [];
    const handlers = [];
    const cleanup = () => {
      clearTimeout(timer);
      for (const [name, fn] of handlers) emitter.off(name, fn);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms: got ${got.length}/${count} "${event}" events`));
    }, timeoutMs);
    const onEvent = (...args) => {
      got.push(args);
      if (got.length >= count) {
        cleanup();
        resolve(got);
      }
    };
    handlers.push([event, onEvent]);
    emitter.on(event, onEvent);
    for (const name of rejectOn) {
      const onBad = (...args) => {
        cleanup();
        const detail = args.map((a) => (a instanceof Error ? a.message : JSON.stringify(a))).join(", ");
        reject(new Error(`"${name}" (${detail}) after ${got.length}/${count} "${event}" events`));
      };
      handlers.push([name, onBad]);
      emitter.on(name, onBad);
    }
  });
}
