using Decentral.Simulator.Engine;

namespace Decentral.Simulator.Churn;

/// <summary>Seeded generators of churn: Poisson arrivals and alternating online/offline sessions.</summary>
public static class ChurnGenerators
{
    /// <summary>
    /// Arrival times of a Poisson process with <paramref name="ratePerSecond"/> in
    /// [<paramref name="start"/>, <paramref name="end"/>), in ticks, increasing.
    /// </summary>
    public static IReadOnlyList<long> PoissonArrivals(double ratePerSecond, TimeSpan start, TimeSpan end, int seed)
    {
        if (!(ratePerSecond > 0) || double.IsInfinity(ratePerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(ratePerSecond), ratePerSecond, "Rate must be positive and finite.");
        }

        var gaps = SessionDistribution.Exponential(TimeSpan.FromSeconds(1 / ratePerSecond));
        var random = new Random(seed);
        long t = SimTime.FromTimeSpan(start);
        long stop = SimTime.FromTimeSpan(end);
        var times = new List<long>();
        while ((t += gaps.Sample(random)) < stop)
        {
            times.Add(t);
        }

        return times;
    }

    /// <summary>
    /// Joins <paramref name="nodes"/> (in order) at Poisson arrival times; at most one join per node.
    /// </summary>
    public static ChurnSchedule PoissonJoins(IReadOnlyList<int> nodes, double ratePerSecond, TimeSpan start, TimeSpan end, int seed)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var schedule = new ChurnSchedule();
        var arrivals = PoissonArrivals(ratePerSecond, start, end, seed);
        for (int i = 0; i < arrivals.Count && i < nodes.Count; i++)
        {
            schedule.Add(new ChurnEvent(arrivals[i], ChurnKind.Join, nodes[i]));
        }

        return schedule;
    }

    /// <summary>
    /// Each of <paramref name="nodes"/> (online at time 0) alternates sessions drawn from
    /// <paramref name="online"/> and absences drawn from <paramref name="offline"/> until
    /// <paramref name="horizon"/>. A session ends in a graceful Leave with probability
    /// <paramref name="gracefulFraction"/>, otherwise in a Crash. Every node has its own random
    /// stream derived from <paramref name="seed"/> and its index, so adding nodes does not
    /// change the others' churn.
    /// </summary>
    public static ChurnSchedule Sessions(
        IReadOnlyList<int> nodes,
        SessionDistribution online,
        SessionDistribution offline,
        TimeSpan horizon,
        double gracefulFraction,
        int seed)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(online);
        ArgumentNullException.ThrowIfNull(offline);
        if (!(gracefulFraction >= 0 && gracefulFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(gracefulFraction), gracefulFraction, "Must be in [0,1].");
        }

        long end = SimTime.FromTimeSpan(horizon);
        var schedule = new ChurnSchedule();
        foreach (int node in nodes)
        {
            var random = new Random(Seeds.Derive(seed, node));
            long t = 0;
            while (true)
            {
                t += online.Sample(random);
                if (t >= end)
                {
                    break;
                }

                var kind = random.NextDouble() < gracefulFraction ? ChurnKind.Leave : ChurnKind.Crash;
                schedule.Add(new ChurnEvent(t, kind, node));
                t += offline.Sample(random);
                if (t >= end)
                {
                    break;
                }

                schedule.Add(new ChurnEvent(t, ChurnKind.Join, node));
            }
        }

        return schedule;
    }
}
