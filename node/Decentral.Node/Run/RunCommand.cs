using System.Text.Json;
using Decentral.Cli;
using Decentral.Node.Runtime.Options;
using Decentral.Node.Runtime.Runtime;
using Decentral.Protocol;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Decentral.Node.Run;

/// <summary>
/// The run verb's work: builds the configuration layers, checks every key, binds and validates
/// each options section at start (ValidateOnStart), then runs the Generic Host (systemd-aware)
/// with the node's hosted service until SIGTERM, Ctrl+C or systemd stops it. Exit codes: 0 after
/// a graceful stop; 2 for bad configuration (every problem printed, each naming its key), a bad
/// identity or data file, missing data or a data directory in use; 1 for runtime failures.
/// </summary>
internal static class RunCommand
{
    /// <summary>Runs the node until <paramref name="cancellationToken"/> (Ctrl+C, SIGTERM) asks it to stop, at any moment, the start included.</summary>
    public static async Task<int> RunAsync(RunArguments arguments, TextWriter error, CancellationToken cancellationToken)
    {
        IConfigurationRoot configuration;
        try
        {
            var layers = new ConfigurationBuilder();
            NodeConfiguration.AddLayers(layers, arguments.ConfigFile, arguments.Overrides);
            configuration = layers.Build();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            return Fail(error, [$"--config: cannot read {arguments.ConfigFile}: {e.Message}"]);
        }
        catch (InvalidDataException e)
        {
            return Fail(error, [$"--config {arguments.ConfigFile}: {(e.InnerException as JsonException)?.Message ?? e.Message}"]);
        }

        var unknown = NodeConfiguration.Problems(configuration);
        if (unknown.Count > 0)
        {
            return Fail(error, unknown);
        }

        NodeRuntimeOptions options;
        try
        {
            options = NodeConfiguration.Bind(configuration);
        }
        catch (InvalidOperationException e)
        {
            // The binder's message names the key and the expected type ("... at 'node:slot' to type 'System.Int32'").
            return Fail(error, [e.InnerException is null ? e.Message : $"{e.Message} ({e.InnerException.Message})"]);
        }

        // Every section's problems in one pass, before anything starts (ValidateOnStart checks again in the host).
        var invalid = options.Validate();
        if (invalid.Count > 0)
        {
            return Fail(error, invalid);
        }

        using var host = Build(configuration, options);
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (OptionsValidationException e)
        {
            return Fail(error, e.Failures);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(x => x is OptionsValidationException))
        {
            return Fail(error, [.. e.InnerExceptions.OfType<OptionsValidationException>().SelectMany(x => x.Failures)]);
        }
        catch (NodeStartFailedException e)
        {
            await StopQuietlyAsync(host);
            return Fail(error, [e.Failure.Message], e.Failure.ExitCode);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await StopQuietlyAsync(host);
            return ExitCodes.Ok;
        }

        await host.WaitForShutdownAsync(cancellationToken);
        var failure = host.Services.GetRequiredService<NodeService>().Failure;
        if (failure is not null)
        {
            error.WriteLine($"error: {failure.Message}");
            return failure.ExitCode;
        }

        return ExitCodes.Ok;
    }

    private static IHost Build(IConfigurationRoot configuration, NodeRuntimeOptions bound)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.AddConfiguration(configuration);
        builder.Services.AddSystemd();
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = bound.Node.ShutdownTimeout + TimeSpan.FromSeconds(5));
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

        // A failed start is reported once, as an error line naming the problem (never as the host's stack trace).
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        if (!Microsoft.Extensions.Hosting.Systemd.SystemdHelpers.IsSystemdService())
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
            });
        }

        var validator = new NodeOptionsValidator();
        AddSection<NodeOptions>(builder, validator, NodeOptions.Section);
        AddSection<ModestOptions>(builder, validator, NodeOptionsValidator.ProtocolSection);
        AddSection<Baselines.BaselineSettings>(builder, validator, NodeOptionsValidator.BaselinesSection);
        AddSection<NodeLearningOptions>(builder, validator, NodeLearningOptions.Section);
        AddSection<FoundingOptions>(builder, validator, FoundingOptions.Section);
        AddSection<NetworkOptions>(builder, validator, NetworkOptions.Section);
        builder.Services.AddSingleton<IOptions<NodeRuntimeOptions>>(sp => Options.Create(new NodeRuntimeOptions
        {
            Node = sp.GetRequiredService<IOptions<NodeOptions>>().Value,
            Protocol = sp.GetRequiredService<IOptions<ModestOptions>>().Value,
            Baselines = sp.GetRequiredService<IOptions<Baselines.BaselineSettings>>().Value,
            Learning = sp.GetRequiredService<IOptions<NodeLearningOptions>>().Value,
            Founding = sp.GetRequiredService<IOptions<FoundingOptions>>().Value,
            Network = sp.GetRequiredService<IOptions<NetworkOptions>>().Value,
        }));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<NodeService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NodeService>());
        return builder.Build();
    }

    private static void AddSection<T>(HostApplicationBuilder builder, IValidateOptions<T> validator, string section)
        where T : class
    {
        builder.Services.AddOptions<T>().Bind(builder.Configuration.GetSection(section)).ValidateOnStart();
        builder.Services.AddSingleton(validator);
    }

    private static async Task StopQuietlyAsync(IHost host)
    {
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await host.StopAsync(bounded.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or AggregateException)
        {
            // The start failed; what is left to stop is best effort.
        }
    }

    private static int Fail(TextWriter error, IEnumerable<string> problems, int code = ExitCodes.BadInput)
    {
        foreach (var problem in problems)
        {
            error.WriteLine($"error: {problem}");
        }

        return code;
    }
}
