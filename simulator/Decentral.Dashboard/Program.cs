using Decentral.Dashboard;

// decentral-dashboard [RUNS_FOLDER] [--port N]: serves the dashboard for the runs below the folder.
var root = "runs";
var port = 8077;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], out var p) && p is > 0 and < 65536:
            port = p;
            i++;
            break;
        case "--help" or "-h" or "help":
            Console.WriteLine("usage: decentral-dashboard [RUNS_FOLDER (default runs)] [--port N (default 8077)]");
            return 0;
        case var arg when arg.StartsWith('-'):
            Console.Error.WriteLine($"error: unknown or incomplete option '{arg}'. Try --help.");
            return 2;
        default:
            root = args[i];
            break;
    }
}

if (!Directory.Exists(root))
{
    Console.Error.WriteLine($"error: no folder '{root}'. Run a simulation first (scripts/simulate.sh writes runs/<name>/).");
    return 2;
}

await using var server = new DashboardServer(new TelemetryStore(root), port);
if (!server.Start(out var error))
{
    Console.Error.WriteLine($"error: {error}");
    return 1;
}

Console.WriteLine($"dashboard for {Path.GetFullPath(root)} at {server.Url} (Ctrl+C to stop)");
var stopped = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopped.TrySetResult();
};
await stopped.Task;
return 0;
