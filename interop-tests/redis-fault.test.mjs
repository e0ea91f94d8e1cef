// Redis killed (SIGKILL) and restarted on the same port under steady broadcast traffic, for both Redis adapters
// (classic, sharded) and both pairs with a .NET server (.NET+.NET, .NET+Node): bench/redis-fault.mjs's fault run
// as a test. Each server has a sender emitting numbered broadcasts every 10 ms and a receiver; per stream it
// asserts: order kept (no reordering, no duplicates), local streams lose nothing, cross-server streams lose only
// messages emitted inside the outage window (from the kill to the first message after the restart that got
// across) and recover on their own (the servers reconnect and resubscribe; no client is disconnected, no server
// dies). The Node twin dies of its own when the kill lands while it writes a publish (an unhandled EPIPE
// rejection from @socket.io/redis-adapter's publish, bench/RESULTS.md), so its sender pauses from 200 ms before
// to 300 ms after the kill (shieldNode); should it die anyway, only the streams between .NET ends are judged.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { faultRun } from "../bench/redis-fault.mjs";

const haveRedis = spawnSync("redis-server", ["--version"]).status === 0;
const skip =
  process.env.SERVER_IMPL === "node"
    ? "a .NET resilience check (SERVER_IMPL=node)"
    : !haveRedis
      ? "redis-server not found on PATH"
      : process.env.REDIS_URL
        ? "needs a private redis-server it may kill"
        : null;

describe("Redis killed and restarted under traffic", () => {
  for (const adapter of ["classic", "sharded"]) {
    for (const impls of [["dotnet", "dotnet"], ["dotnet", "node"]]) {
      it(`${adapter}, ${impls.join("+")}: order kept, loss only in the outage, recovery on its own`, { timeout: 90_000 }, async (t) => {
        if (skip) {
          if (process.env.CI === "true" && !haveRedis) throw new Error("the fault run needs redis-server");
          return t.skip(skip);
        }
        // shieldNode: the Node twin's sender pauses around the kill, or the twin mostly dies (see the header).
        const r = await faultRun({ adapter, impls, rate: 100, before: 1, outage: 1, after: 1, shieldNode: true });
        const cross = r.streams.filter((s) => s.cross);
        t.diagnostic(
          `outage ${r.outageMs} ms; ` +
            cross.map((s) => `${s.sender}→${s.receiver}: lost ${s.lost}, recovered ${s.recoveryMs ?? "never"} ms after the restart`).join("; ") +
            (r.notes.length ? `; ${r.notes.join("; ")}` : ""),
        );
        assert.deepEqual(r.problems, [], r.problems.length ? `${r.problems.join("\n")}\n${r.logs.join("\n")}` : "");
        // The run really was a fault: the cross-server streams between .NET ends lost something and came back.
        const judged = cross.filter((s) => !r.notes.length || (s.sender.startsWith("dotnet") && s.receiver.startsWith("dotnet")));
        for (const s of judged) {
          assert.ok(s.lost > 0, `${s.sender}→${s.receiver} lost nothing: was Redis down at all?`);
          assert.notEqual(s.recoveryMs, null);
        }
      });
    }
  }
});
