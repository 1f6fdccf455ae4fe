using Decentral.Telemetry;

namespace Decentral.Dashboard.Views;

/// <summary>One node's inputs to a view: its dashboard name, its node.json (if readable) and its rows.</summary>
internal sealed record NodeInput(string Name, NodeStatus? Status, IReadOnlyList<RoundRow> Rows);

/// <summary>
/// Merges the telemetry of a fleet's nodes by wall time into a <see cref="FleetView"/>. A row's
/// wall time is its <c>unix_s</c>, else node.json's start plus its <c>time_s</c>; rows with
/// neither are counted but not placed in time. A node's sessions come from its rows (each row's
/// <c>unix_s - time_s</c> is the start of the session that wrote it) and from node.json for the
/// current one, which ends now while the node runs and refreshes node.json, and at its last sign
/// of life otherwise.
/// </summary>
internal sealed class FleetViewBuilder(TimeProvider time)
{
    /// <summary>A running node whose node.json is older than this is shown as not responding (it refreshes every ~10 s).</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(30);

    /// <summary>Rounds in <see cref="FleetView.Rounds"/>: the latest ones.</summary>
    public const int MaxRounds = 2000;

    /// <summary>Points per time series: longer series keep every k-th point and the last.</summary>
    public const int MaxPoints = 1500;

    // Two rows belong to the same session when their starts differ by less than this (unix_s and
    // time_s are rounded and written at slightly different instants).
    private const double SameSessionSeconds = 2;

    // Rounds per minute covers at most the last week, so one node with a clock far off cannot
    // make the series unbounded.
    private const int MaxMinutes = 7 * 24 * 60;

    /// <summary>Builds the view of <paramref name="nodes"/>.</summary>
    public FleetView Build(string name, string kind, IReadOnlyList<NodeInput> nodes)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        var kinds = RoundRow.KindNames;
        var accuracy = new List<double[]>();
        var loss = new List<double[]>();
        var rounds = new SortedDictionary<long, (double UnixS, SortedSet<int> Aggregators, SortedSet<int> Trainers)>();
        var traffic = new List<IReadOnlyList<double[]>>();
        var views = new List<IReadOnlyList<double[]>>();
        var summaries = new List<NodeSummary>();
        var sessions = new List<double[]>();
        var checks = new List<(double UnixS, int Check, long Peers)>();
        var (firstRow, lastRow) = (double.PositiveInfinity, double.NegativeInfinity);
        for (var n = 0; n < nodes.Count; n++)
        {
            var node = nodes[n];
            var bytesByKind = new long[kinds.Count];
            var cumulative = new List<double[]>();
            var viewSizes = new List<double[]>();
            long bytes = 0, refused = 0;
            int aggregated = 0, trained = 0;
            double? lastAccuracy = null;
            foreach (var row in node.Rows)
            {
                var wall = WallTime(row, node.Status);
                var aggregator = row.Role != NodeRole.Trainer;
                var rowBytes = 0L;
                for (var k = 0; k < kinds.Count; k++)
                {
                    var b = row.BytesOf(kinds[k]);
                    bytesByKind[k] += b;
                    rowBytes += b;
                }

                bytes += rowBytes;
                refused += row.Rejected.Sum();
                if (aggregator)
                {
                    aggregated++;
                }
                else
                {
                    trained++;
                }

                if (aggregator && row.Evaluation is { Accuracy: var a } && double.IsFinite(a))
                {
                    lastAccuracy = a;
                }

                if (wall is not { } t)
                {
                    continue;
                }

                cumulative.Add([t, bytes]);
                (firstRow, lastRow) = (Math.Min(firstRow, t), Math.Max(lastRow, t));
                for (var k = 0; k < row.Checks.Length; k++)
                {
                    if (row.Checks[k] > 0)
                    {
                        checks.Add((t, k, row.Checks[k]));
                    }
                }

                viewSizes.Add([t, row.ViewSize]);
                if (aggregator && row.Evaluation is { Accuracy: var acc } && double.IsFinite(acc))
                {
                    accuracy.Add([t, acc, n, row.Round]);
                }

                if (!aggregator && row.Evaluation is { Loss: var l } && double.IsFinite(l))
                {
                    loss.Add([t, l, n, row.Round]);
                }

                var entry = rounds.TryGetValue(row.Round, out var e) ? e : (UnixS: t, Aggregators: new SortedSet<int>(), Trainers: new SortedSet<int>());
                // A round's time is its first aggregation; trainer rows place it only until one arrives.
                if (aggregator && (entry.Aggregators.Count == 0 || t < entry.UnixS) || !aggregator && entry.Aggregators.Count == 0 && t < entry.UnixS)
                {
                    entry.UnixS = t;
                }

                (aggregator ? entry.Aggregators : entry.Trainers).Add(n);
                rounds[row.Round] = entry;
            }

            var state = State(node.Status, now);
            var nodeSessions = Sessions(node, state, now);
            sessions.AddRange(nodeSessions);
            traffic.Add(Thin(cumulative));
            views.Add(Thin(viewSizes));
            summaries.Add(new NodeSummary
            {
                Name = node.Name,
                PeerId = node.Status?.PeerId is { Length: > 0 } peer ? peer : node.Rows.Select(r => r.Node).FirstOrDefault(p => p is not null) ?? "",
                Slot = node.Status?.Slot ?? -1,
                State = state,
                StartedUnixS = node.Status?.StartedUnixSeconds,
                UpdatedUnixS = node.Status?.UpdatedUnixSeconds,
                Session = node.Status?.Session ?? "",
                Phase = node.Status?.Phase ?? "",
                Pid = node.Status?.Pid ?? 0,
                Listen = node.Status?.Listen ?? [],
                Announce = node.Status?.Announce ?? [],
                Rows = node.Rows.Count,
                Aggregated = aggregated,
                Trained = trained,
                LastRound = node.Rows.Count == 0 ? 0 : node.Rows.Max(r => r.Round),
                Accuracy = lastAccuracy,
                Bytes = bytes,
                BytesByKind = bytesByKind,
                Refused = refused,
                ViewSize = node.Rows.Count == 0 ? 0 : node.Rows[^1].ViewSize,
                Sessions = nodeSessions,
            });
        }

        accuracy.Sort((a, b) => a[0].CompareTo(b[0]));
        loss.Sort((a, b) => a[0].CompareTo(b[0]));
        return new FleetView
        {
            Name = name,
            Kind = kind,
            NowUnixS = now,
            Kinds = kinds,
            Nodes = summaries,
            Accuracy = Thin(accuracy),
            TrainingLoss = Thin(loss),
            RoundsPerMinute = PerMinute(rounds.Values.Select(r => r.UnixS)),
            Rounds = [.. rounds.Skip(Math.Max(0, rounds.Count - MaxRounds)).Select(r => new RoundParticipation(r.Key, r.Value.UnixS, [.. r.Value.Aggregators], [.. r.Value.Trainers]))],
            Running = Running(sessions, now),
            Traffic = traffic,
            Views = views,
            CheckNames = RoundRow.CheckNames,
            Checks = Checks(checks, firstRow, lastRow),
        };
    }

    // Per check outcome, the peers the fleet's round checks found so far: [unix_s, cumulative],
    // from the first row to the last, so every series spans the same time (flat at 0 when none).
    private static List<IReadOnlyList<double[]>> Checks(List<(double UnixS, int Check, long Peers)> found, double first, double last)
    {
        var series = new List<IReadOnlyList<double[]>>();
        if (first > last)
        {
            return [.. RoundRow.CheckNames.Select(_ => (IReadOnlyList<double[]>)[])];
        }

        found.Sort((a, b) => a.UnixS.CompareTo(b.UnixS));
        for (var k = 0; k < RoundRow.CheckNames.Count; k++)
        {
            var points = new List<double[]> { new[] { first, 0.0 } };
            var total = 0L;
            foreach (var (t, check, peers) in found)
            {
                if (check == k)
                {
                    total += peers;
                    points.Add([t, total]);
                }
            }

            points.Add([last, total]);
            series.Add(Thin(points));
        }

        return series;
    }

    /// <summary>A row's wall time: its unix_s, else node.json's start plus its time_s; null when neither is known.</summary>
    public static double? WallTime(RoundRow row, NodeStatus? status) =>
        row.UnixSeconds ?? (status is { StartedUnixSeconds: > 0 } s ? s.StartedUnixSeconds + row.TimeSeconds : null);

    /// <summary>What the page says about a node's state.</summary>
    public static string State(NodeStatus? status, double now) => status switch
    {
        null => "no status",
        { Stopped: true } => "stopped",
        _ when now - status.UpdatedUnixSeconds > StaleAfter.TotalSeconds => "not responding",
        _ => "running",
    };

    private static List<double[]> Sessions(NodeInput node, string state, double now)
    {
        var sessions = new List<double[]>();
        foreach (var row in node.Rows)
        {
            if (row.UnixSeconds is not { } t)
            {
                continue;
            }

            var start = t - row.TimeSeconds;
            if (sessions.FirstOrDefault(s => Math.Abs(s[0] - start) < SameSessionSeconds) is { } session)
            {
                session[1] = Math.Max(session[1], t);
            }
            else
            {
                sessions.Add([start, t]);
            }
        }

        if (node.Status is { StartedUnixSeconds: > 0 } status)
        {
            var current = sessions.FirstOrDefault(s => Math.Abs(s[0] - status.StartedUnixSeconds) < SameSessionSeconds);
            if (current is null)
            {
                current = [status.StartedUnixSeconds, status.StartedUnixSeconds];
                sessions.Add(current);
            }

            current[1] = Math.Max(current[1], state == "running" ? now : status.UpdatedUnixSeconds);
        }

        sessions.Sort((a, b) => a[0].CompareTo(b[0]));
        return sessions;
    }

    // Step series of how many sessions are open: one point per start or end, then one at now.
    private static List<double[]> Running(List<double[]> sessions, double now)
    {
        if (sessions.Count == 0)
        {
            return [];
        }

        // A session still open ends now: it has no end event, and the series runs on to now.
        var events = sessions.SelectMany(s => s[1] >= now ? new[] { (T: s[0], Delta: 1) } : [(T: s[0], Delta: 1), (T: s[1], Delta: -1)])
            .OrderBy(e => e.T).ThenBy(e => e.Delta).ToList();
        var points = new List<double[]>();
        var running = 0;
        foreach (var group in events.GroupBy(e => e.T))
        {
            running += group.Sum(e => e.Delta);
            points.Add([group.Key, running]);
        }

        if (points[^1][0] < now)
        {
            points.Add([now, running]);
        }

        return Thin(points);
    }

    private static List<double[]> PerMinute(IEnumerable<double> times)
    {
        var minutes = times.Select(t => Math.Floor(t / 60)).ToList();
        if (minutes.Count == 0)
        {
            return [];
        }

        var counts = minutes.GroupBy(m => m).ToDictionary(g => g.Key, g => g.Count());
        var last = minutes.Max();
        var first = Math.Max(minutes.Min(), last - MaxMinutes);
        return [.. Enumerable.Range(0, (int)(last - first) + 1).Select(i => new[] { (first + i) * 60, counts.GetValueOrDefault(first + i) })];
    }

    private static List<double[]> Thin(List<double[]> points)
    {
        if (points.Count <= MaxPoints)
        {
            return points;
        }

        var stride = (points.Count + MaxPoints - 1) / MaxPoints;
        var thinned = points.Where((_, i) => i % stride == 0).ToList();
        if (!ReferenceEquals(thinned[^1], points[^1]))
        {
            thinned.Add(points[^1]);
        }

        return thinned;
    }
}
