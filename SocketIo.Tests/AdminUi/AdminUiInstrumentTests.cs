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
}
