using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Server;

/// <summary>The close's description reaches the disconnect handlers (Node: <c>socket.on("disconnect", (reason, description) => …)</c>).</summary>
[TestFixture]
public sealed class DisconnectDescriptionTests
{
    [Test]
    public async Task ATransportError_ReachesDisconnectingAndDisconnect_WithItsDescription()
    {
        await using var server = new SioFakeServer();
        var (transport, socket) = server.Connect();
        var disconnecting = new TaskCompletionSource<(DisconnectReason, string?)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var disconnect = new TaskCompletionSource<(DisconnectReason, string?)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reasonOnly = new TaskCompletionSource<DisconnectReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        socket.OnDisconnecting((reason, description) =>
        {
            disconnecting.TrySetResult((reason, description));
            return ValueTask.CompletedTask;
        });
        socket.OnDisconnect((reason, description) =>
        {
            disconnect.TrySetResult((reason, description));
            return ValueTask.CompletedTask;
        });
        socket.OnDisconnect(reason =>
        {
            reasonOnly.TrySetResult(reason);
            return ValueTask.CompletedTask;
        });

        transport.Fail("write error");

        Assert.That(await disconnecting.Task.WithTimeout("disconnecting"), Is.EqualTo((DisconnectReason.TransportError, (string?)"write error")));
        Assert.That(await disconnect.Task.WithTimeout("disconnect"), Is.EqualTo((DisconnectReason.TransportError, (string?)"write error")));
        Assert.That(await reasonOnly.Task.WithTimeout("the reason-only handler"), Is.EqualTo(DisconnectReason.TransportError));
    }

    [Test]
    public async Task ANamespaceDisconnect_HasNoDescription()
    {
        await using var server = new SioFakeServer();
        var (_, socket) = server.Connect();
        var disconnect = new TaskCompletionSource<(DisconnectReason, string?)>(TaskCreationOptions.RunContinuationsAsynchronously);
        socket.OnDisconnect((reason, description) =>
        {
            disconnect.TrySetResult((reason, description));
            return ValueTask.CompletedTask;
        });

        await socket.DisconnectAsync();

        Assert.That(await disconnect.Task.WithTimeout("disconnect"), Is.EqualTo((DisconnectReason.ServerNamespaceDisconnect, (string?)null)));
    }
}
