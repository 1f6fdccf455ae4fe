using System.Net;
using Decentral.Dashboard;

// decentral-dashboard [FOLDER] [--port N] [--host ADDRESS]: serves the dashboard for the runs,
// nodes and fleets below FOLDER. Exit codes: 0 ok, 1 runtime failure (cannot listen), 2 bad input.
const string Usage = """
    usage: decentral-dashboard [FOLDER] [--port N] [--host ADDRESS]

    Serves the round telemetry of the simulation runs, nodes and fleets below FOLDER
    (default runs) to a browser, live while they are written.

      FOLDER          folder holding run folders, node data directories, and fleets
                      (folders of node data directories); default runs
      --port N        TCP port, 0 for any free one; default 8077
      --host ADDRESS  address to listen on; default 127.0.0.1 (this machine only)
      --help          this text

    Exit codes: 0 ok, 1 cannot listen, 2 bad input.
    """;

var options = new DashboardOptions();
var folderGiven = false;
for (var i = 0; i < args.Length; i++)
{
    var arg = args[i];
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (arg)
    {
        case "--help" or "-h" or "help":
            Console.WriteLine(Usage);
            return 0;
        case "--port" when int.TryParse(value, out var port):
            options.Port = port;
            i++;
            break;
        case "--host" when IPAddress.TryParse(value, out var address):
            options.Address = address;
            i++;
            break;
        case "--port" or "--host":
            return Fail(value is null ? $"{arg} needs a value" : $"{arg} '{value}' is not {(arg == "--port" ? "a port number" : "an IP address")}");
        case var _ when arg.StartsWith('-'):
            return Fail($"unknown option '{arg}'");
        case var _ when folderGiven:
            return Fail($"one folder only ('{options.Root}' and '{arg}')");
        default:
            options.Root = arg;
            folderGiven = true;
            break;
    }
}

if (options.Validate() is [_, ..] problems)
{
    foreach (var problem in problems)
    {
        Console.Error.WriteLine($"error: {problem}");
    }

    return 2;
}

await using var server = new DashboardServer(options);
if (await server.StartAsync() is { } error)
{
    Console.Error.WriteLine($"error: {error}");
    return 1;
}

Console.WriteLine($"dashboard for {Path.GetFullPath(options.Root)} at {server.Url} (Ctrl+C to stop)");
await server.WaitForShutdownAsync();
return 0;

static int Fail(string message)
{
    Console.Error.WriteLine($"error: {message}. Try --help.");
    return 2;
}
