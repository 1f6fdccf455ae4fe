namespace Decentral.Baselines;

/// <summary>
/// The baselines' parameters, one object per algorithm: the `baselines` section of a simulation
/// scenario and of a node's configuration. FedAvg's sample size and Epidemic Learning's fan-out
/// are <c>protocol.sampleSize</c>, so all algorithms share s.
/// </summary>
public class BaselineSettings
{
    /// <summary>"fedavg": round timeout (default 300 s) and minimum models at the timeout (default 1).</summary>
    public FedAvgOptions FedAvg { get; set; } = new();

    /// <summary>"dpsgd": topology (default "exponential"; "ring", "regular"), degree (default 4) and round timeout (default 300 s).</summary>
    public DpsgdOptions Dpsgd { get; set; } = new();

    /// <summary>"gossip": push period (default 60 s).</summary>
    public GossipOptions Gossip { get; set; } = new();

    /// <summary>"epidemic": wait after sending before averaging with fewer than s models (default 10 s).</summary>
    public EpidemicOptions Epidemic { get; set; } = new();

    /// <summary>Every problem of the four option sets, each prefixed with its set's name ("Dpsgd.Degree ...").</summary>
    public IReadOnlyList<string> Validate() =>
    [
        .. FedAvg.Validate().Select(e => $"{nameof(FedAvg)}.{e}"),
        .. Dpsgd.Validate().Select(e => $"{nameof(Dpsgd)}.{e}"),
        .. Gossip.Validate().Select(e => $"{nameof(Gossip)}.{e}"),
        .. Epidemic.Validate().Select(e => $"{nameof(Epidemic)}.{e}"),
    ];
}
