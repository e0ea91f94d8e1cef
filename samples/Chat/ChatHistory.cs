using Newtonsoft.Json.Linq;

namespace SocketIo.Samples.Chat;

/// <summary>
/// The last messages of each channel, in memory, for whoever joins next. In a cluster every instance keeps the same
/// history: the instance that takes a message tells the others (serverSideEmit), so a user joining on any instance
/// sees what was said on all of them since that instance started.
/// </summary>
public sealed class ChatHistory
{
    /// <summary>How many messages a channel keeps.</summary>
    public const int Capacity = 50;

    private readonly Dictionary<string, Queue<JObject>> _channels = new(StringComparer.Ordinal);

    /// <summary>Keeps a message, dropping the channel's oldest past <see cref="Capacity"/>.</summary>
    public void Add(string channel, JObject message)
    {
        lock (_channels)
        {
            if (!_channels.TryGetValue(channel, out var queue))
            {
                _channels[channel] = queue = new Queue<JObject>(Capacity);
            }

            queue.Enqueue(message);
            while (queue.Count > Capacity)
            {
                queue.Dequeue();
            }
        }
    }

    /// <summary>The channel's kept messages, oldest first.</summary>
    public JObject[] Of(string channel)
    {
        lock (_channels)
        {
            return _channels.TryGetValue(channel, out var queue) ? [.. queue] : [];
        }
    }
}
