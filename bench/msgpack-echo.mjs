// Echo over the msgpack parser, .NET vs Node (issue 17): socket.io-client 4.8.4 clients with socket.io-msgpack-parser
// 3.0.2 over WebSocket, each sending acked `echo` events back to back for a fixed time, against the interop host and
// the Node twin started with PARSER=msgpack; the same with the default parser for comparison. Server CPU per ack is
// read from /proc (utime + stime), so it holds on a shared machine better than the rates do.
// Usage: node bench/msgpack-echo.mjs [clients=50] [seconds=8] [impls=dotnet,node]
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { io as ioc } from "socket.io-client";
import { startServer } from "../interop-tests/support/servers.mjs";

const require = createRequire(import.meta.url);
const msgpackParser = require("socket.io-msgpack-parser");
const clients = Number(process.argv[2] ?? 50);
const seconds = Number(process.argv[3] ?? 8);
const impls = (process.argv[4] ?? "dotnet,node").split(",");

function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(stat[11]) + Number(stat[12])) * 10; // 10 ms ticks (CLK_TCK 100)
}

async function run(impl, parser) {
  const server = await startServer({ impl, env: parser === "msgpack" ? { PARSER: "msgpack" } : {} });
  try {
    const sockets = await Promise.all(
      Array.from({ length: clients }, () => new Promise((resolve, reject) => {
        const s = ioc(server.url, { forceNew: true, reconnection: false, transports: ["websocket"], ...(parser === "msgpack" ? { parser: msgpackParser } : {}) });
        s.once("connect", () => resolve(s));
        s.once("connect_error", reject);
      })),
    );
    const payload = { text: "hello é😀", n: 42, bin: Buffer.from([1, 2, 3, 4]) };
    const loop = async (until, count) => {
      await Promise.all(sockets.map(async (s) => {
        while (Date.now() < until) {
          const back = await s.emitWithAck("echo", payload);
          if (back?.n !== 42) throw new Error(`bad echo ${JSON.stringify(back)}`);
          count.n++;
        }
      }));
    };
    await loop(Date.now() + 2000, { n: 0 }); // warm-up
    const count = { n: 0 };
    const cpu0 = cpuMs(server.proc.pid);
    await loop(Date.now() + seconds * 1000, count);
    const cpu = cpuMs(server.proc.pid) - cpu0;
    for (const s of sockets) s.close();
    return { impl, parser, acksPerSecond: Math.round(count.n / seconds), serverCpuUsPerAck: ((cpu * 1000) / count.n).toFixed(1) };
  } finally {
    await server.stop();
  }
}

const rows = [];
for (const parser of ["msgpack", "default"]) {
  for (const impl of impls) {
    const row = await run(impl, parser);
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}
const cpu = (impl, parser) => Number(rows.find((r) => r.impl === impl && r.parser === parser)?.serverCpuUsPerAck);
for (const parser of ["msgpack", "default"]) {
  if (impls.includes("dotnet") && impls.includes("node")) {
    console.log(`${parser}: .NET/Node server CPU per ack ${(cpu("dotnet", parser) / cpu("node", parser)).toFixed(2)}`);
  }
}
process.exit(0);
