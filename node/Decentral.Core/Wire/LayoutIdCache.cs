using System.Text;

namespace Decentral.Wire;

/// <summary>
/// Remembers the last decoded layout id so the steady stream of models of one architecture does
/// not allocate a new string per message. Thread-safe: the entry is an immutable object swapped
/// as a whole, so a racing reader sees either the old or the new pair, never a mix.
/// </summary>
internal sealed class LayoutIdCache
{
    private Entry? _last;

    public string GetOrAdd(ReadOnlySpan<byte> utf8)
    {
        var last = Volatile.Read(ref _last);
        if (last is not null && utf8.SequenceEqual(last.Utf8))
        {
            return last.Text;
        }

        var entry = new Entry(utf8.ToArray(), Encoding.UTF8.GetString(utf8));
        Volatile.Write(ref _last, entry);
        return entry.Text;
    }

    private sealed record Entry(byte[] Utf8, string Text);
}
