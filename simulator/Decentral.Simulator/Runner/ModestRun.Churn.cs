using Decentral.Simulator.Engine;
using Decentral.Simulator.Scenarios;
using SimChurn = Decentral.Simulator.Churn;

namespace Decentral.Simulator.Runner;

/// <content>Churn: scenario events applied when they happen, and per-node schedules (sessions, traces).</content>
public sealed partial class ModestRun
{
    private void ScheduleChurn()
    {
        foreach (var churn in _scenario.Churn.Where(c => c.Kind is not (ChurnKind.Sessions or ChurnKind.Trace)))
        {
            var total = churn.Total ?? churn.Count;
            var occurrences = churn.Kind is ChurnKind.Partition or ChurnKind.Heal ? 1 : (total + churn.Count - 1) / churn.Count;
            for (var k = 0; k < occurrences; k++)
            {
                var count = Math.Min(churn.Count, total - (k * churn.Count));
                var at = SimTime.FromTimeSpan(churn.At + (churn.Every * k));
                var c = churn;
                Simulation.ScheduleAt(at, () => Apply(c, count));
            }
        }
    }

    private void Apply(ChurnEvent churn, int count)
    {
        switch (churn.Kind)
        {
            case ChurnKind.Crash:
                foreach (var i in PickOnline(count))
                {
                    _hosts[i].Halt();
                    Network.SetOnline(i, false);
                    OnlineNodes--;
                }

                break;
            case ChurnKind.Leave:
                foreach (var i in PickOnline(count))
                {
                    _hosts[i].Node.Leave();
                    _hosts[i].Halt();
                    OnlineNodes--;
                    // Let the LEAVE adverts leave the building before the node goes dark.
                    var node = i;
                    Simulation.ScheduleAfter(SimTime.PerSecond * 5, () => Network.SetOnline(node, _hosts[node].Alive));
                }

                break;
            case ChurnKind.Join:
                for (var k = 0; k < count && _nextJoiner < _hosts.Length; k++)
                {
                    var host = _hosts[_nextJoiner++];
                    Network.SetOnline(host.Index, true);
                    host.Alive = host.EverStarted = true;
                    OnlineNodes++;
                    Recorder.Joined(host);
                    host.Node.Join();
                }

                break;
            case ChurnKind.Partition:
                for (var i = 0; i < _hosts.Length; i++)
                {
                    Network.SetGroup(i, i % churn.Groups);
                }

                break;
            case ChurnKind.Heal:
                Network.HealPartitions();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(churn), churn.Kind, "Unknown churn kind.");
        }

        Recorder.Churned(churn.Kind, count);
    }

    // Per-node churn (sessions, traces) comes as a schedule of node-level events from the engine's
    // generators; the scenario's other churn entries pick their nodes when they happen.
    private SimChurn.ChurnSchedule? BuildScheduledChurn(out SimChurn.AvailabilityTrace? trace)
    {
        trace = null;
        var entry = _scenario.Churn.FirstOrDefault(c => c.Kind is ChurnKind.Sessions or ChurnKind.Trace);
        var horizon = _scenario.Stop.Time;
        var founders = Enumerable.Range(0, _scenario.Nodes).ToArray();
        switch (entry?.Kind)
        {
            case ChurnKind.Sessions:
                var sessions = SimChurn.ChurnGenerators.Sessions(
                    founders,
                    SimChurn.SessionDistribution.Weibull(entry.Shape, entry.Scale),
                    SimChurn.SessionDistribution.Exponential(entry.OfflineMean),
                    horizon,
                    entry.Graceful,
                    DeriveSeed(_scenario.Seed, "sessions"));
                var start = SimTime.FromTimeSpan(entry.At);
                var shifted = new SimChurn.ChurnSchedule();
                foreach (var e in sessions.Events)
                {
                    shifted.Add(e with { Time = e.Time + start });
                }

                return shifted;
            case ChurnKind.Trace:
                var load = SimChurn.AvailabilityTrace.Load(entry.Path!);
                trace = load.IsSuccess ? load.Value! : throw new ArgumentException($"churn trace: cannot load '{entry.Path}': {load.Error}");
                return trace.ToSchedule(_scenario.Nodes, horizon);
            default:
                return null;
        }
    }

    /// <inheritdoc />
    public void OnChurn(in SimChurn.ChurnEvent churnEvent)
    {
        var host = churnEvent.Node >= 0 ? _hosts[churnEvent.Node] : null;
        switch (churnEvent.Kind)
        {
            case SimChurn.ChurnKind.Crash when host is { Alive: true }:
                host.Halt();
                Network.SetOnline(host.Index, false);
                OnlineNodes--;
                Recorder.Churned(ChurnKind.Crash, 1);
                break;
            case SimChurn.ChurnKind.Leave when host is { Alive: true }:
                host.Node.Leave();
                host.Halt();
                OnlineNodes--;
                Recorder.Churned(ChurnKind.Leave, 1);
                Simulation.ScheduleAfter(SimTime.PerSecond * 5, () => Network.SetOnline(host.Index, host.Alive));
                break;
            case SimChurn.ChurnKind.Join when host is { Alive: false }:
                Network.SetOnline(host.Index, true);
                host.Alive = host.EverStarted = true;
                OnlineNodes++;
                Recorder.Joined(host);
                host.Node.Join();
                break;
            case SimChurn.ChurnKind.Partition or SimChurn.ChurnKind.Heal:
                throw new InvalidOperationException("Scheduled churn carries only node events.");
            default:
                break; // a crash of a node already down, a join of one already up: nothing to do
        }
    }

    // Uniform choice among running nodes, in slot order first so the choice is deterministic.
    private List<int> PickOnline(int count)
    {
        var online = new List<int>();
        for (var i = 0; i < _hosts.Length; i++)
        {
            if (_hosts[i].Alive)
            {
                online.Add(i);
            }
        }

        var picked = new List<int>();
        for (var k = 0; k < count && online.Count > 1; k++)
        {
            var j = _churnRandom.Next(online.Count);
            picked.Add(online[j]);
            online[j] = online[^1];
            online.RemoveAt(online.Count - 1);
        }

        return picked;
    }
}
