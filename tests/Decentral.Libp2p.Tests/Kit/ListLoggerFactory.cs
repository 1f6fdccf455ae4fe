using Microsoft.Extensions.Logging;

namespace Decentral.Libp2p.Tests.Kit;

/// <summary>Collects log lines so tests can check that failures are logged with a reason.</summary>
internal sealed class ListLoggerFactory : ILoggerFactory, ILogger
{
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Tcs)> _waiters = [];

    /// <summary>A snapshot of every line so far ("Level: message").</summary>
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

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var line = $"{logLevel}: {formatter(state, exception)}";
        List<TaskCompletionSource<string>> matched = [];
        lock (_lines)
        {
            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    matched.Add(_waiters[i].Tcs);
                    _waiters.RemoveAt(i);
                }
            }
        }

        matched.ForEach(t => t.TrySetResult(line));
    }

    /// <summary>The first line (past or future) containing <paramref name="text"/>, within the bounded timeout.</summary>
    public async Task<string> WaitForAsync(string text)
    {
        var tcs = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            if (_lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } seen)
            {
                return seen;
            }

            _waiters.Add((l => l.Contains(text, StringComparison.Ordinal), tcs));
        }

        try
        {
            return await tcs.Task.Within();
        }
        catch (TimeoutException)
        {
            lock (_lines)
            {
                throw new TimeoutException($"no log line with '{text}'. Lines:\n{string.Join("\n", _lines)}");
            }
        }
    }
}
