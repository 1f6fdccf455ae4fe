using System.CommandLine;
using System.Globalization;
using Decentral.Cli;
using Decentral.Soak.Faults;
using Decentral.Telemetry;

namespace Decentral.Soak.Verbs;

/// <summary>
/// <c>faults</c>: network faults on real processes (calm, packet loss, partition, healed) and the
/// same partition in a simulator run's telemetry (--sim); writes the tables, exits 1 when the
/// halves never trained one round together after the heal.
/// </summary>
internal static class FaultsVerb
{
    public static Command Create()
    {
        var defaults = new FaultOptions { Out = "out/faults" };
        var nodes = CliOptions.Int("--nodes", "Node processes, 4 to 30.", 4).WithDefault(defaults.Nodes);
        var sample = CliOptions.Int("--sample-size", "MoDeST's s.", 2).WithDefault(defaults.SampleSize);
        var phase = CliOptions.Duration("--phase", "Length of each phase (calm, loss, partition, healed).", defaults.Phase, positive: true);
        var loss = new Option<double>("--loss") { Description = "Probability that a packet between nodes is dropped in the loss phase.", DefaultValueFactory = _ => defaults.Loss };
        var port = CliOptions.Int("--port", "Node i listens on 127.0.0.1:PORT+i.", 1024).WithDefault(defaults.BasePort);
        var output = CliOptions.Text("--out", "Data directories, logs and the report go here.", "dir").WithDefault(defaults.Out);
        var sim = CliOptions.Text("--sim", "A simulator run's telemetry.jsonl of the same partition (at 2 phases, healed at 3) to compare with.", "file");
        var markdown = new Option<string>("--markdown") { Description = "Also write the tables to this file.", HelpName = "file" };
        var command = new Command("faults", "Network faults on real processes: N decentral-node processes in two halves (group ids, iptables owner rules on their ports; needs root and iptables): calm, packet loss, partition, healed, one --phase each; rounds per minute per phase and the recovery after the heal, against a simulator run (--sim). Exit 1 when the halves never train one round together after the heal.")
        {
            nodes, sample, phase, loss, port, output, sim, markdown,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var error = result.InvocationConfiguration.Error;
            var options = new FaultOptions
            {
                Nodes = result.GetValue(nodes),
                SampleSize = result.GetValue(sample),
                Phase = result.GetValue(phase) ?? defaults.Phase,
                Loss = result.GetValue(loss),
                BasePort = result.GetValue(port),
                Out = result.GetRequiredValue(output),
            };
            var problems = options.Validate().ToList();
            var simFile = result.GetValue(sim);
            if (simFile is not null && !File.Exists(simFile))
            {
                problems.Add($"--sim: no file '{simFile}'");
            }

            if (OutputFolder.Prepare(options.Out) is { } folder)
            {
                problems.Add(folder);
            }

            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    await error.WriteLineAsync($"error: {problem}");
                }

                return ExitCodes.BadInput;
            }

            var (firewall, unusable) = Firewall.Create();
            if (firewall is null)
            {
                await error.WriteLineAsync($"error: {unusable}");
                return ExitCodes.Failure;
            }

            FaultReport report;
            using (firewall)
            {
                report = await FaultRun.RunAsync(options, firewall, result.InvocationConfiguration.Output, cancellationToken);
            }

            IReadOnlyList<PhaseResult>? simulated = null;
            double? simulatedRecovery = null;
            if (simFile is not null)
            {
                var p = options.Phase.TotalSeconds;
                var rows = File.ReadLines(simFile).Select(l => RoundRow.TryParse(l, out var row) ? row : null).OfType<RoundRow>();
                var aggregations = PhaseAnalysis.FromSimulator(rows, offset: 0);
                simulated = PhaseAnalysis.Phases(aggregations, [new Phase("calm", 0, 2 * p), new Phase("partition", 2 * p, 3 * p), new Phase("healed", 3 * p, 4 * p)]);
                simulatedRecovery = PhaseAnalysis.Recovery(aggregations, 3 * p);
            }

            var tables = FaultMarkdown.Render(report, simulated, simulatedRecovery);
            await File.WriteAllTextAsync(Path.Combine(options.Out, "faults.md"), tables, cancellationToken);
            if (result.GetValue(markdown) is { } file)
            {
                await File.WriteAllTextAsync(file, tables, cancellationToken);
            }

            result.InvocationConfiguration.Output.WriteLine(tables);
            return report.Recovery is null ? ExitCodes.Failure : ExitCodes.Ok;
        });
        return command;
    }
}
