using Decentral.Learning;
using Decentral.Protocol;
using Decentral.Simulator.Runner;

namespace Decentral.Simulator.Cli.Tests;

/// <summary>Run summaries for tests of the reproduction report, without running anything.</summary>
internal static class FakeRuns
{
    public static RunSummary Summary(long rounds = 1, double virtualSeconds = 1, long totalBytes = 0)
    {
        var none = new Evaluation(double.NaN, double.NaN, double.NaN, 0);
        return new RunSummary("s", rounds, virtualSeconds, 1, none, none, double.NaN, totalBytes, new Dictionary<MessageKind, long>(), 0, 0, 100, 0, 0, 0, new Dictionary<ObservationKind, long>(), true);
    }
}
