using Decentral.Codecs;
using Decentral.Learning;
using Decentral.Simulator.Scenarios;

namespace Decentral.Simulator.Cli.Reproduction;

/// <summary>One simulation of the reproduction.</summary>
/// <param name="Id">File-name-safe id ("mnist-dir0.1-modest", "mnist-dir0.1-modest-int8+zstd").</param>
/// <param name="Group">The comparison it belongs to ("mnist-dir0.1"); one table and two plots per group.</param>
/// <param name="Algorithm">The algorithm run, as tables and plots name it: the scenario's algorithm, followed by the codec when it is not plain fp32 ("modest int8+zstd").</param>
/// <param name="Scenario">The full scenario.</param>
public sealed record Experiment(string Id, string Group, string Algorithm, Scenario Scenario)
{
    /// <summary>Robustness suite: the attack's id ("signflip", "aggregator"; "clean" for none, "" outside the suite).</summary>
    public string Attack { get; init; } = "";

    /// <summary>Robustness suite: the attacker fraction (0 for attack-free runs).</summary>
    public double Fraction { get; init; }

    /// <summary>Robustness suite: the defence's id (<see cref="RobustnessPlan.Defences"/>, <see cref="RobustnessPlan.AggregatorSetups"/>).</summary>
    public string Defence { get; init; } = "";

    /// <summary>True when the metric is RMSE (lower is better) rather than accuracy.</summary>
    public bool LowerIsBetter => Scenario.Learning.Model == "mf";

    /// <summary>The seed of this run (the scenario's).</summary>
    public int Seed => Scenario.Seed;

    /// <summary>
    /// Name of this run's files: the id for the plan's first seed, "{id}-s{seed}" for the others
    /// ("mnist-dir0.1-modest-s2").
    /// </summary>
    public string RunName => Seed == ReproductionPlan.FirstSeed ? Id : $"{Id}-s{Seed}";
}

/// <summary>
/// The experiments the issue asks for: MoDeST, FedAvg, D-PSGD and Gossip Learning on MNIST and
/// Fashion-MNIST (100 nodes, Dirichlet alpha 0.1 and IID) and on MovieLens (one user per node),
/// plus MoDeST's crash and join experiments. Full mode trains LeNet-5 / matrix factorisation with
/// TorchSharp; quick mode trains softmax regression on the same images for a shorter virtual time
/// (MovieLens keeps matrix factorisation, which is cheap). All runs of a comparison stop at the
/// same virtual time, so algorithms with short rounds are not cut off early.
/// </summary>
public static class ReproductionPlan
{
    /// <summary>The compared algorithms, in table order.</summary>
    public static IReadOnlyList<string> Algorithms { get; } = ["modest", "fedavg", "dpsgd", "gossip"];

    /// <summary>
    /// The codecs MoDeST also runs with on the image comparisons, each against plain fp32 MoDeST
    /// (ids "{group}-modest-{codec}", e.g. "mnist-iid-modest-int8+zstd").
    /// </summary>
    public static IReadOnlyList<ModelCodecOptions> Codecs { get; } =
    [
        new() { Quantizer = ModelCodecOptions.Fp16 },
        new() { Quantizer = ModelCodecOptions.Int8 },
        new() { Quantizer = ModelCodecOptions.Int8, Lossless = ModelCodecOptions.Zstd },
        new() { Quantizer = ModelCodecOptions.Int8, TopK = 0.1, Lossless = ModelCodecOptions.Zstd },
        new() { Quantizer = ModelCodecOptions.Int8, TopK = 0.01, Lossless = ModelCodecOptions.Zstd },
    ];

    /// <summary>The seed every scenario of the plan starts from; further seeds count up from it.</summary>
    public const int FirstSeed = 1;

    /// <summary>
    /// Every experiment of the chosen mode, each with <paramref name="seeds"/> seeds
    /// (<see cref="FirstSeed"/> + 0 .. seeds - 1), the seeds of one experiment next to each other.
    /// </summary>
    public static List<Experiment> Create(bool quick, int seeds = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seeds, 1);

        // A fresh plan per seed, so that no two runs share a mutable scenario.
        var plans = Enumerable.Range(0, seeds).Select(k =>
        {
            var plan = CreateOne(quick);
            plan.ForEach(e => e.Scenario.Seed += k);
            return plan;
        }).ToList();
        return Enumerable.Range(0, plans[0].Count).SelectMany(i => plans.Select(plan => plan[i])).ToList();
    }

    private static List<Experiment> CreateOne(bool quick)
    {
        var list = new List<Experiment>();
        var minutes = quick ? 20 : 30;
        foreach (var task in new[] { "mnist", "fashion-mnist" })
        {
            foreach (var (split, alpha) in new[] { ("dir0.1", 0.1), ("iid", 0.0) })
            {
                var group = $"{task}-{split}";
                foreach (var algorithm in Algorithms)
                {
                    list.Add(new Experiment($"{group}-{algorithm}", group, algorithm, Images(group, algorithm, task, alpha, quick, minutes)));
                    if (algorithm == "modest")
                    {
                        foreach (var codec in Codecs)
                        {
                            var id = $"{group}-modest-{codec.Name}";
                            var scenario = Images(group, "modest", task, alpha, quick, minutes);
                            scenario.Name = id;
                            scenario.Protocol.Codec = new ModelCodecOptions { Quantizer = codec.Quantizer, BlockSize = codec.BlockSize, TopK = codec.TopK, Lossless = codec.Lossless };
                            list.Add(new Experiment(id, group, $"modest {codec.Name}", scenario));
                        }
                    }
                }
            }
        }

        // MovieLens: lr 0.3 on the batch-mean MSE (0.1 left item rows, which appear about once
        // per batch of one user's ratings, with a step of 0.01 x error per rating). A user's own
        // rows see the whole batch, so their step is 0.6 x mean error: 5 steps converge without
        // overshoot. Trainers scale their updates by the number of models their algorithm averages
        // (TorchLearning.ForRatings). MoDeST's inactivity threshold T must exceed N/s by a wide margin:
        // with 671 peers and s = 10 a peer is sampled every 67 rounds on average, so the default
        // T = 50 would leave most users unsampled (inactive) for good after round 50; with T = 1000
        // a live peer drops out only after 1000 rounds unsampled (probability e^-15).
        foreach (var algorithm in Algorithms)
        {
            var s = Base("movielens-" + algorithm, algorithm, 671, quick ? 10 : 20);
            s.Protocol.InactivityThreshold = 1000;
            s.Learning = new LearningOptions { Task = "movielens", Model = "mf", Alpha = 0, LearningRate = 0.3, BatchSize = 20, LocalSteps = 5, EvalEveryRounds = EvalEvery(algorithm, quick) };
            list.Add(new Experiment(s.Name, "movielens", algorithm, s));
        }

        list.Add(Crash("crash", 0.1, quick));
        list.Add(Crash("crash-iid", 0, quick));
        var join = Images("join", "modest", "mnist", 0.1, quick, 15);
        join.Name = "join";
        join.Nodes = 90;
        join.Churn = [new ChurnEvent { Kind = ChurnKind.Join, At = TimeSpan.FromMinutes(1), Every = TimeSpan.FromMinutes(1), Count = 1, Total = 10 }];
        list.Add(new Experiment("join", "join", "modest", join));
        return list;
    }

    // The paper's crash experiment: from t=300 s five nodes crash every 60 s until 80 of 100 are gone (t=1200 s).
    private static Experiment Crash(string id, double alpha, bool quick)
    {
        var crash = Images(id, "modest", "mnist", alpha, quick, 30);
        crash.Name = id;
        crash.Protocol = new Protocol.ModestOptions
        {
            SuccessFraction = 0.8,
            PingTimeout = TimeSpan.FromSeconds(2),
            InactivityThreshold = 20,
            MinModels = 1,
            AggregationTimeout = TimeSpan.FromMinutes(1),
            AckTimeout = TimeSpan.FromSeconds(90),
        };
        crash.Churn = [new ChurnEvent { Kind = ChurnKind.Crash, At = TimeSpan.FromMinutes(5), Every = TimeSpan.FromMinutes(1), Count = 5, Total = 80 }];
        return new Experiment(id, id, "modest", crash);
    }

    private static Scenario Images(string group, string algorithm, string task, double alpha, bool quick, int minutes)
    {
        var s = Base($"{group}-{algorithm}", algorithm, 100, minutes);
        s.Learning = new LearningOptions
        {
            Task = task,
            Model = quick ? "softmax" : "lenet",
            Alpha = alpha,
            LearningRate = quick ? 0.05 : 0.1,
            BatchSize = 20,
            LocalSteps = 5,
            EvalEveryRounds = EvalEvery(algorithm, quick),
        };
        return s;
    }

    private static Scenario Base(string name, string algorithm, int nodes, int minutes) => new()
    {
        Name = name,
        Seed = FirstSeed,
        Algorithm = algorithm,
        Nodes = nodes,
        Stop = new StopSection { Rounds = 100_000, Time = TimeSpan.FromMinutes(minutes) },
    };

    // Gossip rows are 60 s period ticks; the round-based algorithms finish a round every ~5-15 s, and
    // a LeNet evaluation costs seconds of wall time, so full mode evaluates every 6th round.
    private static int EvalEvery(string algorithm, bool quick) => algorithm == "gossip" || quick ? 1 : 6;
}
