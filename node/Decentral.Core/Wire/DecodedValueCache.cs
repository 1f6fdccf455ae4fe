using System.Text;
using Decentral.Protocol;

namespace Decentral.Wire;

/// <summary>
/// Values a steady stream of messages repeats, kept so decoding them does not allocate per
/// message: the last layout id (one string per model architecture) and the empty view updates
/// of the last few membership digests (a view that did not change since the sender last wrote
/// to this node, as nearly every model message carries once membership settles). Both are
/// immutable objects shared by every message that carries them. Thread-safe: each entry is an
/// immutable object swapped as a whole, so a racing reader sees either the old or the new one.
/// </summary>
internal sealed class DecodedValueCache
{
    // Slots for empty updates, picked by the digest's low bits (the digest is a hash).
    private const int EmptyViewSlots = 8;
    private readonly ViewUpdate?[] _emptyViews = new ViewUpdate?[EmptyViewSlots];
    private LayoutEntry? _lastLayout;

    public string LayoutId(ReadOnlySpan<byte> utf8)
    {
        var last = Volatile.Read(ref _lastLayout);
        if (last is not null && utf8.SequenceEqual(last.Utf8))
        {
            return last.Text;
        }

        var entry = new LayoutEntry(utf8.ToArray(), Encoding.UTF8.GetString(utf8));
        Volatile.Write(ref _lastLayout, entry);
        return entry.Text;
    }

    /// <summary>An update with no records and <paramref name="digest"/>, not full.</summary>
    public ViewUpdate EmptyView(ulong digest)
    {
        ref var slot = ref _emptyViews[(int)(digest % EmptyViewSlots)];
        var cached = Volatile.Read(ref slot);
        if (cached is not null && cached.MembershipDigest == digest)
        {
            return cached;
        }

        var view = ViewUpdate.Empty(digest);
        Volatile.Write(ref slot, view);
        return view;
    }

    private sealed record LayoutEntry(byte[] Utf8, string Text);
}
