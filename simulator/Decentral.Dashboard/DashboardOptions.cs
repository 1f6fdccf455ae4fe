using System.Net;

namespace Decentral.Dashboard;

/// <summary>Where the dashboard reads and listens. Validated before the server starts.</summary>
internal sealed class DashboardOptions
{
    /// <summary>Default port.</summary>
    public const int DefaultPort = 8077;

    /// <summary>The folder holding runs, nodes and fleets. Default "runs".</summary>
    public string Root { get; set; } = "runs";

    /// <summary>The address to listen on. Default loopback (127.0.0.1): nothing outside this machine can connect.</summary>
    public IPAddress Address { get; set; } = IPAddress.Loopback;

    /// <summary>The TCP port, 0 for any free one. Default 8077.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>Every problem with the options, as lines for the user; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Port is < 0 or > 65535)
        {
            problems.Add($"--port {Port}: a port is 0 (any free port) to 65535");
        }

        if (!Directory.Exists(Root))
        {
            problems.Add(File.Exists(Root)
                ? $"'{Root}' is a file; give the folder that holds the runs (e.g. runs)"
                : $"no folder '{Root}'. Run a simulation first (scripts/simulate.sh writes runs/<name>/), or give a node's data directory's parent");
        }

        return problems;
    }
}
