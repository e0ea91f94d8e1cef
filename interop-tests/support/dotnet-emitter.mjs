// Test support: SocketIo.Redis's RedisEmitter in a process of its own (interop-tests/emitter, SocketIo.InteropEmitter),
// driven over stdin/stdout one JSON command per line (see interop-tests/emitter/EmitterCommand.cs).

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { REPO_ROOT, withTimeout } from "./servers.mjs";

export const EMITTER_DLL = path.join(REPO_ROOT, "interop-tests/emitter/bin/Release/net10.0/SocketIo.InteropEmitter.dll");

const READY_TIMEOUT_MS = 30_000;
const REPLY_TIMEOUT_MS = 10_000;

/** Buffers anywhere in `value` as the tool's {"$bin": hex} tags. */
function tag(value) {
  if (Buffer.isBuffer(value)) return { $bin: value.toString("hex") };
  if (Array.isArray(value)) return value.map(tag);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tag(v)]));
  return value;
}

/**
 * Starts the .NET emitter on `redisUrl` with channel prefix `key`. Resolves once it is connected to Redis with
 * `{ run(command), stop() }`: `run` sends one command and resolves with its reply (`{ ok: true }` or `{ error }`).
 */
export async function startDotnetEmitter({ redisUrl, key }) {
  if (!existsSync(EMITTER_DLL)) {
    throw new Error(`${EMITTER_DLL} not found: build it first with \`dotnet build -c Release SocketIoNet.sln\``);
  }

  const proc = spawn("dotnet", [EMITTER_DLL], {
    cwd: REPO_ROOT,
    env: { ...process.env, REDIS_URL: redisUrl, REDIS_KEY: key },
    stdio: ["pipe", "pipe", "pipe"],
  });
  // It exits when its stdin closes; this covers a test run that ends without stop().
  const kill = () => proc.kill("SIGKILL");
  process.once("exit", kill);
  let stderr = "";
  proc.stderr.setEncoding("utf8");
  proc.stderr.on("data", (d) => (stderr = (stderr + d).slice(-64 * 1024)));
  const exited = new Promise((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));

  const lines = createInterface({ input: proc.stdout });
  const pending = new Map();
  let onReady;
  const ready = new Promise((resolve) => (onReady = resolve));
  lines.on("line", (line) => {
    if (line === "ready") return onReady();
    const reply = JSON.parse(line);
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });

  await withTimeout(
    Promise.race([ready, exited.then(({ code }) => Promise.reject(new Error(`the .NET emitter exited (code ${code}):\n${stderr}`)))]),
    READY_TIMEOUT_MS,
    "the .NET emitter to connect to Redis",
  );

  let nextId = 1;
  return {
    run(command) {
      const id = nextId++;
      const reply = new Promise((resolve) => pending.set(id, resolve));
      proc.stdin.write(JSON.stringify(tag({ ...command, id })) + "\n");
      return withTimeout(reply, REPLY_TIMEOUT_MS, `the .NET emitter's reply to ${JSON.stringify(command)}`);
    },
    async stop() {
      process.off("exit", kill);
      proc.stdin.end();
      const timer = setTimeout(kill, 5000);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
