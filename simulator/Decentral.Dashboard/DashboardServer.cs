using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Decentral.Dashboard;

/// <summary>
/// A small HTTP server on loopback (HttpListener from the BCL) for the dashboard page and its
/// JSON API: <c>/api/runs</c>, <c>/api/runs/{name}/telemetry?from=N</c>, <c>/api/runs/{name}/summary</c>.
/// Life cycle: <see cref="Start"/>, then requests are served on the thread pool until
/// <see cref="DisposeAsync"/>.
/// </summary>
internal sealed class DashboardServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly TelemetryStore _store;
    private readonly byte[] _page;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public DashboardServer(TelemetryStore store, int port)
    {
        _store = store;
        Port = port;
        Url = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Url);
        _listener.Prefixes.Add($"http://localhost:{port}/");
        using var resource = Assembly.GetExecutingAssembly().GetManifestResourceStream("index.html")
            ?? throw new InvalidOperationException("The dashboard page is not embedded.");
        using var copy = new MemoryStream();
        resource.CopyTo(copy);
        _page = copy.ToArray();
    }

    public int Port { get; }

    public string Url { get; }

    /// <summary>Starts listening; false (with the reason) when the port cannot be used.</summary>
    public bool Start(out string? error)
    {
        try
        {
            _listener.Start();
        }
        catch (HttpListenerException e)
        {
            error = $"cannot listen on {Url}: {e.Message}";
            return false;
        }

        error = null;
        _loop = Task.Run(ServeAsync);
        return true;
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }

            _ = Task.Run(() => Handle(context));
        }
    }

    private void Handle(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            var (status, type, body) = Route(context.Request);
            response.StatusCode = status;
            response.ContentType = type;
            response.Headers["Cache-Control"] = "no-store";
            response.ContentLength64 = body.Length;
            response.OutputStream.Write(body);
        }
        catch (Exception e) when (e is HttpListenerException or IOException)
        {
            // The browser went away mid-response; nothing to do.
        }
        finally
        {
            response.Close();
        }
    }

    internal (int Status, string Type, byte[] Body) Route(HttpListenerRequest request) =>
        Route(request.HttpMethod, request.Url?.AbsolutePath ?? "/", request.QueryString["from"]);

    internal (int Status, string Type, byte[] Body) Route(string method, string path, string? from)
    {
        const string Json = "application/json; charset=utf-8";
        if (method != "GET")
        {
            return (405, Json, Error("only GET"));
        }

        var parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        switch (parts)
        {
            case []:
            case ["index.html"]:
                return (200, "text/html; charset=utf-8", _page);
            case ["api", "runs"]:
                var runs = _store.Runs().Select(r => new { name = r.Name, modified = r.Modified, finished = r.Finished });
                return (200, Json, JsonSerializer.SerializeToUtf8Bytes(runs));
            case ["api", "runs", var name, "telemetry"]:
                var start = int.TryParse(from, out var f) && f >= 0 ? f : 0;
                return _store.Telemetry(name, start) is { } rows ? (200, Json, Encoding.UTF8.GetBytes(rows)) : (404, Json, Error($"no run '{name}'"));
            case ["api", "runs", var name, "summary"]:
                return _store.Summary(name) is { } summary ? (200, Json, Encoding.UTF8.GetBytes(summary)) : (404, Json, Error($"no summary for '{name}' (yet)"));
            default:
                return (404, Json, Error($"no such path: {path}"));
        }
    }

    private static byte[] Error(string message) => JsonSerializer.SerializeToUtf8Bytes(new { error = message });

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Close();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}
