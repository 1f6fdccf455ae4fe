using Decentral.Learning;
using Decentral.Protocol;
using Decentral.Telemetry;

namespace Decentral.Dashboard.Tests.TestKit;

/// <summary>
/// Writes a fleet folder (fleet/node-0, node-1, ...) following the node's file contract: each
/// node's node.json, and telemetry.jsonl with its aggregator rows (role "aggregator", accuracy
/// on evaluated rounds) and trainer rows (role "trainer", models 0, training loss), each with
/// unix_s, time_s since that node started and its peer id. Rounds come every
/// <see cref="SecondsPerRound"/> wall seconds; each has <see cref="SampleSize"/> trainers, the
/// first of which aggregates. Deterministic for a seed.
/// </summary>
internal sealed class SyntheticFleet
{
    public const double SecondsPerRound = 6;
    public const int SampleSize = 3;

    private const string Base58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private readonly Random _random;
    private readonly long[] _total;

    public SyntheticFleet(string folder, int nodes, double startUnixSeconds, int seed = 1)
    {
        Folder = Directory.CreateDirectory(folder).FullName;
        StartUnixSeconds = startUnixSeconds;
        _random = new Random(seed);
        _total = new long[nodes];
        Nodes = [.. Enumerable.Range(0, nodes).Select(i => new SyntheticNode(
            Directory.CreateDirectory(Path.Combine(Folder, $"node-{i}")).FullName,
            "12D3KooW" + new string([.. Enumerable.Range(0, 44).Select(_ => Base58[_random.Next(Base58.Length)])]),
            i,
            startUnixSeconds + i * 0.5))];
        foreach (var node in Nodes)
        {
            WriteStatus(node, node.StartedUnixSeconds, "running");
        }
    }

    public string Folder { get; }

    public double StartUnixSeconds { get; }

    public IReadOnlyList<SyntheticNode> Nodes { get; }

    public long LastRound { get; private set; } = 1;

    // The round of the latest Stop: in the round after it, the aggregator's trainer check finds the
    // stopped node silent, and each trainer's aggregator check finds it silent too.
    private long _stoppedAt = -1;

    /// <summary>Wall time of a round's aggregation.</summary>
    public double RoundTime(long round) => StartUnixSeconds + 10 + round * SecondsPerRound;

    /// <summary>Writes rounds up to <paramref name="lastRound"/> among the running nodes, and refreshes their node.json.</summary>
    public SyntheticFleet WriteUntil(long lastRound)
    {
        while (LastRound < lastRound)
        {
            var round = ++LastRound;
            var t = RoundTime(round);
            var running = Nodes.Where(n => n.Running).ToList();
            var sample = running.OrderBy(_ => _random.Next()).Take(SampleSize).ToList();
            foreach (var trainer in sample)
            {
                Append(trainer, round, t - 3, NodeRole.Trainer, sample, models: 0, loss: 2.2 * Math.Exp(-round / 25.0) + 0.2 + _random.NextDouble() * 0.05);
            }

            var accuracy = round == 2 || round % 4 == 0 ? 0.92 - 0.7 * Math.Exp(-round / 18.0) + _random.NextDouble() * 0.01 : (double?)null;
            Append(sample[0], round, t, NodeRole.Aggregator, sample, models: sample.Count, accuracy: accuracy);
        }

        // A node refreshes node.json every ~10 s, not every row: once per call is enough here.
        foreach (var node in Nodes.Where(n => n.Running))
        {
            WriteStatus(node, node.StartedUnixSeconds, "running", RoundTime(LastRound));
        }

        return this;
    }

    /// <summary>Stops a node: node.json says stopped at the last round's time.</summary>
    public void Stop(int index)
    {
        var node = Nodes[index];
        node.Running = false;
        _stoppedAt = LastRound;
        WriteStatus(node, node.StartedUnixSeconds, "stopped", RoundTime(LastRound) + 1);
    }

    /// <summary>Starts a stopped node again: a new session from the next round's time.</summary>
    public void Restart(int index)
    {
        var node = Nodes[index];
        node.Running = true;
        node.StartedUnixSeconds = RoundTime(LastRound) + 2;
        node.Session++;
        WriteStatus(node, node.StartedUnixSeconds, "running", node.StartedUnixSeconds);
    }

    private void Append(SyntheticNode node, long round, double unix, NodeRole role, List<SyntheticNode> sample, int models, double? accuracy = null, double? loss = null)
    {
        var bytes = new long[RoundRow.Kinds.Count + 1];
        if (role == NodeRole.Trainer)
        {
            bytes[(int)MessageKind.TrainedModel] = 31_500;
            bytes[(int)MessageKind.Ping] = 180;
            bytes[(int)MessageKind.Pong] = 180;
        }
        else
        {
            bytes[(int)MessageKind.AggregatedModel] = 31_800L * SampleSize;
            bytes[(int)MessageKind.Ack] = 120L * models;
            bytes[(int)MessageKind.Advert] = round % 7 == 0 ? 900 : 0;
        }

        _total[node.Index] += bytes.Sum();
        var row = new RoundRow
        {
            Round = round,
            TimeSeconds = unix - node.StartedUnixSeconds,
            UnixSeconds = unix,
            Role = role,
            Node = node.PeerId,
            Sample = [.. sample.Select(n => n.Index)],
            Aggregators = [sample[0].Index],
            ModelsAggregated = models,
            OnlineNodes = Nodes.Count(n => n.Running),
            ViewSize = Nodes.Count(n => n.Running) - 1,
            TotalBytes = _total[node.Index],
            Evaluation = accuracy is { } a ? new Evaluation(a, 0.4, double.NaN, 1000) : loss is { } l ? new Evaluation(double.NaN, l, double.NaN, 0) : null,
        };
        bytes.CopyTo(row.BytesByKind, 0);
        if (round == _stoppedAt + 1)
        {
            row.Checks[RoundRow.CheckIndex(role == NodeRole.Trainer ? ObservationKind.AggregatorSilent : ObservationKind.TrainersSilent)!.Value] = 1;
            node.Checks++;
        }

        File.AppendAllText(Path.Combine(node.Folder, "telemetry.jsonl"), row.ToJson() + "\n");
    }

    private static void WriteStatus(SyntheticNode node, double started, string state, double? updated = null)
    {
        var status = new NodeStatus
        {
            PeerId = node.PeerId,
            Session = node.Session.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Slot = node.Index,
            Listen = [$"/ip4/0.0.0.0/tcp/{4001 + node.Index}"],
            Announce = [$"/ip4/127.0.0.1/tcp/{4001 + node.Index}/p2p/{node.PeerId}"],
            StartedUnixSeconds = started,
            UpdatedUnixSeconds = updated ?? started,
            State = state,
            Pid = 4000 + node.Index,
        };
        // Written whole and renamed, as a node does, so a reader never sees half a file.
        var path = Path.Combine(node.Folder, NodeStatus.FileName);
        File.WriteAllText(path + ".tmp", status.ToJson());
        File.Move(path + ".tmp", path, overwrite: true);
    }
}

/// <summary>One node of a <see cref="SyntheticFleet"/>.</summary>
internal sealed class SyntheticNode(string folder, string peerId, int index, double started)
{
    public string Folder { get; } = folder;

    public string PeerId { get; } = peerId;

    public int Index { get; } = index;

    public double StartedUnixSeconds { get; set; } = started;

    public int Session { get; set; } = 1;

    public bool Running { get; set; } = true;

    /// <summary>Peers its rows say its round checks found.</summary>
    public long Checks { get; set; }
}
