using Decentral.Codecs;
using Decentral.Protocol;

namespace Decentral.Core.Tests.Wire;

/// <summary>
/// Structural equality of protocol messages: the records hold an <see cref="EncodedModel"/> and
/// lists, which compare by reference, so round-trip tests compare field by field (bodies byte for
/// byte, so float -0 and 0 differ).
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
            (BaseReply e, BaseReply a) => Check(e.Round == a.Round && e.Hash == a.Hash, "round/hash")
                ?? Check((e.Model is null) == (a.Model is null), "model presence") ?? (e.Model is { } em && a.Model is { } am ? Model(em, am) : null),
            _ => Check(expected.Equals(actual), $"{expected} vs {actual}"),
        };
    }

    /// <summary>Null when the two models have the same header and the same body bytes.</summary>
    public static string? Model(EncodedModel e, EncodedModel a) =>
        Check(e.LayoutId == a.LayoutId, $"layout '{e.LayoutId}' vs '{a.LayoutId}'")
        ?? Check(e.SamplesTrained == a.SamplesTrained && e.Length == a.Length, "samplesTrained/length")
        ?? Check(e.Encoding == a.Encoding && e.Compression == a.Compression && e.Base == a.Base, $"codec {e} vs {a}")
        ?? Check(e.Body.SequenceEqual(a.Body), "body")
        ?? Check(e.WireBody.SequenceEqual(a.WireBody), "wire body");

    private static string? View(ViewUpdate e, ViewUpdate a) =>
        Check(e.MembershipDigest == a.MembershipDigest && e.IsFull == a.IsFull, "digest/isFull")
        ?? Check(e.Records.SequenceEqual(a.Records), "records");

    private static string? Check(bool condition, string what) => condition ? null : what;
}
