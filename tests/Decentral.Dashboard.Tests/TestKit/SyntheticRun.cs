using Decentral.Learning;
using Decentral.Protocol;
using Decentral.Telemetry;

namespace Decentral.Dashboard.Tests.TestKit;

/// <summary>
/// Writes a simulation run's telemetry.jsonl as the simulator does (RoundRow.ToJson): rows from
/// round 2 on, one every <see cref="SecondsPerRound"/> virtual seconds, accuracy every 5 rounds.
/// </summary>
internal sealed class SyntheticRun(string folder)
{
    public const double SecondsPerRound = 4;

    public string Folder { get; } = Directory.CreateDirectory(folder).FullName;

    public string TelemetryPath => Path.Combine(Folder, "telemetry.jsonl");

    public long LastRound { get; private set; } = 1;

    /// <summary>Appends rounds up to <paramref name="lastRound"/> (complete lines only).</summary>
    public SyntheticRun WriteUntil(long lastRound)
    {
        using var writer = File.AppendText(TelemetryPath);
        while (LastRound < lastRound)
        {
            writer.WriteLine(Row(++LastRound).ToJson());
        }

        return this;
    }

    public void Finish() => File.WriteAllText(Path.Combine(Folder, "summary.json"), $$"""{"rounds":{{LastRound}}}""");

    public static RoundRow Row(long round)
    {
        var row = new RoundRow
        {
            Round = round,
            TimeSeconds = round * SecondsPerRound,
            Sample = [(int)(round * 7 % 20), (int)(round * 11 % 20), (int)(round * 13 % 20)],
            Aggregators = [(int)(round * 3 % 20)],
            ModelsAggregated = 3,
            OnlineNodes = round < 100 ? 20 : 15,
            ViewSize = 20,
            ViewBytes = round * 100,
            FullViewBytes = round * 400,
            TotalBytes = round * 120_000,
        };
        row.BytesByKind[(int)MessageKind.TrainedModel] = 60_000;
        row.BytesByKind[(int)MessageKind.AggregatedModel] = 55_000;
        row.BytesByKind[(int)MessageKind.Ping] = 5_000;
        // Churn at round 100: the round checks find the departed peers for a few rounds.
        if (round is >= 100 and < 104)
        {
            row.Checks[RoundRow.CheckIndex(ObservationKind.TrainersSilent)!.Value] = 1;
            row.Checks[RoundRow.CheckIndex(ObservationKind.AggregatorSilent)!.Value] = round == 101 ? 1 : 0;
        }

        if (round == 2 || round % 5 == 0)
        {
            row.Evaluation = new Evaluation(0.9 - 0.6 * Math.Exp(-round / 30.0), 0.5, double.NaN, 1000);
        }

        return row;
    }
}
