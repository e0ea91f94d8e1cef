using System.ComponentModel.DataAnnotations;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>
/// Event contracts (<c>Emitter&lt;T&gt;()</c>, <c>Handle&lt;T&gt;(…)</c>), implemented by the source generator that this
/// project runs as an analyzer: a typed emit puts the untyped emit's bytes on the wire, and a handled contract binds,
/// validates and acknowledges as the typed <c>On</c> overloads do.
/// </summary>
[TestFixture]
public sealed class TypedContractsTests
{
    public sealed record ChatMessage([property: Required, StringLength(10)] string? Text, int Priority);

    public sealed record Receipt(string Id, int Length);

    /// <summary>The events both a socket and a room receive.</summary>
    public interface IChatEvents
    {
        Task Message(ChatMessage message);

        [SocketIoEventName("user-joined")]
        ValueTask UserJoinedAsync(string name, int count);

        Task Tick();
    }

    /// <summary>What one client receives: an ack answers with one receipt.</summary>
    public interface IChatClient : IChatEvents
    {
        Task<Receipt> Ask(string question);

        Task<Receipt> ConfirmAsync(string question, bool urgent, CancellationToken cancellationToken);
    }

    /// <summary>What a room receives: an ack answers with one receipt per client.</summary>
    public interface IChatRoom : IChatEvents
    {
        Task<IReadOnlyList<Receipt>> Ask(string question);
    }

    /// <summary>What a client sends.</summary>
    public interface IChatServer
    {
        Task SendMessage(ChatMessage message);

        Task<Receipt> Send(ChatMessage message);

        ValueTask<string> Ping();

        Task<int> Add(int a, int b);

        Task Forget(string a, string b);
    }

    private sealed class ChatServer : IChatServer
    {
        public SioRecorder<object> Calls { get; } = new();

        public async Task SendMessage(ChatMessage message) => await Calls.AddAsync(message);

        public Task<Receipt> Send(ChatMessage message) => Task.FromResult(new Receipt("r1", message.Text!.Length));

        public ValueTask<string> Ping() => ValueTask.FromResult("pong");

        public Task<int> Add(int a, int b) => Task.FromResult(a + b);

        public async Task Forget(string a, string b) => await Calls.AddAsync(a + b);
    }

    private static async Task<(SioTestHost Host, SioRecorder<SocketIoSocket> Sockets)> StartAsync(Action<SocketIoSocket>? setup = null)
    {
        var host = await SioTestHost.StartAsync();
        var sockets = new SioRecorder<SocketIoSocket>();
        host.Io.OnConnection(async (socket, _) =>
        {
            setup?.Invoke(socket);
            await sockets.AddAsync(socket);
        });
        return (host, sockets);
    }

    private static string AckIdOf(string packet) => packet[1..packet.IndexOf('[', StringComparison.Ordinal)];

    [Test]
    public async Task ATypedEmitToASocket_PutsTheUntypedEmitsBytesOnTheWire()
    {
        var (host, sockets) = await StartAsync();
        await using var owner = host;
        using var client = await host.ConnectAsync();
        var socket = await sockets.FirstAsync("the socket");
        var message = new ChatMessage("hi", 2);

        var chat = socket.Emitter<IChatClient>();
        await chat.Message(message);
        await chat.UserJoinedAsync("ann", 3);
        await chat.Tick();
        await socket.EmitAsync("message", message);
        await socket.EmitAsync("user-joined", "ann", 3);
        await socket.EmitAsync("tick");

        var typed = await client.ReceiveTextsAsync(3);
        Assert.That(typed, Is.EqualTo((string[])["""2["message",{"Text":"hi","Priority":2}]""", """2["user-joined","ann",3]""", """2["tick"]"""]));
        Assert.That(await client.ReceiveTextsAsync(3), Is.EqualTo(typed));
    }

    [Test]
    public async Task ATypedEmitToARoom_PutsTheUntypedEmitsBytesOnTheWire_ForTheRoomOnly()
    {
        var (host, sockets) = await StartAsync();
        await using var owner = host;
        using var inRoom = await host.ConnectAsync();
        var first = await sockets.FirstAsync("the first socket");
        await first.JoinAsync("r");
        using var outside = await host.ConnectAsync();
        await sockets.WaitForAsync(2, "the second socket");

        await host.Io.To("r").Emitter<IChatRoom>().Message(new ChatMessage("hi", 1));
        await host.Io.To("r").EmitAsync("message", new ChatMessage("hi", 1));
        await host.Io.Of("/").Emitter<IChatEvents>().Tick();

        Assert.That(await inRoom.ReceiveTextsAsync(3), Is.EqualTo((string[])
            ["""2["message",{"Text":"hi","Priority":1}]""", """2["message",{"Text":"hi","Priority":1}]""", """2["tick"]"""]));
        Assert.That(await outside.ReceiveTextAsync(), Is.EqualTo("""2["tick"]"""), "the room's messages went to the room only");
    }

    [Test]
    public async Task ATypedEmitWithAck_ReturnsTheClientsAnswerAsTheType()
    {
        var (host, sockets) = await StartAsync();
        await using var owner = host;
        using var client = await host.ConnectAsync();
        var chat = (await sockets.FirstAsync("the socket")).Timeout(TimeSpan.FromSeconds(30)).Emitter<IChatClient>();

        var answer = chat.Ask("why?");
        var question = await client.ReceiveTextAsync();
        Assert.That(question, Does.Match("""^2\d+\["ask","why\?"\]$"""));
        await client.SendAsync("3" + AckIdOf(question) + """[{"Id":"a1","Length":4}]""");
        Assert.That(await answer.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(new Receipt("a1", 4)));

        using var cts = new CancellationTokenSource();
        var cancelled = chat.ConfirmAsync("now?", true, cts.Token);
        Assert.That(await client.ReceiveTextAsync(), Does.Match("""^2\d+\["confirm","now\?",true\]$"""), "the Async suffix is not in the name; the token is not an argument");
        await cts.CancelAsync();
        Assert.That(async () => await cancelled.WaitAsync(TimeSpan.FromSeconds(10)), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task ATypedBroadcastWithAck_ReturnsOneAnswerPerClient()
    {
        var (host, _) = await StartAsync();
        await using var owner = host;
        using var a = await host.ConnectAsync();
        using var b = await host.ConnectAsync();

        var answers = host.Io.Timeout(TimeSpan.FromSeconds(30)).Emitter<IChatRoom>().Ask("q");
        foreach (var (client, id) in new[] { (a, "a"), (b, "b") })
        {
            var question = await client.ReceiveTextAsync();
            Assert.That(question, Does.Match("""^2\d+\["ask","q"\]$"""));
            await client.SendAsync("3" + AckIdOf(question) + "[{\"Id\":\"" + id + "\",\"Length\":1}]");
        }

        var receipts = await answers.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(receipts.Select(r => r.Id), Is.EquivalentTo((string[])["a", "b"]));
    }

    [Test]
    public async Task AHandledContract_BindsValidatesAndAcknowledges_AsTheTypedHandlers()
    {
        var handlers = new ChatServer();
        var (host, _) = await StartAsync(s => s.Handle<IChatServer>(handlers));
        await using var owner = host;
        using var client = await host.ConnectAsync();

        await client.SendAsync("""2["sendMessage",{"Text":"hi","Priority":2}]""");
        Assert.That(await handlers.Calls.FirstAsync("the message"), Is.EqualTo(new ChatMessage("hi", 2)));
        await client.SendAsync("""21["send",{"Text":"hello","Priority":1}]""");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""31[{"Id":"r1","Length":5}]"""));
        await client.SendAsync("""22["ping"]""");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""32["pong"]"""));
        await client.SendAsync("""23["add",2,3]""");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""33[5]"""));
        await client.SendAsync("""2["forget","a","b"]""");
        Assert.That((await handlers.Calls.WaitForAsync(2, "the two arguments"))[1], Is.EqualTo("ab"));

        // Refused as On<T> refuses: an error ack when one was asked for, else an error event; the handler never runs.
        await client.SendAsync("""24["send",{"Text":"far too long a text","Priority":1}]""");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""34[{"error":"argument 0: The field Text must be a string with a maximum length of 10."}]"""));
        await client.SendAsync("""2["sendMessage",{"Priority":1}]""");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""2["error",{"event":"sendMessage","error":"argument 0: The Text field is required."}]"""));
        await client.SendAsync("""25["add","x",3]""");
        Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("""35[{"error":"argument 0 is not a valid Int32"}]"""));
        Assert.That(handlers.Calls.Count, Is.EqualTo(2));
    }

    [Test]
    public async Task AContractWithoutGeneratedCode_IsRefusedWithTheReason()
    {
        var (host, sockets) = await StartAsync();
        await using var owner = host;
        using var client = await host.ConnectAsync();
        var socket = await sockets.FirstAsync("the socket");

        // Named only through a type parameter, so the generator never saw it.
        Assert.That(() => EmitterOf<IUnseen>(socket), Throws.InvalidOperationException.With.Message.Contains("[SocketIoContract]"));
        Assert.That(() => EmitterOf<ChatServer>(socket), Throws.ArgumentException.With.Message.Contains("not an interface"));
    }

    public interface IUnseen
    {
        Task Hello();
    }

    private static T EmitterOf<T>(SocketIoSocket socket)
        where T : class => socket.Emitter<T>();
}
