using Decentral.Cli;
using Decentral.Node.Runtime;
using Decentral.Node.Runtime.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Decentral.Node.Run;

/// <summary>
/// The thin hosted service: starts a <see cref="NodeRuntime"/> with the validated options and
/// stops it gracefully (LEAVE advert, last checkpoint) when the host stops, on SIGTERM, Ctrl+C
/// or systemd's stop. A runtime whose protocol core fails (a bug) stops the host with exit code 1.
/// </summary>
internal sealed class NodeService(
    IOptions<NodeRuntimeOptions> options,
    ILoggerFactory loggers,
    IHostApplicationLifetime lifetime,
    TimeProvider time) : IHostedService, IAsyncDisposable
{
    private NodeRuntime? _runtime;

    /// <summary>Set when the start failed or the node stopped on its own: the exit code and why.</summary>
    public StartFailure? Failure { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _runtime = new NodeRuntime(options.Value, time, loggers);
        var failure = await _runtime.StartAsync(cancellationToken);
        if (failure is not null)
        {
            Failure = failure;
            throw new NodeStartFailedException(failure);
        }

        _ = _runtime.Completion.ContinueWith(t =>
        {
            if (t.IsFaulted)
            {
                var inner = t.Exception!.InnerException;
                Failure = new StartFailure(inner is NodeStoppedException ? inner.Message : $"the node stopped after an internal error: {inner?.Message}", ExitCodes.Failure);
                lifetime.StopApplication();
            }
        }, TaskScheduler.Default);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_runtime is not null)
        {
            await _runtime.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_runtime is not null)
        {
            await _runtime.DisposeAsync();
        }
    }
}

/// <summary>Carries a start failure out of the host's start to the run verb, which prints it and exits with its code.</summary>
internal sealed class NodeStartFailedException(StartFailure failure) : Exception(failure.Message)
{
    public StartFailure Failure { get; } = failure;
}
