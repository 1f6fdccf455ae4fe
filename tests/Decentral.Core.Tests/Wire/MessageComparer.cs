using System.Runtime.InteropServices;
using Decentral.Learning;
using Decentral.Protocol;

namespace Decentral.Core.Tests.Wire;

/// <summary>
/// Structural equality of protocol messages: the records hold a <see cref="ModelVector"/> and
/// lists, which compare by reference, so round-trip tests compare field by field (floats by bit
/// pattern, so -0 and 0 differ).
/// </summary>
public static class MessageComparer
{
    /// <summary>Null when equal, otherwise the first difference.</summary>
    public static string? Difference(ProtocolMessage expected, ProtocolMessage actual)
    {
        if (expected.GetType() != actual.GetType())
        {
            return $"type {expected.GetType().Name} vs {actual.GetType().Name}";
        }

        return (expected, actual) switch
        {
            (TrainedModel e, TrainedModel a) => Check(e.Round == a.Round && e.SampleCount == a.SampleCount, "round/sampleCount")
                ?? Model(e.Model, a.Model) ?? View(e.View, a.View),
            (AggregatedModel e, AggregatedModel a) => Check(e.Round == a.Round, "round") ?? Model(e.Model, a.Model) ?? View(e.View, a.View),
            (ViewSnapshot e, ViewSnapshot a) => View(e.View, a.View),
            _ => Check(expected.Equals(actual), $"{expected} vs {actual}"),
        };
    }

    private static string? Model(ModelVector e, ModelVector a) =>
        Check(e.LayoutId == a.LayoutId, $"layout '{e.LayoutId}' vs '{a.LayoutId}'")
        ?? Check(e.SamplesTrained == a.SamplesTrained, "samplesTrained")
        ?? Check(MemoryMarshal.AsBytes(e.Parameters.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(a.Parameters.AsSpan())), "parameters");

    private static string? View(ViewUpdate e, ViewUpdate a) =>
        Check(e.MembershipDigest == a.MembershipDigest && e.IsFull == a.IsFull, "digest/isFull")
        ?? Check(e.Records.SequenceEqual(a.Records), "records");

    private static string? Check(bool condition, string what) => condition ? null : what;
}
