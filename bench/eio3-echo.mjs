// EIO3 polling echo, .NET vs Node (issue 17): socket.io-client 2.5.0 clients over long-polling, each sending acked
// `echo` events back to back for a fixed time, against the interop host and the Node twin with ALLOW_EIO3=1.
// Usage: node bench/eio3-echo.mjs [clients=10] [seconds=5]; V4=1 runs socket.io-client 4.8.4 (EIO4) instead, for comparison.
import { createRequire } from "node:module";
import { startServer } from "../interop-tests/support/servers.mjs";

const require = createRequire(import.meta.url);
const ioc2 = process.env.V4 === "1" ? require("socket.io-client") : require("socket.io-client-v2");
const clients = Number(process.argv[2] ?? 10);
const seconds = Number(process.argv[3] ?? 5);

async function run(impl) {
  const server = await startServer({ impl, env: { ALLOW_EIO3: 1 } });
  try {
    const sockets = await Promise.all(
      Array.from({ length: clients }, () => new Promise((resolve, reject) => {
        const s = ioc2(server.url, { forceNew: true, reconnection: false, transports: ["polling"] });
        s.once("connect", () => resolve(s));
        s.once("connect_error", reject);
      })),
    );
    const latencies = [];
    const end = Date.now() + seconds * 1000;
    const payload = { text: "hello é😀", n: 42 };
    await Promise.all(sockets.map(async (s) => {
      while (Date.now() < end) {
        const t0 = process.hrtime.bigint();
        await new Promise((resolve) => s.emit("echo", payload, resolve));
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }));
    for (const s of sockets) s.close();
    latencies.sort((a, b) => a - b);
    const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(2);
    return { impl, echoes: latencies.length, perSecond: Math.round(latencies.length / seconds), p50ms: q(0.5), p99ms: q(0.99) };
  } finally {
    await server.stop();
  }
}

for (const impl of ["dotnet", "node"]) console.log(JSON.stringify(await run(impl)));
