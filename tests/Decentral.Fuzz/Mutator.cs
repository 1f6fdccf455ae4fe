namespace Decentral.Fuzz;

/// <summary>
/// Deterministic, seeded mutations of a corpus (the CI tier's inputs): the same seed gives the
/// same inputs, byte for byte. Not coverage-guided; AFL++ is, in scripts/fuzz.sh.
/// </summary>
internal sealed class Mutator(IReadOnlyList<byte[]> corpus, int seed)
{
    /// <summary>Largest input produced.</summary>
    public const int MaxLength = 64 * 1024;

    private static readonly byte[] Interesting = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x2f];
    private readonly Random _random = new(seed);

    /// <summary>The next input: a corpus entry (or nothing) with one to four mutations.</summary>
    public byte[] Next()
    {
        var data = new List<byte>(corpus.Count == 0 ? [] : corpus[_random.Next(corpus.Count)]);
        var steps = 1 + _random.Next(4);
        for (var i = 0; i < steps; i++)
        {
            Mutate(data);
        }

        return [.. data.Take(MaxLength)];
    }

    private void Mutate(List<byte> data)
    {
        var at = data.Count == 0 ? 0 : _random.Next(data.Count);
        switch (_random.Next(8))
        {
            case 0 when data.Count > 0:
                data[at] ^= (byte)(1 << _random.Next(8));
                break;
            case 1 when data.Count > 0:
                data[at] = Interesting[_random.Next(Interesting.Length)];
                break;
            case 2:
                data.InsertRange(at, Bytes(1 + _random.Next(16)));
                break;
            case 3 when data.Count > 0:
                data.RemoveRange(at, Math.Min(data.Count - at, 1 + _random.Next(16)));
                break;
            case 4 when data.Count > 0:
                var length = Math.Min(data.Count - at, 1 + _random.Next(64));
                data.InsertRange(_random.Next(data.Count), data.GetRange(at, length));
                break;
            case 5 when corpus.Count > 0:
                var other = corpus[_random.Next(corpus.Count)];
                var from = other.Length == 0 ? 0 : _random.Next(other.Length);
                data.RemoveRange(at, data.Count - at);
                data.AddRange(other.Skip(from));
                break;
            case 6 when data.Count > 0:
                data.RemoveRange(at, data.Count - at);
                break;
            default:
                // A run of continuation bytes: varints and length prefixes that claim too much.
                data.InsertRange(at, Enumerable.Repeat((byte)0xff, 1 + _random.Next(10)));
                break;
        }
    }

    private byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }
}
