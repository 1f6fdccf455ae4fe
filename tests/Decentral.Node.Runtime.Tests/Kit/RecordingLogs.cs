using Microsoft.Extensions.Logging;

namespace Decentral.Node.Runtime.Tests.Kit;

/// <summary>Keeps a node's log lines and completes waits armed for a line to come.</summary>
internal sealed class RecordingLogs : ILoggerFactory, ILoggerProvider
{
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource Done)> _waiters = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Completes when a line matching <paramref name="match"/> is logged (or was already).</summary>
    public Task WhenLogged(Func<string, bool> match)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            if (_lines.Any(match))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((match, done));
        }

        return done.Task;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        List<TaskCompletionSource> matched = [];
        lock (_lines)
        {
            _lines.Add(line);
            _waiters.RemoveAll(w =>
            {
                if (!w.Match(line))
                {
                    return false;
                }

                matched.Add(w.Done);
                return true;
            });
        }

        matched.ForEach(m => m.TrySetResult());
    }

    private sealed class Logger(RecordingLogs owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Add(formatter(state, exception));
            }
        }
    }
}
