using System.Threading.Channels;

namespace SocketIo.Server.Adapters;

/// <summary>
/// The answers to one acknowledged send (the model of socketioxide's <c>AckStream</c>): one entry per socket reached,
/// in the order they arrive; the stream ends when every socket has answered, left, or the deadline has passed.
/// </summary>
public sealed class AckResponses : IAsyncEnumerable<AckResponse>
{
    private readonly ChannelReader<AckResponse> _responses;

    /// <summary>Creates a stream over <paramref name="responses"/>, which yields one entry per delivered socket.</summary>
    public AckResponses(SendReport report, ChannelReader<AckResponse> responses)
    {
        ArgumentNullException.ThrowIfNull(responses);
        Report = report;
        _responses = responses;
    }

    /// <summary>Who got the packet (<see cref="SendReport.Delivered"/> answers are expected) and who did not.</summary>
    public SendReport Report { get; }

    /// <summary>The number of answers to expect: the sockets the packet was queued on.</summary>
    public int Count => Report.Delivered;

    /// <inheritdoc />
    public IAsyncEnumerator<AckResponse> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        _responses.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
}
