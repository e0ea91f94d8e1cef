// Records what npm @socket.io/redis-emitter 5.1.0 publishes for a list of scenarios, as golden vectors for
// SocketIo.Redis's RedisEmitter (SocketIo.Tests/Redis/RedisEmitterTests.cs replays every scenario on the .NET emitter
// and compares channel and bytes).
//
//   node scripts/capture-emitter.mjs [out-file]      (no Redis needed)
//
// The emitter only ever calls `redisClient.publish(channel, message)`, so a recording stand-in for the client sees
// exactly what a real one would send. The output is committed as SocketIo.Tests/Redis/EmitterCaptures/emitter-5.1.0.json;
// this script is how to make it again.
//
// A scenario: `key` (the emitter's option, omitted = default), `of` (a namespace, omitted = "/"), `chain` (operator
// steps: ["to", room | rooms], ["in", …], ["except", …], ["volatile"], ["compress", bool]) and `op`
// (["emit", event, ...args], ["socketsJoin", room | rooms], ["socketsLeave", …], ["disconnectSockets"(, close)],
// ["serverSideEmit", event, ...args]). Values use the tags {"$bin": hex}, {"$date": iso} and {"$function": true}.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { Emitter } from "@socket.io/redis-emitter";

const require = createRequire(import.meta.url);
const outFile = process.argv[2] ?? "SocketIo.Tests/Redis/EmitterCaptures/emitter-5.1.0.json";
const version = JSON.parse(readFileSync(require.resolve("@socket.io/redis-emitter/package.json"), "utf8")).version;
const notepackVersion = JSON.parse(readFileSync(require.resolve("notepack.io/package.json"), "utf8")).version;

const bin = (...bytes) => ({ $bin: Buffer.from(bytes).toString("hex") });
const long = (n, c) => c.repeat(n);

const scenarios = [
  { name: "emit-all-value-types", op: ["emit", "hello", "world", 1, 2.5, -3, 0, -1.5, true, false, null, { a: 1, b: [1, "x", { c: null }] }, [], {}] },
  { name: "emit-integers", op: ["emit", "ints", 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, 9007199254740991, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649] },
  { name: "emit-floats", op: ["emit", "floats", 0.1, -0.1, 1e300, 1.5e-300, 123456.789] },
  { name: "emit-strings", op: ["emit", "strings", "", "héllo ☃ 😀", long(31, "a"), long(32, "b"), long(255, "c"), long(256, "d")] },
  { name: "emit-binary", op: ["emit", "bin", bin(1, 2, 3), { nested: bin(), deeper: [bin(255)] }] },
  { name: "emit-date", op: ["emit", "date", { $date: "2024-05-06T07:08:09.123Z" }] },
  { name: "emit-no-args", op: ["emit", "ping"] },
  { name: "emit-one-room", chain: [["to", "room1"]], op: ["emit", "ev", "x"] },
  { name: "emit-in-one-room", chain: [["in", "room1"]], op: ["emit", "ev", "x"] },
  { name: "emit-two-rooms", chain: [["to", "a"], ["to", "b"]], op: ["emit", "ev", "x"] },
  { name: "emit-rooms-array-deduplicated", chain: [["to", ["a", "b", "a"]], ["in", "c"], ["to", "b"]], op: ["emit", "ev"] },
  { name: "emit-same-room-twice-is-one-room", chain: [["to", "a"], ["to", "a"]], op: ["emit", "ev"] },
  { name: "emit-except", chain: [["except", "x"]], op: ["emit", "ev", 1] },
  { name: "emit-room-except-several", chain: [["to", "a"], ["except", ["x", "y"]], ["except", "x"], ["except", "z"]], op: ["emit", "ev", 1] },
  { name: "emit-volatile-compress-false", chain: [["volatile"], ["compress", false]], op: ["emit", "ev", 0] },
  { name: "emit-compress-order-kept", chain: [["compress", true], ["volatile"], ["compress", false]], op: ["emit", "ev", 0] },
  { name: "emit-volatile-twice", chain: [["volatile"], ["volatile"]], op: ["emit", "ev"] },
  { name: "emit-compress-true", chain: [["compress", true]], op: ["emit", "ev"] },
  { name: "emit-flags-then-rooms", chain: [["volatile"], ["to", "r"], ["except", "e"]], op: ["emit", "ev"] },
  { name: "emit-of-without-slash", of: "chat", op: ["emit", "ev", "c"] },
  { name: "emit-of-with-slash-room", of: "/admin", chain: [["to", "r"]], op: ["emit", "ev"] },
  { name: "emit-of-empty", of: "", op: ["emit", "ev"] },
  { name: "emit-custom-key", key: "my-app", chain: [["to", "r"]], op: ["emit", "ev"] },
  { name: "emit-custom-key-namespace", key: "my-app", of: "/chat", op: ["emit", "ev"] },
  { name: "emit-room-with-hash", chain: [["to", "a#b"]], op: ["emit", "ev"] },
  { name: "emit-message-event", op: ["emit", "message", "m"] },
  { name: "emit-reserved-connect", op: ["emit", "connect"] },
  { name: "emit-reserved-connect_error", op: ["emit", "connect_error"] },
  { name: "emit-reserved-disconnect", chain: [["to", "r"]], op: ["emit", "disconnect"] },
  { name: "emit-reserved-disconnecting", op: ["emit", "disconnecting"] },
  { name: "emit-reserved-newListener", op: ["emit", "newListener"] },
  { name: "emit-reserved-removeListener", op: ["emit", "removeListener"] },
  { name: "emit-connection-is-not-reserved", op: ["emit", "connection"] },
  { name: "sockets-join-all", op: ["socketsJoin", "r"] },
  { name: "sockets-join-array", chain: [["in", "a"], ["except", "b"]], op: ["socketsJoin", ["r1", "r2", "r1"]] },
  { name: "sockets-join-flags-not-sent", chain: [["volatile"], ["compress", false], ["to", ["a", "b"]]], op: ["socketsJoin", "r"] },
  { name: "sockets-leave", chain: [["to", "a"]], op: ["socketsLeave", "r"] },
  { name: "sockets-leave-array-of-namespace", of: "/chat", chain: [["except", "x"]], op: ["socketsLeave", ["r1", "r2"]] },
  { name: "disconnect-sockets-default", op: ["disconnectSockets"] },
  { name: "disconnect-sockets-false", chain: [["to", "a"]], op: ["disconnectSockets", false] },
  { name: "disconnect-sockets-true", chain: [["to", "a"], ["except", "b"]], op: ["disconnectSockets", true] },
  { name: "disconnect-sockets-custom-key", key: "k", of: "nsp", op: ["disconnectSockets", true] },
  { name: "server-side-emit", op: ["serverSideEmit", "hello", "x", { a: 1, b: [true, null] }] },
  { name: "server-side-emit-no-args", op: ["serverSideEmit", "hello"] },
  { name: "server-side-emit-binary-as-buffer-json", op: ["serverSideEmit", "bin", bin(1, 2)] },
  { name: "server-side-emit-strings-and-numbers", op: ["serverSideEmit", "s", "quote\" backslash\\ newline\n tab\t é ☃ 😀 \u0001", 1.5, -0.1, 1e21, 123456789012] },
  { name: "server-side-emit-date", op: ["serverSideEmit", "d", { $date: "2024-05-06T07:08:09.123Z" }] },
  { name: "server-side-emit-of-namespace", key: "k", of: "/chat", op: ["serverSideEmit", "hello"] },
  { name: "server-side-emit-with-ack-refused", op: ["serverSideEmit", "hello", "x", { $function: true }] },
];

function untag(value) {
  if (Array.isArray(value)) return value.map(untag);
  if (value && typeof value === "object") {
    if ("$bin" in value) return Buffer.from(value.$bin, "hex");
    if ("$date" in value) return new Date(value.$date);
    if ("$function" in value) return () => {};
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, untag(v)]));
  }
  return value;
}

function run(scenario) {
  const published = [];
  const client = { publish: (channel, message) => published.push({ channel, message }) };
  let target = new Emitter(client, scenario.key === undefined ? undefined : { key: scenario.key });
  if (scenario.of !== undefined) target = target.of(scenario.of);
  for (const [step, arg] of scenario.chain ?? []) {
    target = step === "volatile" ? target.volatile : target[step](untag(arg));
  }
  const [op, ...args] = scenario.op;
  let error = null;
  try {
    target[op](...untag(args));
  } catch (err) {
    error = err.message;
  }
  return {
    ...scenario,
    error,
    publishes: published.map(({ channel, message }) => {
      const bytes = Buffer.isBuffer(message) ? message : Buffer.from(message, "utf8");
      return { channel, encoding: Buffer.isBuffer(message) ? "msgpack" : "json", payload_hex: bytes.toString("hex") };
    }),
  };
}

const output = {
  package: `@socket.io/redis-emitter@${version}`,
  notepack: `notepack.io@${notepackVersion}`,
  made_by: "scripts/capture-emitter.mjs",
  scenarios: scenarios.map(run),
};
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(output, null, 1) + "\n");
console.log(`${output.scenarios.length} scenarios, ${output.scenarios.reduce((n, s) => n + s.publishes.length, 0)} publishes -> ${outFile}`);
