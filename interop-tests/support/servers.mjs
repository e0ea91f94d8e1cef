// Test support: start the interop server (.NET host or Node twin) as a child process, and
// bounded waiting helpers so that no test can hang.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
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
const LISTENING = /^listening on (http:\/\/(\S+):(\d+))\s*$/m;

const running = new Set();
process.on("exit", () => {
  // Last resort: never leave servers behind when a test run dies.
  for (const child of running) {
    try {
      child.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
});

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
