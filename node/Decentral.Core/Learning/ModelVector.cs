namespace Decentral.Learning;

/// <summary>
/// A model as a flat float32 parameter vector plus the id of the layout (architecture and
/// parameter order) it belongs to. Treated as immutable once published: the protocol shares one
/// instance between messages and (in simulation) between nodes, so nobody writes into
/// <see cref="Parameters"/> after construction.
/// </summary>
public sealed class ModelVector
{
    /// <summary>Wraps <paramref name="parameters"/> without copying; the caller gives up ownership.</summary>
    public ModelVector(string layoutId, float[] parameters, long samplesTrained = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(layoutId);
        ArgumentNullException.ThrowIfNull(parameters);
        LayoutId = layoutId;
        Parameters = parameters;
        SamplesTrained = samplesTrained;
    }

    /// <summary>Identifies the architecture; models of different layouts never mix.</summary>
    public string LayoutId { get; }

    /// <summary>The parameters in layout order.</summary>
    public float[] Parameters { get; }

    /// <summary>Total number of samples this model has seen (used by age-weighted baselines).</summary>
    public long SamplesTrained { get; }

    /// <summary>Number of parameters.</summary>
    public int Length => Parameters.Length;

    /// <summary>Size of the parameters on the wire in bytes (float32).</summary>
    public long PayloadBytes => (long)Parameters.Length * sizeof(float);
}
