using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.AdminUi;
using SocketIo.Server;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.AdminUi;

/// <summary>The instrumented server against a raw client on /admin (the dashboard), with the host's fake clock.</summary>
[TestFixture]
public sealed class AdminUiInstrumentTests
{
    private static readonly string[] ReadOnlyFeatures = ["AGGREGATED_EVENTS", "ALL_EVENTS"];

    private static async Task<JArray> NextEventAsync(SioRawClient admin, string nsp = "/admin")
    {
        var text = await admin.ReceiveTextAsync();
        var prefix = "2" + nsp + ",";
        Assert.That(text, Does.StartWith(prefix));
        return JArray.Parse(text[prefix.Length..]);
    }

    /// <summary>
    /// Joins /admin. The socket joins its own room before its CONNECT goes out (as in Node), so the room_joined that
    /// reports it may come first; socket.io-client holds such events until CONNECT.
    /// </summary>
    private static async Task<SioRawClient> ConnectAdminAsync(SioTestHost host)
    {
        var admin = await host.OpenAsync();
        await admin.SendAsync("0/admin,");
        while (true)
        {
            var text = await admin.ReceiveTextAsync();
            if (text.StartsWith("0/admin,{", StringComparison.Ordinal))
            {
                return admin;
            }

            Assert.That(text, Does.StartWith("2/admin,[\"room_joined\""));
        }
    }

    private static string[] Features(JArray config) => config[1]!["supportedFeatures"]!.Values<string>().Select(f => f!).ToArray();

    [Test]
    public async Task ReadOnly_AnnouncesNoActions_AndRefusesThemWithALogLine()
    {
        await using var host = await SioTestHost.StartAsync();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(host.Logs));
        await using var instrumentation = host.Io.Instrument(
            o =>
            {
                o.Auth = AdminUiAuth.None;
                o.ReadOnly = true;
            },
            loggers);
        var (_, target) = await host.ConnectWithHandlerAsync(null);
        var admin = await ConnectAdminAsync(host);

        var config = await NextEventAsync(admin);
        Assert.That(config[0]!.Value<string>(), Is.EqualTo("config"));
        Assert.That(Features(config), Is.EqualTo(ReadOnlyFeatures));

        await admin.SendAsync($"""2/admin,["join","/","picked","{target.Id}"]""");
        await admin.SendAsync($"""2/admin,["_disconnect","/",true,"{target.Id}"]""");
        await Signals.UntilAsync(() => host.Logs.Entries.Count(e => e.Message.Contains("read-only", StringComparison.Ordinal)) == 2, "two refusals logged");

        Assert.That(target.Rooms, Does.Not.Contain("picked"));
        Assert.That(target.Connected, Is.True);
    }

    [Test]
    public async Task ACommand_ReachesItsTarget_WhenNotReadOnly()
    {
        await using var host = await SioTestHost.StartAsync();
        await using var instrumentation = host.Io.Instrument(o => o.Auth = AdminUiAuth.None);
        var (_, target) = await host.ConnectWithHandlerAsync(null);
        var admin = await ConnectAdminAsync(host);
        _ = await NextEventAsync(admin);

        await admin.SendAsync($"""2/admin,["join","/","picked","{target.Id}"]""");

        await Signals.UntilAsync(() => target.Rooms.Contains("picked"), "the target to join");
    }

    [Test]
    public async Task ProductionMode_SendsStatsButNoSocketList()
    {
        await using var host = await SioTestHost.StartAsync();
        await using var instrumentation = host.Io.Instrument(o =>
        {
            o.Auth = AdminUiAuth.None;
            o.Mode = AdminUiMode.Production;
            o.ServerId = "node-a";
        });
        var admin = await ConnectAdminAsync(host);
        var config = await NextEventAsync(admin);
        Assert.That(Features(config), Does.Not.Contain("ALL_EVENTS").And.Contain("MJOIN"));
        // In development mode this connection would be reported (socket_connected) before the next stats.
        await host.ConnectAsync("/");

        host.Time.Advance(TimeSpan.FromSeconds(2));
        var stats = await NextEventAsync(admin);

        Assert.That(stats[0]!.Value<string>(), Is.EqualTo("server_stats"));
        var body = (JObject)stats[1]!;
        Assert.That(body["serverId"]!.Value<string>(), Is.EqualTo("node-a"));
        Assert.That(body["clientsCount"]!.Value<int>(), Is.EqualTo(2));
        Assert.That(body["pid"]!.Value<int>(), Is.EqualTo(Environment.ProcessId));
        var namespaces = body["namespaces"]!.ToDictionary(n => n["name"]!.Value<string>()!, n => n["socketsCount"]!.Value<int>());
        Assert.That(namespaces, Does.ContainKey("/admin").WithValue(1));
        Assert.That(namespaces, Does.ContainKey("/").WithValue(1));
        Assert.That(body["aggregatedEvents"]!.Any(e => e["type"]!.Value<string>() == "rawConnection"), Is.True);
    }

    [Test]
    public async Task DevelopmentMode_ReportsConnectionsAndSetsTheAdminData()
    {
        await using var host = await SioTestHost.StartAsync();
        await using var instrumentation = host.Io.Instrument(o => o.Auth = AdminUiAuth.None);
        var admin = await ConnectAdminAsync(host);
        Assert.That((await NextEventAsync(admin))[0]!.Value<string>(), Is.EqualTo("config"));
        Assert.That((await NextEventAsync(admin))[0]!.Value<string>(), Is.EqualTo("all_sockets"));

        var (_, socket) = await host.ConnectWithHandlerAsync(null);
        JArray connected;
        do
        {
            connected = await NextEventAsync(admin);
        }
        while (connected[0]!.Value<string>() != "socket_connected" || connected[1]!["id"]!.Value<string>() != socket.Id);

        Assert.That(connected[1]!["transport"]!.Value<string>(), Is.EqualTo("websocket"));
        // Where a Node server of the cluster reads a .NET socket's engine id and transport (fetchSockets carries data).
        Assert.That(socket.Data["_admin"]!["clientId"]!.Value<string>(), Is.EqualTo(socket.Conn.Id[..12]));
        Assert.That(connected[1]!["data"], Is.EqualTo(new JObject()));
    }

    /// <summary>Connects a socket to / once the dashboard has its list, and waits until the dashboard is told of it.</summary>
    private static async Task<(SioRawClient Admin, SocketIoSocket Socket)> WatchedSocketAsync(SioTestHost host)
    {
        var admin = await ConnectAdminAsync(host);
        var (_, socket) = await host.ConnectWithHandlerAsync(null);
        JArray connected;
        do
        {
            connected = await NextEventAsync(admin);
        }
        while (connected[0]!.Value<string>() != "socket_connected" || connected[1]!["id"]!.Value<string>() != socket.Id);

        return (admin, socket);
    }

    /// <summary>The next socket_updated, whichever socket it is about: what a change that must not be reported would be.</summary>
    private static async Task<JToken> NextSocketUpdateAsync(SioRawClient admin)
    {
        while (true)
        {
            var e = await NextEventAsync(admin);
            if (e[0]!.Value<string>() == "socket_updated")
            {
                return e[1]!;
            }
        }
    }

    private static JObject Update(SocketIoSocket socket, string data) =>
        new() { ["id"] = socket.Id, ["nsp"] = "/", ["data"] = JObject.Parse(data) };

    [Test]
    public async Task AssigningData_SendsSocketUpdated_WithoutTheAdminKey()
    {
        await using var host = await SioTestHost.StartAsync();
        await using var instrumentation = host.Io.Instrument(o => o.Auth = AdminUiAuth.None);
        var (admin, socket) = await WatchedSocketAsync(host);

        socket.Data = new JObject { ["user"] = "ada", ["_admin"] = new JObject { ["transport"] = "websocket" } };

        Assert.That(await NextSocketUpdateAsync(admin), Is.EqualTo(Update(socket, """{"user":"ada"}""")));
    }

    [Test]
    public async Task ChangingDataInPlace_SendsSocketUpdated_AtAnyDepth()
    {
        await using var host = await SioTestHost.StartAsync();
        await using var instrumentation = host.Io.Instrument(o => o.Auth = AdminUiAuth.None);
        var (admin, socket) = await WatchedSocketAsync(host);
        var data = (JObject)socket.Data;

        data["profile"] = new JObject { ["name"] = "ada" };
        Assert.That(await NextSocketUpdateAsync(admin), Is.EqualTo(Update(socket, """{"profile":{"name":"ada"}}""")));

        data["profile"]!["name"] = "grace";
        Assert.That(await NextSocketUpdateAsync(admin), Is.EqualTo(Update(socket, """{"profile":{"name":"grace"}}""")));

        data["profile"]!["tags"] = new JArray();
        Assert.That(await NextSocketUpdateAsync(admin), Is.EqualTo(Update(socket, """{"profile":{"name":"grace","tags":[]}}""")));

        ((JArray)data["profile"]!["tags"]!).Add(new JObject { ["n"] = 1 });
        Assert.That(await NextSocketUpdateAsync(admin), Is.EqualTo(Update(socket, """{"profile":{"name":"grace","tags":[{"n":1}]}}""")));

        data["profile"]!["tags"]![0]!["n"] = 2;
        Assert.That(await NextSocketUpdateAsync(admin), Is.EqualTo(Update(socket, """{"profile":{"name":"grace","tags":[{"n":2}]}}""")));

        data.Remove("profile");
        Assert.That(await NextSocketUpdateAsync(admin), Is.EqualTo(Update(socket, "{}")));
    }

    [Test]
    public async Task AChangeOfTheAdminKey_OrOfAReplacedValue_IsNotReported()
    {
        await using var host = await SioTestHost.StartAsync();
        await using var instrumentation = host.Io.Instrument(o => o.Auth = AdminUiAuth.None);
        var (admin, socket) = await WatchedSocketAsync(host);
        var first = (JObject)socket.Data;
        var nested = new JObject();
        first["nested"] = nested;
        _ = await NextSocketUpdateAsync(admin);

        // What the upgrade does: the transport goes to the dashboard in its own socket_updated.
        first["_admin"] = new JObject { ["clientId"] = "x", ["transport"] = "websocket" };
        first["_admin"]!["transport"] = "polling";
        var second = new JObject();
        socket.Data = second;
        Assert.That(await NextSocketUpdateAsync(admin), Is.EqualTo(Update(socket, "{}")));

        // The old value, its old child and a child taken out of the new one are no longer the socket's.
        first["stale"] = 1;
        ((JObject)first["nested"]!)["stale"] = 1;
        second["taken"] = new JObject();
        var taken = (JObject)second["taken"]!;
        Assert.That(await NextSocketUpdateAsync(admin), Is.EqualTo(Update(socket, """{"taken":{}}""")));
        second.Remove("taken");
        Assert.That(await NextSocketUpdateAsync(admin), Is.EqualTo(Update(socket, "{}")));
        taken["stale"] = 1;
        second["fresh"] = 1;

        Assert.That(await NextSocketUpdateAsync(admin), Is.EqualTo(Update(socket, """{"fresh":1}""")));
    }

    [Test]
    public async Task ADisconnectedSocketsData_IsNoLongerWatched()
    {
        await using var host = await SioTestHost.StartAsync();
        await using var instrumentation = host.Io.Instrument(o => o.Auth = AdminUiAuth.None);
        var (admin, socket) = await WatchedSocketAsync(host);
        var data = (JObject)socket.Data;

        // The disconnect is over when it returns, its Disconnected callbacks included.
        await socket.DisconnectAsync();
        data["after"] = 1;
        socket.Data = new JObject { ["assigned"] = "after" };
        var (_, other) = await host.ConnectWithHandlerAsync(null);
        JArray e;
        do
        {
            e = await NextEventAsync(admin);
            Assert.That(e[0]!.Value<string>(), Is.Not.EqualTo("socket_updated"));
        }
        while (e[0]!.Value<string>() != "socket_connected" || e[1]!["id"]!.Value<string>() != other.Id);

        other.Data["next"] = 1;

        Assert.That(await NextSocketUpdateAsync(admin), Is.EqualTo(new JObject { ["id"] = other.Id, ["nsp"] = "/", ["data"] = new JObject { ["next"] = 1 } }));
    }
}
