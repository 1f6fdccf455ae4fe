using System.Reflection;
using System.Text;
using System.Text.Json;
using Decentral.Dashboard.Sources;
using Decentral.Dashboard.Views;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Decentral.Dashboard;

/// <summary>
/// The page and the JSON API (all GET, never cached):
/// <list type="bullet">
/// <item><c>/api/runs</c>: runs, fleets and nodes, newest first (nodes of a fleet follow it);</item>
/// <item><c>/api/runs/{name}/telemetry?from=N</c>: {total, rows}: a run's or node's rows from index N on;</item>
/// <item><c>/api/runs/{name}/summary</c>: a finished run's summary.json;</item>
/// <item><c>/api/runs/{name}/view</c>: a fleet's or node's <see cref="FleetView"/>.</item>
/// </list>
/// A node of a fleet is named <c>{fleet}/{node}</c>. An unknown name is a 404 whose body says so
/// and lists what there is.
/// </summary>
internal static class DashboardApi
{
    private const string Json = "application/json; charset=utf-8";

    private static readonly JsonSerializerOptions ViewJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static readonly Dictionary<string, (string Type, byte[] Body)> Assets = LoadAssets();

    /// <summary>Maps the page, its assets and the API onto <paramref name="app"/>.</summary>
    public static void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.CacheControl = "no-store";
            headers.XContentTypeOptions = "nosniff";
            headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:";
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                // The dashboard only reads: every other method is refused before routing.
                headers.Allow = "GET, HEAD";
                await Error(405, "the dashboard only answers GET").ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });

        app.MapGet("/", () => Asset("index.html"));
        app.MapGet("/{file}", (string file) => Assets.ContainsKey(file) ? Asset(file) : NoPath());
        app.MapGet("/api/runs", (SourceCatalog catalog, TimeProvider time) => Results.Json(catalog.List().Select(s => Entry(catalog, s, UnixNow(time)))));

        MapSource(app, "telemetry", Telemetry);
        MapSource(app, "summary", (_, source, _, _) => source.Kind != SourceKind.Run
            ? Error(404, $"'{source.Name}' is a {Kind(source)}; only simulation runs have a summary")
            : SourceCatalog.Summary(source) is { } summary ? Results.Text(summary, Json) : Error(404, $"no summary for '{source.Name}' (yet: it is written when the run finishes)"));
        MapSource(app, "view", View);
        app.MapFallback(NoPath);
    }

    private static IResult Telemetry(SourceCatalog catalog, Source source, HttpRequest request, TimeProvider time)
    {
        if (source.Kind == SourceKind.Fleet)
        {
            return Error(404, $"'{source.Name}' is a fleet: ask for its view, or for the telemetry of one of its nodes");
        }

        var from = int.TryParse(request.Query["from"], out var f) && f >= 0 ? f : 0;
        var (lines, total) = catalog.Telemetry(source).Lines(from);
        var json = new StringBuilder().Append("{\"total\":").Append(total).Append(",\"rows\":[");
        json.AppendJoin(',', lines);
        return Results.Text(json.Append("]}").ToString(), Json);
    }

    private static IResult View(SourceCatalog catalog, Source source, HttpRequest request, TimeProvider time)
    {
        if (source.Kind == SourceKind.Run)
        {
            return Error(404, $"'{source.Name}' is a simulation run: its page reads its telemetry");
        }

        var nodes = source.Kind == SourceKind.Fleet ? catalog.NodesOf(source) : [source];
        var inputs = nodes.Select(n => new NodeInput(n.Name, SourceCatalog.Status(n), catalog.Telemetry(n).Rows())).ToList();
        var view = new FleetViewBuilder(time).Build(source.Name, Kind(source), inputs);
        return Results.Json(view, ViewJson);
    }

    // One endpoint for "{name}/what" and "{fleet}/{node}/what".
    private static void MapSource(IEndpointRouteBuilder app, string what, Func<SourceCatalog, Source, HttpRequest, TimeProvider, IResult> handler)
    {
        IResult Handle(SourceCatalog catalog, TimeProvider time, HttpRequest request, string name) =>
            catalog.Find(name) is { } source ? handler(catalog, source, request, time) : NotFound(catalog, name);

        app.MapGet($"/api/runs/{{name}}/{what}", (SourceCatalog catalog, TimeProvider time, HttpRequest request, string name) =>
            Handle(catalog, time, request, name));
        app.MapGet($"/api/runs/{{fleet}}/{{node}}/{what}", (SourceCatalog catalog, TimeProvider time, HttpRequest request, string fleet, string node) =>
            Handle(catalog, time, request, $"{fleet}/{node}"));
    }

    private static object Entry(SourceCatalog catalog, Source source, double now)
    {
        switch (source.Kind)
        {
            case SourceKind.Run:
                return new { name = source.Name, kind = "run", modified = source.Modified, finished = File.Exists(Path.Combine(source.Folder, SourceCatalog.SummaryFile)) };
            case SourceKind.Node:
                var status = SourceCatalog.Status(source);
                return new { name = source.Name, kind = "node", modified = source.Modified, fleet = source.Fleet, state = FleetViewBuilder.State(status, now), peer_id = status?.PeerId };
            default:
                var states = catalog.NodesOf(source).Select(n => FleetViewBuilder.State(SourceCatalog.Status(n), now)).ToList();
                return new { name = source.Name, kind = "fleet", modified = source.Modified, nodes = states.Count, running = states.Count(s => s == "running") };
        }
    }

    private static double UnixNow(TimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

    private static string Kind(Source source) => source.Kind switch
    {
        SourceKind.Run => "run",
        SourceKind.Node => "node",
        _ => "fleet",
    };

    private static IResult NotFound(SourceCatalog catalog, string name)
    {
        var shown = name.Length <= 64 ? name : name[..64] + "…";
        var message = SourceCatalog.IsValidName(name)
            ? $"no run, node or fleet named '{shown}' in {catalog.Root}"
            : $"'{shown}' is not a run name (letters, digits, '.', '-' and '_'; a fleet's node is fleet/node)";
        return Results.Json(new { error = message, available = catalog.List().Select(s => s.Name) }, statusCode: 404);
    }

    private static IResult NoPath() => Error(404, "no such page: the dashboard is at / and its API under /api/runs");

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);

    private static IResult Asset(string name) => Results.Bytes(Assets[name].Body, Assets[name].Type);

    private static Dictionary<string, (string Type, byte[] Body)> LoadAssets()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var assets = new Dictionary<string, (string Type, byte[] Body)>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            var type = Path.GetExtension(name) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => null,
            };
            if (type is null)
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[name] = (type, copy.ToArray());
        }

        return assets;
    }
}
