using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// <see cref="SocketIoOptions.JsonSerializerSettings"/>: one setting for what the server writes (emit, ack,
/// broadcast) and what it reads (GetValue, typed acks), so that the two agree; the JS-exact output stays.
/// </summary>
[TestFixture]
public sealed class JsonSettingsTests
{
    private static readonly Person Ada = new() { FirstName = "Ada", BirthYear = 1815 };

    private static JsonSerializerSettings CamelCase() => new() { ContractResolver = new CamelCasePropertyNamesContractResolver() };

    private static JsonSerializerSettings SnakeCase() =>
        new() { ContractResolver = new DefaultContractResolver { NamingStrategy = new SnakeCaseNamingStrategy() } };

    [Test]
    public async Task ByDefault_ObjectsKeepTheirDotNetNames()
    {
        await using var host = await SioTestHost.StartAsync();
        var (client, socket) = await host.ConnectWithHandlerAsync(null);

        await socket.EmitAsync("person", Ada);

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""2["person",{"FirstName":"Ada","BirthYear":1815}]"""));
    }

    [Test]
    public async Task CamelCase_AppliesToEmitsBroadcastsAndAcks()
    {
        await using var host = await SioTestHost.StartAsync(o => o.JsonSerializerSettings = CamelCase());
        var (client, socket) = await host.ConnectWithHandlerAsync(s => s.On("who", e => e.AckAsync(Ada)));

        await socket.EmitAsync("one", Ada);
        await host.Io.EmitAsync("all", Ada);
        await host.Io.To(socket.Id).EmitAsync("room", Ada);
        await client.SendAsync("""21["who"]""");

        const string ada = """{"firstName":"Ada","birthYear":1815}""";
        Assert.That(await client.ReceiveTextsAsync(4), Is.EqualTo<string[]>([$"""2["one",{ada}]""", $"""2["all",{ada}]""", $"""2["room",{ada}]""", $"31[{ada}]"]));
    }

    [Test]
    public async Task CamelCase_RoundTrips_WhatTheServerWroteReadsBackTheSame()
    {
        await using var host = await SioTestHost.StartAsync(o => o.JsonSerializerSettings = CamelCase());
        var received = new TaskCompletionSource<Person?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (client, socket) = await host.ConnectWithHandlerAsync(s => s.On("echo", e =>
        {
            received.TrySetResult(e.GetValue<Person>(0));
            return ValueTask.CompletedTask;
        }));

        await socket.EmitAsync("echo", Ada);
        var sent = await client.ReceiveTextAsync();
        await client.SendAsync(sent); // the client sends the same packet back

        Assert.That(await received.Task.WithTimeout("the echo"), Is.EqualTo(Ada));
    }

    [Test]
    public async Task TheSettings_AlsoReadReceivedEventsAndTypedAcks()
    {
        // Newtonsoft matches property names case-insensitively anyway; snake_case shows the settings are used to read.
        await using var host = await SioTestHost.StartAsync(o => o.JsonSerializerSettings = SnakeCase());
        var received = new TaskCompletionSource<Person?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (client, socket) = await host.ConnectWithHandlerAsync(s => s.On("person", e =>
        {
            received.TrySetResult(e.GetValue<Person>(0));
            return ValueTask.CompletedTask;
        }));

        await client.SendAsync("""2["person",{"first_name":"Ada","birth_year":1815}]""");
        Assert.That(await received.Task.WithTimeout("the event"), Is.EqualTo(Ada));

        var ack = socket.EmitWithAckAsync<Person>("who");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""20["who"]"""));
        await client.SendAsync("""30[{"first_name":"Grace","birth_year":1906}]""");
        Assert.That(await ack.WithTimeout("the typed ack"), Is.EqualTo(new Person { FirstName = "Grace", BirthYear = 1906 }));
    }

    [Test]
    public async Task NumbersAndStrings_AreStillWrittenAsJsonStringifyWritesThem()
    {
        await using var host = await SioTestHost.StartAsync(o => o.JsonSerializerSettings = new JsonSerializerSettings
        {
            Culture = CultureInfo.GetCultureInfo("de-DE"),
            FloatFormatHandling = FloatFormatHandling.String,
            StringEscapeHandling = StringEscapeHandling.EscapeNonAscii,
        });
        var (client, socket) = await host.ConnectWithHandlerAsync(null);

        await socket.EmitAsync("n", new { a = 0.1 + 0.2, b = 1e21, c = double.NaN, d = "é\u2028" });

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("2[\"n\",{\"a\":0.30000000000000004,\"b\":1e+21,\"c\":null,\"d\":\"é\u2028\"}]"));
    }

    [Test]
    public void ByDefault_ReadingAPrimitive_MakesNoSerializer()
    {
        // JToken.ToObject<T>(serializer) would allocate a reader per call; the default path keeps Newtonsoft's fast path.
        var token = new Newtonsoft.Json.Linq.JValue("hello");
        var json = JsonArgs.Default;
        _ = json.ToObject<string>(token);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var same = 0;
        for (var i = 0; i < 100; i++)
        {
            same += ReferenceEquals(json.ToObject<string>(token), token.Value) ? 1 : 0;
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(same, Is.EqualTo(100));
    }

    private sealed record Person
    {
        public string? FirstName { get; set; }

        public int BirthYear { get; set; }
    }
}
