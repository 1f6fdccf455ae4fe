using Decentral.Simulator.Engine;
using Decentral.Simulator.Network;

namespace Decentral.Simulator.Compute;

/// <summary>
/// Per-node device capability: compute speed in ms per sample and, when known (capacity
/// trace), link speed in bytes per second. Flat arrays indexed by node.
/// </summary>
public sealed class DeviceProfiles
{
    private readonly float[] _msPerSample;
    private readonly double[]? _bytesPerSecond;

    private DeviceProfiles(float[] msPerSample, double[]? bytesPerSecond)
    {
        _msPerSample = msPerSample;
        _bytesPerSecond = bytesPerSecond;
    }

    /// <summary>Number of nodes.</summary>
    public int NodeCount => _msPerSample.Length;

    /// <summary>Whether the profiles carry link speeds (from a capacity trace).</summary>
    public bool HasBandwidth => _bytesPerSecond is not null;

    /// <summary>Milliseconds one sample takes on node <paramref name="node"/>'s device (forward pass).</summary>
    public double MsPerSample(int node) => _msPerSample[node];

    /// <summary>Link speed of node <paramref name="node"/> in bytes per second, or +infinity when unknown.</summary>
    public double BytesPerSecond(int node) => _bytesPerSecond?[node] ?? double.PositiveInfinity;

    /// <summary>Local-training time in ticks on node <paramref name="node"/>.</summary>
    public long TrainingTicks(int node, int batchSize, int localSteps) => ComputeModel.TrainingTicks(batchSize, localSteps, _msPerSample[node]);

    /// <summary>
    /// Synthetic speeds as in FedScale: ms per sample = <paramref name="baseMs"/> x
    /// lognormal(<paramref name="mu"/>, <paramref name="sigma"/>), seeded; defaults 5 ms, mu 1, sigma 0.6.
    /// </summary>
    public static DeviceProfiles Synthetic(int nodes, int seed, double baseMs = 5, double mu = 1, double sigma = 0.6)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        if (!(baseMs > 0) || !(sigma >= 0) || !double.IsFinite(mu))
        {
            throw new ArgumentOutOfRangeException(nameof(baseMs), "baseMs must be positive, sigma non-negative, mu finite.");
        }

        var random = new Random(seed);
        var ms = new float[nodes];
        for (int i = 0; i < nodes; i++)
        {
            ms[i] = (float)(baseMs * Math.Exp(mu + (sigma * RandomDraws.StandardNormal(random))));
        }

        return new DeviceProfiles(ms, null);
    }

    /// <summary>Node i takes device i mod D of <paramref name="trace"/>.</summary>
    public static DeviceProfiles FromTrace(CapacityTrace trace, int nodes)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        var ms = new float[nodes];
        var bps = new double[nodes];
        for (int i = 0; i < nodes; i++)
        {
            var device = trace.Devices[i % trace.Devices.Count];
            ms[i] = (float)device.MsPerSample;
            bps[i] = device.KbitPerSecond * 1000 / 8;
        }

        return new DeviceProfiles(ms, bps);
    }

    /// <summary>Sets each node's upload and download capacity to its link speed (when the profiles have one).</summary>
    public void ApplyBandwidth(SimNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (_bytesPerSecond is null)
        {
            return;
        }

        for (int i = 0; i < Math.Min(network.NodeCount, NodeCount); i++)
        {
            network.SetBandwidth(i, _bytesPerSecond[i], _bytesPerSecond[i]);
        }
    }
}
