using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Decentral.Node.Runtime.Tests.Kit;

/// <summary>
/// Writes a node's log lines (Information and above, with the node's index) to the test's
/// output, which xunit shows for a failing test: the node's own account of what went wrong.
/// <c>NODE_TESTS_LOG=Debug</c> (or Trace) lowers the level, to chase a rare failure.
/// </summary>
internal sealed class TestOutputLogs(ITestOutputHelper output, int node) : ILoggerProvider, ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Logger(output, node, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    /// <summary>True when <c>NODE_TESTS_LOG</c> asks for Debug or Trace: the cluster then writes every observation too.</summary>
    public static bool Verbose => Level < LogLevel.Information;

    private static readonly LogLevel Level = Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("NODE_TESTS_LOG"), ignoreCase: true, out var level) ? level : LogLevel.Information;

    private sealed class Logger(ITestOutputHelper output, int node, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= Level && !(Level == LogLevel.Information && category.StartsWith("Decentral.Libp2p", StringComparison.Ordinal) && logLevel < LogLevel.Warning);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} [{node}] {logLevel} {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
            }
            catch (InvalidOperationException)
            {
                // The test already ended; its output is closed.
            }
        }
    }
}
