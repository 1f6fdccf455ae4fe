using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Decentral.Cli;
using Decentral.Node.Tests.Kit;
using Decentral.Soak.Attack;

namespace Decentral.Soak.Verbs;

/// <summary>
/// <c>soak</c>: a calm baseline run (optional), then the chaos run (kills and the attacker), each
/// on a fresh cluster; writes report JSON and the Markdown tables, exits 1 when a goal fails.
/// </summary>
internal static class SoakVerb
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, IncludeFields = true, Converters = { new JsonStringEnumConverter() } };

    public static Command Create()
    {
        var defaults = new SoakOptions { Out = "out/soak" };
        var nodes = CliOptions.Int("--nodes", "Node processes.", 3).WithDefault(defaults.Nodes);
        var sample = CliOptions.Int("--sample-size", "MoDeST's s.", 2).WithDefault(defaults.SampleSize);
        var duration = CliOptions.Duration("--duration", "Length of the chaos run's measured phase.", defaults.Duration, positive: true);
        var killEvery = CliOptions.Duration("--kill-every", "Kill -9 a random node this often and restart it on its data directory.", defaults.KillEvery!.Value, positive: true);
        var calmDefault = TimeSpan.FromMinutes(3);
        var baseline = CliOptions.Duration("--baseline", "Length of the calm run (no kills, no attacker) measured first; 0 = none.", calmDefault);
        var noAttack = new Option<bool>("--no-attack") { Description = "No attacker during the chaos run." };
        var port = CliOptions.Int("--port", "Node i listens on 127.0.0.1:PORT+i; 0 = ports the system picks.", 0).WithDefault(defaults.BasePort);
        var seed = CliOptions.Int("--seed", "Seeds the choice of victims.", int.MinValue).WithDefault(defaults.Seed);
        var output = CliOptions.Text("--out", "Data directories, logs, rss.csv and the reports go here.", "dir").WithDefault(defaults.Out);
        var markdown = new Option<string>("--markdown") { Description = "Also write the results tables to this file.", HelpName = "file" };
        var command = new Command("soak", "Soak under churn: N decentral-node processes, kill -9 and restart a random node every --kill-every while an attacker floods (connections, garbage, gossip spam, a slow reader and writer); reports exceptions in the logs, peak RSS, rejoins and rounds per minute against a calm run. Exit 1 when a goal fails.")
        {
            nodes, sample, duration, killEvery, baseline, noAttack, port, seed, output, markdown,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var outDir = result.GetRequiredValue(output);
            if (OutputFolder.Prepare(outDir) is { } problem)
            {
                await result.InvocationConfiguration.Error.WriteLineAsync($"error: {problem}");
                return ExitCodes.BadInput;
            }

            var chaosOptions = new SoakOptions
            {
                Nodes = result.GetValue(nodes),
                SampleSize = result.GetValue(sample),
                Duration = result.GetValue(duration) ?? defaults.Duration,
                KillEvery = result.GetValue(killEvery) ?? defaults.KillEvery,
                Attack = result.GetValue(noAttack) ? null : new AttackOptions(),
                BasePort = result.GetValue(port),
                Seed = result.GetValue(seed),
                Out = Path.Combine(outDir, "chaos"),
            };
            if (chaosOptions.Validate() is { Count: > 0 } errors)
            {
                foreach (var error in errors)
                {
                    await result.InvocationConfiguration.Error.WriteLineAsync($"error: {error}");
                }

                return ExitCodes.BadInput;
            }

            try
            {
                return await RunAsync(result, chaosOptions, outDir, calmDefault, cancellationToken);
            }
            catch (NodeExitedException exited)
            {
                // A node that cannot start (no data, a bad setting) said why in its log: shown, no stack trace.
                await result.InvocationConfiguration.Error.WriteLineAsync($"error: {exited.Message}");
                return ExitCodes.Failure;
            }
        });
        return command;

        async Task<int> RunAsync(ParseResult result, SoakOptions chaosOptions, string outDir, TimeSpan calmDefault, CancellationToken cancellationToken)
        {
            var progress = result.InvocationConfiguration.Output;
            SoakReport? calm = null;
            if ((result.GetValue(baseline) ?? calmDefault) is var calmLength && calmLength > TimeSpan.Zero)
            {
                calm = await SoakRun.RunAsync(chaosOptions with { Duration = calmLength, KillEvery = null, Attack = null, Out = Path.Combine(outDir, "calm") }, progress, cancellationToken);
                await File.WriteAllTextAsync(Path.Combine(outDir, "calm.json"), JsonSerializer.Serialize(calm, Json), cancellationToken);
                progress.WriteLine($"[soak] calm run: {calm.RoundsPerMinute:F0} rounds/min");
            }

            var chaos = await SoakRun.RunAsync(chaosOptions, progress, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(outDir, "chaos.json"), JsonSerializer.Serialize(chaos, Json), cancellationToken);
            var tables = SoakMarkdown.Render(chaos, calm);
            await File.WriteAllTextAsync(Path.Combine(outDir, "soak.md"), tables, cancellationToken);
            if (result.GetValue(markdown) is { } file)
            {
                await File.WriteAllTextAsync(file, tables, cancellationToken);
            }

            progress.WriteLine(tables);
            return chaos.Failures().Count == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        }
    }
}
