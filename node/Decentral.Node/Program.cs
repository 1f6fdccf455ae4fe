using Decentral.Node.P2p;
using Microsoft.Extensions.Logging;

// Verb dispatcher: one line per verb, the verb's code lives in its own folder.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

// Logs go to stderr so that stdout stays one JSON event per line.
using var logs = LoggerFactory.Create(b => b
    .SetMinimumLevel(LogLevel.Information)
    .AddSimpleConsole(o => o.SingleLine = true)
    .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));

return args switch
{
    ["p2p", .. var rest] => await P2pCommand.RunAsync(rest, Console.Out, Console.In, TimeProvider.System, logs, cancel.Token),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: decentral-node <verb> [options]");
    Console.Error.WriteLine("verbs:");
    Console.Error.WriteLine("  p2p   a diagnostic libp2p peer (gossipsub, ping); run 'decentral-node p2p --help'");
    return 2;
}
