using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// Typed event handlers (<c>socket.On&lt;T&gt;</c>): arguments bound to .NET types, validated with DataAnnotations and
/// <see cref="IValidatableObject"/>; invalid or unbindable events never reach the handler and get an error answer.
/// </summary>
[TestFixture]
public sealed class TypedEventsTests
{
    public sealed record ChatMessage(
        [property: Required, StringLength(10)] string? Text,
        [property: System.ComponentModel.DataAnnotations.Range(1, 5)] int Priority);

    public sealed class Transfer : IValidatableObject
    {
        public string From { get; set; } = "";

        public string To { get; set; } = "";

        public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
        {
            if (From == To)
            {
                yield return new ValidationResult("From and To must differ.", [nameof(To)]);
            }
        }
    }

    public sealed record Receipt(string Id, int Length);

    private static async Task<(SioTestHost Host, SioRawClient Client)> StartAsync(
        Action<SocketIoSocket> setup, Action<SocketIoOptions>? configure = null, LogLevel logLevel = LogLevel.Warning)
    {
        var host = await SioTestHost.StartAsync(configure, logLevel: logLevel);
        host.Io.OnConnection((socket, _) =>
        {
            setup(socket);
            return ValueTask.CompletedTask;
        });
        var client = await host.OpenAsync();
        await client.ConnectNamespaceAsync();
        return (host, client);
    }

    [Test]
    public async Task AValidMessage_ReachesTheHandlerAsItsType_WithTheAck()
    {
        var received = new SioRecorder<ChatMessage>();
        var (host, client) = await StartAsync(s => s.On<ChatMessage>("send-msg", async (msg, ack) =>
        {
            await received.AddAsync(msg);
            await ack.AckAsync("stored");
        }));
        await using var owner = host;
        using var _ = client;

        await client.SendAsync("""20["send-msg",{"Text":"hi","Priority":2}]""");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""30["stored"]"""));
        Assert.That(await received.FirstAsync("the message"), Is.EqualTo(new ChatMessage("hi", 2)));
    }

    [Test]
    public async Task AnInvalidMessage_WithAnAck_GetsTheErrorAck_AndNeverReachesTheHandler()
    {
        var received = new SioRecorder<ChatMessage>();
        var (host, client) = await StartAsync(s => s.On<ChatMessage>("send-msg", (msg, _) => received.AddAsync(msg)));
        await using var owner = host;
        using var _ = client;

        await client.SendAsync("""21["send-msg",{"Text":"far too long a text","Priority":9}]""");
        var answer = JArray.Parse((await client.ReceiveTextAsync())[2..]);

        Assert.That(answer[0]!["error"]!.Value<string>(), Is.EqualTo(
            "argument 0: The field Text must be a string with a maximum length of 10.; argument 0: The field Priority must be between 1 and 5."));
        await client.SendAsync("""22["send-msg",{"Priority":1}]""");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""32[{"error":"argument 0: The Text field is required."}]"""));
        Assert.That(received.Count, Is.Zero);
    }

    [Test]
    public async Task AnInvalidMessage_WithoutAnAck_GetsAnErrorEvent()
    {
        var (host, client) = await StartAsync(s => s.On<ChatMessage>("send-msg", _ => ValueTask.CompletedTask));
        await using var owner = host;
        using var _ = client;

        await client.SendAsync("""2["send-msg",{"Text":"","Priority":1}]""");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""2["error",{"event":"send-msg","error":"argument 0: The Text field is required."}]"""));
    }

    [Test]
    public async Task AnUnbindableOrMissingArgument_IsAnsweredWithoutTheValue_AndLoggedOncePerSocket_WithoutThePayload()
    {
        var (host, client) = await StartAsync(s => s.On<ChatMessage>("send-msg", (_, _) => ValueTask.CompletedTask), logLevel: LogLevel.Information);
        await using var owner = host;
        using var _ = client;

        await client.SendAsync("""21["send-msg","secret-value"]""");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""31[{"error":"argument 0 is not a valid ChatMessage"}]"""));
        await client.SendAsync("""22["send-msg"]""");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""32[{"error":"argument 0 is missing"}]"""));
        await client.SendAsync("""23["send-msg",null]""");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""33[{"error":"argument 0 must not be null"}]"""));

        var logged = host.Logs.Entries.Where(e => e.EventId == 2006).ToList();
        Assert.That(logged, Has.Count.EqualTo(1));
        Assert.That(logged[0].Message, Does.Contain("send-msg").And.Contain("is not a valid ChatMessage").And.Not.Contain("secret-value"));
    }

    [Test]
    public async Task IValidatableObject_IsValidated()
    {
        var (host, client) = await StartAsync(s => s.On<Transfer>("transfer", (_, ack) => ack.AckAsync("done")));
        await using var owner = host;
        using var _ = client;

        await client.SendAsync("""21["transfer",{"From":"a","To":"a"}]""");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""31[{"error":"argument 0: From and To must differ."}]"""));
        await client.SendAsync("""22["transfer",{"From":"a","To":"b"}]""");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""32["done"]"""));
    }

    [Test]
    public async Task ARequestHandler_SendsItsTypedResultAsTheAck()
    {
        var (host, client) = await StartAsync(s => s.On<ChatMessage, Receipt>("send-msg", msg => ValueTask.FromResult(new Receipt("r1", msg.Text!.Length))));
        await using var owner = host;
        using var _ = client;

        await client.SendAsync("""27["send-msg",{"Text":"hello","Priority":1}]""");

        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""37[{"Id":"r1","Length":5}]"""));
    }

    [Test]
    public async Task TwoArguments_BindBinaryAsBytesAndMemory()
    {
        var received = new SioRecorder<(byte[], ReadOnlyMemory<byte>)>();
        var (host, client) = await StartAsync(s => s.On<byte[], ReadOnlyMemory<byte>>("upload", (a, b, ack) => received.AddAsync((a, b))));
        await using var owner = host;
        using var _ = client;

        await client.SendAsync("""52-["upload",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]""");
        await client.SendBinaryAsync([1, 2]);
        await client.SendBinaryAsync([3]);

        var (first, second) = await received.FirstAsync("the upload");
        Assert.That(first, Is.EqualTo(new byte[] { 1, 2 }));
        Assert.That(second.ToArray(), Is.EqualTo(new byte[] { 3 }));
    }

    [Test]
    public async Task OnInvalidMessage_ReplacesTheDefaultAnswer()
    {
        var invalid = new SioRecorder<InvalidMessage>();
        var (host, client) = await StartAsync(
            s => s.On<ChatMessage>("send-msg", _ => ValueTask.CompletedTask),
            o => o.OnInvalidMessage = m => invalid.AddAsync(m));
        await using var owner = host;
        using var _ = client;

        await client.SendAsync("""21["send-msg",{"Priority":3}]""");
        await client.SendAsync("""22["sync"]""");

        var m = await invalid.FirstAsync("the custom handler");
        Assert.That(m.Event.Name, Is.EqualTo("send-msg"));
        Assert.That(m.Errors, Is.EqualTo<string[]>(["argument 0: The Text field is required."]));
        Assert.That(client.Drain(), Is.Empty, "the default answer was not sent");
    }

    [Test]
    public async Task ABroadcastWithAcks_ConvertsEachResponse()
    {
        var host = await SioTestHost.StartAsync();
        await using var owner = host;
        using var a = await host.ConnectAsync();
        using var b = await host.ConnectAsync();

        var acks = host.Io.Timeout(TimeSpan.FromSeconds(30)).EmitWithAckAsync<Receipt>("q");
        foreach (var (client, id) in new[] { (a, "a"), (b, "b") })
        {
            var question = await client.ReceiveTextAsync();
            var ackId = question[1..question.IndexOf('[', StringComparison.Ordinal)];
            await client.SendAsync("3" + ackId + "[{\"Id\":\"" + id + "\",\"Length\":1}]");
        }

        var receipts = await acks.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(receipts.Select(r => r!.Id), Is.EquivalentTo((string[])["a", "b"]));
    }
}
