using System.Threading.Channels;
using Newtonsoft.Json.Linq;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;

namespace SocketIo.Fuzz;

/// <summary>A namespace with one socket in no room: enough for the adapters to act on whatever a message asks.</summary>
internal sealed class FuzzNamespace : IAdapterNamespace, IAdapterMetrics
{
    public string Name => "/";

    public TimeProvider TimeProvider => TimeProvider.System;

    public IAdapterMetrics Metrics => this;

    public bool IsConnected(string socketId) => socketId == "sid";

    public SendReport Send(IReadOnlyList<string> socketIds, OutgoingPacket packet) => new(socketIds.Count);

    public AckResponses SendWithAck(IReadOnlyList<string> socketIds, SocketIoPacket packet, BroadcastFlags flags, TimeSpan? timeout)
    {
        var responses = Channel.CreateUnbounded<AckResponse>();
        responses.Writer.Complete();
        return new AckResponses(new SendReport(0), responses.Reader);
    }

    public ValueTask<int> DisconnectAsync(IReadOnlyList<string> socketIds, bool close) => ValueTask.FromResult(socketIds.Count(IsConnected));

    public ValueTask<int> JoinAsync(IReadOnlyList<string> socketIds, IReadOnlyCollection<string> rooms) => ValueTask.FromResult(socketIds.Count(IsConnected));

    public ValueTask<int> LeaveAsync(IReadOnlyList<string> socketIds, IReadOnlyCollection<string> rooms) => ValueTask.FromResult(socketIds.Count(IsConnected));

    public IReadOnlyList<SocketDetails> GetDetails(IReadOnlyList<string> socketIds) => [];

    public void OnServerSideEmit(JArray args, Action<JToken?>? ack)
    {
    }

    public void Broadcast(int recipients)
    {
    }
}
