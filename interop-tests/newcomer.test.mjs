// The newcomer's path, tested: the libraries are packed into a local folder, a fresh `dotnet new web` project restores
// SocketIoNet from it, gets the README's ASP.NET quick start as its Program.cs, and serves npm socket.io-client 4.8.4
// an emit/ack round trip and a room broadcast. Runs in the .NET pass only (it tests our packages, not a server impl).

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { io as ioc } from "socket.io-client";
import { REPO_ROOT, SERVER_IMPL, freePort, waitFor, withTimeout } from "./support/servers.mjs";

const skip = SERVER_IMPL !== "dotnet" ? "our packages are tested in the .NET pass" : false;

/** Runs a command to its end; rejects with its output when it fails. */
function run(cmd, args, { cwd, env = {}, timeoutMs = 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    const childEnv = { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: "1", DOTNET_NOLOGO: "1", ...env };
    delete childEnv.NODE_TEST_CONTEXT;
    const proc = spawn(cmd, args, { cwd, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    proc.stdout.on("data", (d) => (out += d));
    proc.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
    proc.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(" ")} failed (${code ?? signal}):\n${out.slice(-4000)}`));
    });
  });
}

/** The C# block right after the README's aspnet-quickstart marker. */
function quickStart() {
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const m = /<!-- aspnet-quickstart:[^\n]*-->\n```csharp\n([\s\S]*?)\n```/.exec(readme);
  assert.ok(m, "README.md has the aspnet-quickstart block");
  return m[1];
}

/** A client contract, a server contract and its handlers, as a user would write them. */
const CONTRACTS = `using SocketIo.Server;

public interface INewcomerClient
{
    [SocketIoEventName("welcome")]
    Task WelcomeAsync(string text);
}

public interface INewcomerServer
{
    Task<string> Shout(string text);
}

public sealed class NewcomerServer : INewcomerServer
{
    public Task<string> Shout(string text) => Task.FromResult(text.ToUpperInvariant());
}

public static class Contracts
{
    public static void Use(SocketIoServer io) => io.OnConnection(async (socket, ct) =>
    {
        socket.Handle<INewcomerServer>(new NewcomerServer());
        await socket.Emitter<INewcomerClient>().WelcomeAsync("hello " + socket.Id);
    });
}
`;

function version() {
  const props = readFileSync(path.join(REPO_ROOT, "Directory.Build.props"), "utf8");
  return /<VersionPrefix>([^<]+)<\/VersionPrefix>/.exec(props)[1];
}

describe("a fresh `dotnet new web` project with the SocketIoNet package and the README's quick start", { skip }, () => {
  let work;
  let server;
  let url;
  const clients = [];

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), "socketionet-newcomer-"));
    const feed = path.join(work, "feed");
    const app = path.join(work, "Newcomer");
    // npm test built the solution in Release just before: pack what was built.
    await run("dotnet", ["pack", path.join(REPO_ROOT, "SocketIoNet.sln"), "-c", "Release", "--no-build", "-o", feed, "-nologo", "-v:minimal"]);
    await run("dotnet", ["new", "web", "-o", app, "-n", "Newcomer", "--no-restore"]);
    // The local folder beside the machine's own sources (nuget.org or its mirror), as a user's nuget.config would.
    writeFileSync(
      path.join(app, "nuget.config"),
      `<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <packageSources>\n    <add key="local" value="${feed}" />\n  </packageSources>\n</configuration>\n`,
    );
    await run("dotnet", ["add", "package", "SocketIoNet", "--version", version()], { cwd: app });
    // The quick start, and one line more: the typed contracts below (README, "Typed and validated events"), which the
    // source generator in the package implements, so that a user's build gets it from the package alone.
    writeFileSync(path.join(app, "Program.cs"), quickStart().replace("app.Run();", "Contracts.Use(io);\napp.Run();") + "\n");
    writeFileSync(path.join(app, "Contracts.cs"), CONTRACTS);
    // A fresh project's own settings (no TreatWarningsAsErrors of ours): what a user gets.
    await run("dotnet", ["build", "-c", "Release", "-nologo", "-v:minimal"], { cwd: app });

    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = spawn("dotnet", [path.join(app, "bin", "Release", "net10.0", "Newcomer.dll")], {
      cwd: app,
      env: { ...process.env, ASPNETCORE_URLS: url, NODE_TEST_CONTEXT: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    server.stdout.on("data", (d) => (out += d));
    server.stderr.on("data", (d) => (out += d));
    await withTimeout(
      new Promise((resolve, reject) => {
        server.stdout.on("data", () => /Now listening on/.test(out) && resolve());
        server.once("exit", (code) => reject(new Error(`the app exited (${code}):\n${out}`)));
      }),
      60_000,
      "the newcomer's app to listen",
    );
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once("exit", r));
      server.kill("SIGTERM");
      await exited;
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const connect = async (transports) => {
    const socket = ioc(url, { transports, forceNew: true, reconnection: false });
    clients.push(socket);
    await waitFor(socket, "connect", 10_000);
    return socket;
  };

  test("an emit with an ack is answered ok, and the lobby gets the chat line (polling then upgrade, and WebSocket)", async () => {
    const sender = await connect(["polling", "websocket"]);
    const listener = await connect(["websocket"]);
    const line = waitFor(listener, "chat", 10_000);

    const answer = await sender.timeout(10_000).emitWithAck("chat", "hi");

    assert.equal(answer, "ok");
    // The handler joined both to "lobby" on connection; the sender is left out of its own broadcast.
    assert.deepEqual(await line, [sender.id, "hi"]);
  });

  test("the package's source generator implements the app's typed contracts (a typed emit, a handled contract's ack)", async () => {
    const socket = ioc(url, { transports: ["websocket"], forceNew: true, reconnection: false });
    clients.push(socket);
    const welcome = waitFor(socket, "welcome", 10_000);
    await waitFor(socket, "connect", 10_000);

    assert.deepEqual(await welcome, [`hello ${socket.id}`]);
    assert.equal(await socket.timeout(10_000).emitWithAck("shout", "hi"), "HI");
  });
});
