using System.Collections.Specialized;
using Newtonsoft.Json.Linq;
using SocketIo.Server;

namespace SocketIo.AdminUi;

/// <summary>
/// Tells the dashboards when a socket's <c>data</c> changes. admin-ui 0.5.1 wraps <c>socket.data</c> in a
/// <c>Proxy</c> whose <c>set</c> trap (on the object and on every object stored in it since) emits
/// <c>socket_updated { id, nsp, data }</c>; here the same report follows
/// <list type="bullet">
/// <item>an assignment of <see cref="SocketIoSocket.Data"/> (<see cref="SocketIoSocket.OnDataAssigned"/>), which Node
/// does not see: its Proxy is replaced by the new value, unwatched;</item>
/// <item>a change inside the value at any depth, as Newtonsoft reports it: <see cref="JContainer.CollectionChanged"/>
/// of every object and array of the tree (a property added, replaced or removed, an item added, replaced, moved or
/// removed, a container emptied). A <see cref="JValue"/> changed in place (<c>JValue.Value = …</c>) raises nothing and
/// goes unreported.</item>
/// </list>
/// A change of the top-level <c>_admin</c> property is not reported: the dashboard is not shown it (its transport
/// comes with the upgrade's own <c>socket_updated</c>), and in Node it is no Proxy either.
/// </summary>
internal sealed class SocketDataWatcher
{
    private readonly SocketIoSocket _socket;
    private readonly Action<JToken> _report;
    private readonly Lock _gate = new();
    // The containers whose CollectionChanged this watcher is subscribed to: exactly those of the current data's tree.
    private readonly List<JContainer> _watched = [];
    private bool _stopped;

    public SocketDataWatcher(SocketIoSocket socket, Action<JToken> report)
    {
        _socket = socket;
        _report = report;
    }

    /// <summary>Watches the current data and its assignments until <see cref="Stop"/>.</summary>
    public void Start()
    {
        lock (_gate)
        {
            Rewatch(_socket.Data);
        }

        _socket.OnDataAssigned(OnAssigned);
    }

    /// <summary>Lets go of the socket and of its data, which may outlive it (a recovered session takes it over).</summary>
    public void Stop()
    {
        _socket.OffDataAssigned(OnAssigned);
        lock (_gate)
        {
            _stopped = true;
            Unwatch();
        }
    }

    private void OnAssigned(JToken _) => Changed();

    private void OnChanged(object? sender, NotifyCollectionChangedEventArgs e)
    {
        if (!IsAdminChange(sender, e))
        {
            Changed();
        }
    }

    private void Changed()
    {
        JToken data;
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            // The socket's value, not the one an event names: of two assignments racing, the last one is watched.
            data = _socket.Data;
            // Items come and go anywhere in the tree, and Newtonsoft's Replace names the new value as the old one too;
            // walking again is no dearer than the report, which copies the whole value.
            Rewatch(data);
        }

        _report(data);
    }

    private bool IsAdminChange(object? sender, NotifyCollectionChangedEventArgs e)
    {
        if (sender is not JObject root || !ReferenceEquals(root, _socket.Data))
        {
            return false;
        }

        // A property added or removed is the item; a value replaced is the item, its parent the property.
        static bool IsAdmin(object? item) =>
            (item as JProperty ?? (item as JToken)?.Parent as JProperty)?.Name == AdminUiSerializer.AdminKey;

        var items = (e.NewItems?.Cast<object?>() ?? []).Concat(e.OldItems?.Cast<object?>() ?? []).ToList();
        return items.Count > 0 && items.All(IsAdmin);
    }

    private void Rewatch(JToken data)
    {
        Unwatch();
        var pending = new Stack<JToken>();
        pending.Push(data);
        while (pending.TryPop(out var token))
        {
            if (token is not JContainer container)
            {
                continue;
            }

            // A JProperty raises its own event for a new value, and so does the object that holds it: listen to the object.
            if (token is not JProperty)
            {
                container.CollectionChanged += OnChanged;
                _watched.Add(container);
            }

            foreach (var child in container.Children())
            {
                if (ReferenceEquals(token, data) && child is JProperty { Name: AdminUiSerializer.AdminKey })
                {
                    continue;
                }

                pending.Push(child);
            }
        }
    }

    private void Unwatch()
    {
        foreach (var container in _watched)
        {
            container.CollectionChanged -= OnChanged;
        }

        _watched.Clear();
    }
}
