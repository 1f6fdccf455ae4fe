using System.Net;

namespace Decentral.Dashboard.Tests.TestKit;

/// <summary>A real dashboard server (Kestrel, loopback, a free port) over a fresh temporary root folder.</summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    private DashboardHost(DirectoryInfo root, DashboardServer server, TimeProvider? time)
    {
        Root = root;
        Server = server;
        Http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(30) };
    }

    public DirectoryInfo Root { get; }

    public DashboardServer Server { get; }

    public HttpClient Http { get; }

    public Uri Url => Server.Url;

    public string PathOf(string name) => Path.Combine(Root.FullName, name);

    /// <summary>Starts a server on port 0 over a new temporary folder (or <paramref name="root"/>).</summary>
    public static async Task<DashboardHost> StartAsync(TimeProvider? time = null, DirectoryInfo? root = null)
    {
        root ??= Directory.CreateTempSubdirectory("decentral-dashboard-");
        var server = new DashboardServer(new DashboardOptions { Root = root.FullName, Address = IPAddress.Loopback, Port = 0 }, time);
        if (await server.StartAsync() is { } error)
        {
            throw new InvalidOperationException(error);
        }

        return new DashboardHost(root, server, time);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        Root.Delete(recursive: true);
    }
}
