using System.Net;
using Decentral.Dashboard.Sources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Decentral.Dashboard;

/// <summary>
/// The dashboard's HTTP server: Kestrel with the page and the JSON API of
/// <see cref="DashboardApi"/>. Request lines, headers and bodies are capped (a 10 MB URL is refused
/// with 414 and an empty body, never echoed). Life cycle: <see cref="StartAsync"/> binds the port
/// (0 picks a free one, see <see cref="Url"/>), requests are served until
/// <see cref="DisposeAsync"/>; <see cref="WaitForShutdownAsync"/> waits for Ctrl+C or SIGTERM.
/// </summary>
internal sealed class DashboardServer : IAsyncDisposable
{
    /// <summary>Longest request line (method, URL, version): far above any dashboard URL.</summary>
    public const int MaxRequestLineBytes = 8 * 1024;

    /// <summary>Largest request headers in all.</summary>
    public const int MaxRequestHeaderBytes = 32 * 1024;

    private readonly DashboardOptions _options;
    private readonly WebApplication _app;

    /// <summary>A server for <paramref name="options"/> (validated by the caller), reading its clock from <paramref name="time"/>.</summary>
    public DashboardServer(DashboardOptions options, TimeProvider? time = null)
    {
        _options = options;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "decentral-dashboard",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        // A start that fails (port taken) is reported by StartAsync in one line, not logged with its stack.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestLineSize = MaxRequestLineBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = MaxRequestHeaderBytes;
            kestrel.Limits.MaxRequestBodySize = 0;
            kestrel.Listen(options.Address, options.Port);
        });
        builder.Services.AddSingleton(new SourceCatalog(options.Root));
        builder.Services.AddSingleton(time ?? TimeProvider.System);
        _app = builder.Build();
        DashboardApi.Map(_app);
    }

    /// <summary>The address served, with the bound port; known after <see cref="StartAsync"/>.</summary>
    public Uri Url { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Starts listening; the reason when the address cannot be used (port taken, address not local).</summary>
    public async Task<string?> StartAsync(CancellationToken cancellation = default)
    {
        var wanted = $"http://{new IPEndPoint(_options.Address, _options.Port)}/";
        try
        {
            await _app.StartAsync(cancellation).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            return $"cannot listen on {wanted}: {(e.InnerException ?? e).Message}";
        }

        var bound = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Url = new Uri(bound.EndsWith('/') ? bound : bound + "/");
        return null;
    }

    /// <summary>Completes when the process is asked to stop (Ctrl+C, SIGTERM).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
