using StackExchange.Redis;

namespace SocketIo.Redis;

/// <summary>Ending an adapter's subscriptions, the same way for every Redis adapter.</summary>
internal static class SubscriptionQueues
{
    /// <summary>Unsubscribes; a Redis that is gone took the subscription with it, so that is not an error.</summary>
    public static async Task UnsubscribeQuietlyAsync(ChannelMessageQueue queue)
    {
        try
        {
            await queue.UnsubscribeAsync().ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // Redis is gone; the subscription went with it.
        }
    }

    /// <summary>Takes every queue out of <paramref name="queues"/> (under its lock) and unsubscribes each.</summary>
    public static async Task UnsubscribeAllAsync(List<ChannelMessageQueue> queues)
    {
        ChannelMessageQueue[] taken;
        lock (queues)
        {
            taken = queues.ToArray();
            queues.Clear();
        }

        foreach (var queue in taken)
        {
            await UnsubscribeQuietlyAsync(queue).ConfigureAwait(false);
        }
    }
}
