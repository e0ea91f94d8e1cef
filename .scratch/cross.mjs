import { Socket } from "engine.io-client";
import { startServer } from "/work/main/interop-tests/support/servers.mjs";
const s = await startServer({ impl: "node" });
for (let run = 0; run < 3; run++) {
  const sock = new Socket(s.url, { path: "/engine.io/" });
  let rec = 0, sent = 0;
  sock.on("message", () => rec++);
  sock.on("open", () => { for (let i = 0; i < 300; i++) { sock.send("x".repeat(500)); sent++; } });
  sock.on("upgrade", () => { console.log("upgrade at received", rec, "sent", sent); });
  await new Promise(r => setTimeout(r, 500));
  console.log("final", rec, sock.transport.name);
  sock.close();
}
await s.stop();
