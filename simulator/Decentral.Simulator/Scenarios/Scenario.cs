using System.Text.Json.Serialization;
using Decentral.Baselines;
using Decentral.Learning;
using Decentral.Protocol;

namespace Decentral.Simulator.Scenarios;

/// <summary>
/// A simulation scenario as written in configs/*.json. Every field has a documented default, so
/// a file only states what differs. Durations are TimeSpan strings ("00:05:00" = 5 minutes).
/// Load with <see cref="ScenarioLoader"/>, which validates and names the offending field.
/// </summary>
public sealed class Scenario
{
    /// <summary>Name used in output paths and reports. Default "scenario".</summary>
    public string Name { get; set; } = "scenario";

    /// <summary>Seed of everything random in the run (same seed, same telemetry bytes). Default 1.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>
    /// The learning protocol: "modest" (default), or a baseline registered with the protocol factory.
    /// </summary>
    public string Algorithm { get; set; } = "modest";

    /// <summary>Founding nodes online at t=0. Default 100.</summary>
    public int Nodes { get; set; } = 100;

    /// <summary>When to stop.</summary>
    public StopSection Stop { get; set; } = new();

    /// <summary>MoDeST parameters (see <see cref="ModestOptions"/> for defaults).</summary>
    public ModestOptions Protocol { get; set; } = new();

    /// <summary>Parameters of the baseline algorithms (used only when <see cref="Algorithm"/> names one).</summary>
    public BaselineSection Baselines { get; set; } = new();

    /// <summary>Network model.</summary>
    public NetworkSection Network { get; set; } = new();

    /// <summary>Compute-time model.</summary>
    public ComputeSection Compute { get; set; } = new();

    /// <summary>What is learned.</summary>
    public LearningOptions Learning { get; set; } = new();

    /// <summary>Churn and failure events, applied in time order.</summary>
    public List<ChurnEvent> Churn { get; set; } = [];

    /// <summary>Byzantine peers: none by default.</summary>
    public AttackSection Attack { get; set; } = new();
}

/// <summary>Stop conditions; the run stops at whichever comes first.</summary>
public sealed class StopSection
{
    /// <summary>Stop after this many aggregated rounds. Default 100.</summary>
    public int Rounds { get; set; } = 100;

    /// <summary>Stop at this virtual time. Default 2 hours.</summary>
    public TimeSpan Time { get; set; } = TimeSpan.FromHours(2);
}

/// <summary>
/// Baseline parameters, one object per algorithm. FedAvg's sample size and Epidemic Learning's
/// fan-out are <c>protocol.sampleSize</c>, so all algorithms share s. FedAvg's server is node slot 0.
/// </summary>
public sealed class BaselineSection : BaselineSettings
{
    /// <summary>
    /// Upload and download bandwidth of the FedAvg server (slot 0) in Mbit/s; 0 = unlimited, the
    /// default, as in the MoDeST paper, whose server has unlimited transfer slots.
    /// </summary>
    public double FedAvgServerMbps { get; set; }
}

/// <summary>Network model parameters.</summary>
public sealed class NetworkSection
{
    /// <summary>
    /// Latency model: "synthetic" (227 sites drawn from the MoDeST latency distribution: median
    /// 67 ms, p10 16 ms, p90 133 ms, max 812 ms), "constant" (<see cref="ConstantLatency"/>), or a
    /// path to a site-matrix CSV (relative to the scenario file). Default "synthetic".
    /// </summary>
    public string Latency { get; set; } = "synthetic";

    /// <summary>One-way delay of the "constant" model. Default 50 ms.</summary>
    public TimeSpan ConstantLatency { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Sites of the synthetic model. Default 227.</summary>
    public int Sites { get; set; } = 227;

    /// <summary>Per-node upload bandwidth in Mbit/s (0 = unlimited). Default 100.</summary>
    public double UploadMbps { get; set; } = 100;

    /// <summary>Per-node download bandwidth in Mbit/s (0 = unlimited). Default 100.</summary>
    public double DownloadMbps { get; set; } = 100;

    /// <summary>Probability that a message is lost. Default 0.</summary>
    public double Loss { get; set; }
}

/// <summary>Compute-time model (FedScale): training takes 3 × batch × local steps × ms per sample.</summary>
public sealed class ComputeSection
{
    /// <summary>Median milliseconds per sample; devices vary lognormally around it. Default 13.6 (FedScale's 5 ms × e^1).</summary>
    public double MsPerSampleMedian { get; set; } = 5 * Math.E;

    /// <summary>Sigma of the lognormal device-speed spread (0 = identical devices). Default 0.6.</summary>
    public double Sigma { get; set; } = 0.6;

    /// <summary>
    /// Optional FedScale-style capacity trace (JSON or CSV: device, computation ms per sample,
    /// communication kbit/s), relative to the scenario file. When set, node i takes device
    /// i mod D: its speed and its link bandwidth (replacing network.uploadMbps/downloadMbps).
    /// </summary>
    public string? CapacityTrace { get; set; }
}

/// <summary>What a churn event does.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChurnKind>))]
public enum ChurnKind
{
    /// <summary>Nodes crash without notice (Count per Every, until Total are gone).</summary>
    Crash,

    /// <summary>Nodes leave gracefully (LEAVE advert).</summary>
    Leave,

    /// <summary>New nodes join (Count per Every, Total in all).</summary>
    Join,

    /// <summary>The network splits into Groups groups (nodes assigned round-robin).</summary>
    Partition,

    /// <summary>All partitions heal.</summary>
    Heal,

    /// <summary>
    /// Every founder alternates online sessions (Weibull <see cref="ChurnEvent.Shape"/>,
    /// <see cref="ChurnEvent.Scale"/>) and offline gaps (exponential, mean
    /// <see cref="ChurnEvent.OfflineMean"/>) from <see cref="ChurnEvent.At"/> on; a session ends
    /// in a graceful leave with probability <see cref="ChurnEvent.Graceful"/>, else in a crash.
    /// </summary>
    Sessions,

    /// <summary>
    /// Replays a FedScale-style availability trace (<see cref="ChurnEvent.Path"/>: JSON or CSV of
    /// per-device active/inactive times and finish_time, looped); node i follows device i mod D.
    /// Founders offline at t=0 start later, when their trace first turns them on.
    /// </summary>
    Trace,
}

/// <summary>
/// One churn event, possibly repeating: at <see cref="At"/>, then every <see cref="Every"/>,
/// <see cref="Count"/> nodes at a time until <see cref="Total"/> were affected.
/// </summary>
public sealed class ChurnEvent
{
    /// <summary>What happens.</summary>
    public ChurnKind Kind { get; set; }

    /// <summary>Virtual time of the first occurrence.</summary>
    public TimeSpan At { get; set; }

    /// <summary>Repeat interval (zero = once). Default zero.</summary>
    public TimeSpan Every { get; set; }

    /// <summary>Nodes per occurrence (crash, leave, join). Default 1.</summary>
    public int Count { get; set; } = 1;

    /// <summary>Nodes affected in all (defaults to <see cref="Count"/>, i.e. one occurrence).</summary>
    public int? Total { get; set; }

    /// <summary>Number of groups of a partition. Default 2.</summary>
    public int Groups { get; set; } = 2;

    /// <summary>Sessions: Weibull shape of session lengths. Default 0.5 (heavy-tailed, as P2P traces).</summary>
    public double Shape { get; set; } = 0.5;

    /// <summary>Sessions: Weibull scale of session lengths. Default 30 minutes.</summary>
    public TimeSpan Scale { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Sessions: mean offline gap. Default 10 minutes.</summary>
    public TimeSpan OfflineMean { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Sessions: probability that a session ends in a graceful leave. Default 0.5.</summary>
    public double Graceful { get; set; } = 0.5;

    /// <summary>Trace: the availability trace file, relative to the scenario file.</summary>
    public string? Path { get; set; }
}
