using Decentral.Node.P2p;

// Verb dispatcher: one line per verb, the verb's code lives in its own folder.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

return args switch
{
    ["p2p", .. var rest] => await P2pCommand.RunAsync(rest, Console.Out, Console.In, TimeProvider.System, cancel.Token),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: decentral-node <verb> [options]");
    Console.Error.WriteLine("verbs:");
    Console.Error.WriteLine("  p2p   a diagnostic libp2p peer (gossipsub, ping); run 'decentral-node p2p --help'");
    return 2;
}
