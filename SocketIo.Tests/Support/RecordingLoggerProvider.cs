using Microsoft.Extensions.Logging;

namespace SocketIo.Tests.Support;

/// <summary>A log entry captured from the host.</summary>
internal sealed record LogEntry(string Category, LogLevel Level, string Message, Exception? Exception, int EventId = 0)
{
    public override string ToString() => $"[{Level}] {Category}: {Message} {Exception}";
}

/// <summary>
/// Captures the host's logs, so tests can assert that nothing escaped the server (Kestrel logs an unhandled
/// application exception at Error level).
/// </summary>
internal sealed class RecordingLoggerProvider(LogLevel minimum = LogLevel.Warning) : ILoggerProvider
{
    private readonly object _sync = new();
    private readonly List<LogEntry> _entries = [];
    private readonly LogLevel _minimum = minimum;

    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_sync)
            {
                return [.. _entries];
            }
        }
    }

    public IReadOnlyList<LogEntry> Errors => Entries.Where(e => e.Level >= LogLevel.Error).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(LogEntry entry)
    {
        lock (_sync)
        {
            _entries.Add(entry);
        }
    }

    private sealed class Logger(RecordingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Add(new LogEntry(category, logLevel, formatter(state, exception), exception, eventId.Id));
            }
        }
    }
}
