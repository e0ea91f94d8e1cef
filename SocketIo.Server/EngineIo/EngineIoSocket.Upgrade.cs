using SocketIo.Server.EngineIo.Transports;

namespace SocketIo.Server.EngineIo;

/// <summary>The polling → WebSocket upgrade (EP "Upgrade"; engine.io socket.ts <c>_maybeUpgrade</c>).</summary>
public sealed partial class EngineIoSocket
{
    /// <summary>
    /// Whether an upgrade is under way (Node: <c>socket.upgrading</c>): from the moment a WebSocket for this session
    /// arrives until it replaces the current transport (then <see cref="Upgraded"/> is true) or the attempt fails
    /// (a timeout, a wrong packet, the WebSocket or the session closing).
    /// </summary>
    public bool Upgrading
    {
        get
        {
            lock (_gate)
            {
                return _upgrade is not null;
            }
        }
    }

    /// <summary>Offers a new transport for this session; it replaces the current one when the client sends <c>5</c>.</summary>
    internal bool TryBeginUpgrade(EngineTransport transport)
    {
        lock (_gate)
        {
            if (_upgrade is not null || Upgraded || _state is not (EngineIoReadyState.Open or EngineIoReadyState.Closing))
            {
                return false;
            }

            var attempt = new UpgradeAttempt(transport);
            _upgrade = attempt;
            transport.Listener = this;
            transport.Sid = Id;
            attempt.TimeoutTimer = _time.CreateTimer(static s => ((EngineIoSocket)((object[])s!)[0]).OnUpgradeTimeout((UpgradeAttempt)((object[])s!)[1]), new object[] { this, attempt }, _options.UpgradeTimeout, Timeout.InfiniteTimeSpan);
            return true;
        }
    }

    private void OnUpgradePacketLocked(UpgradeAttempt upgrade, EnginePacket? packet)
    {
        if (packet is { Type: EnginePacketType.Ping } && packet.Data.Span.SequenceEqual("probe"u8))
        {
            upgrade.Transport.TrySend([EnginePacket.PongProbe]);
            RecordLocked(SessionEventKind.Upgrading, upgrade.Transport.Name);
            // Release the pending GET with a noop so the client can pause polling and send "5". The reference
            // checks every 100 ms; we also check at once, which only makes the upgrade faster.
            upgrade.CheckTimer?.Dispose();
            upgrade.CheckTimer = _time.CreateTimer(static s => ((EngineIoSocket)s!).OnUpgradeCheck(), this, TimeSpan.Zero, TimeSpan.FromMilliseconds(100));
            return;
        }

        if (packet is { Type: EnginePacketType.Upgrade } && _state != EngineIoReadyState.Closed)
        {
            CleanupUpgradeLocked();
            var previous = _transport;
            previous.Discard();
            Upgraded = true;
            previous.Listener = null;
            previous.Close();
            Volatile.Write(ref _transport, upgrade.Transport);
            // What the discarded polling transport had taken is answered or dropped with it.
            _inFlightBytes = 0;
            _server.Metrics.Upgraded(previous.Name, upgrade.Transport.Name);
            RecordLocked(SessionEventKind.Upgrade, upgrade.Transport.Name);
            FlushLocked();
            if (_state == EngineIoReadyState.Closing && !_closeAfterFlush)
            {
                CloseTransportLocked(false);
            }

            return;
        }

        // Anything else during the probe aborts the upgrade (engine.io socket.ts onPacket in _maybeUpgrade).
        AbortUpgradeLocked();
    }

    private void OnUpgradeCheck()
    {
        lock (_gate)
        {
            if (_upgrade is not null && _transport is PollingTransport polling && polling.Writable)
            {
                polling.TrySend([EnginePacket.Noop]);
            }
        }

        NotifyIfClosed();
    }

    private void OnUpgradeTimeout(UpgradeAttempt attempt)
    {
        lock (_gate)
        {
            if (_upgrade == attempt)
            {
                AbortUpgradeLocked();
            }
        }

        NotifyIfClosed();
    }

    private void AbortUpgradeLocked()
    {
        if (_upgrade is not { } upgrade)
        {
            return;
        }

        CleanupUpgradeLocked();
        upgrade.Transport.Listener = null;
        upgrade.Transport.Close();
    }

    private void CleanupUpgradeLocked()
    {
        if (_upgrade is not { } upgrade)
        {
            return;
        }

        _upgrade = null;
        upgrade.TimeoutTimer?.Dispose();
        upgrade.CheckTimer?.Dispose();
    }

    private sealed class UpgradeAttempt(EngineTransport transport)
    {
        public EngineTransport Transport { get; } = transport;
        public ITimer? TimeoutTimer { get; set; }
        public ITimer? CheckTimer { get; set; }
    }
}
