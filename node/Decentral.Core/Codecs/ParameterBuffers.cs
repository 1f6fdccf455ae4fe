using System.Collections.Concurrent;

namespace Decentral.Codecs;

/// <summary>
/// Float arrays of an exact length for models rebuilt from received ones (a <c>ModelVector</c>
/// needs an array of exactly its length; the shared array pools hand out larger ones). Kept per
/// length, a bounded number each, and shared by every protocol node of the process, so an
/// aggregator in steady state rebuilds its round's models without allocating. Thread-safe.
/// </summary>
internal static class ParameterBuffers
{
    // An aggregator holds about s of them at a time; more are kept for several at once.
    private const int KeptPerLength = 32;
    private static readonly ConcurrentDictionary<int, ConcurrentBag<float[]>> Free = new();

    /// <summary>An array of exactly <paramref name="length"/> floats, contents undefined.</summary>
    public static float[] Rent(int length)
    {
        if (length == 0)
        {
            return [];
        }

        return Free.TryGetValue(length, out var bag) && bag.TryTake(out var array) ? array : GC.AllocateUninitializedArray<float>(length);
    }

    /// <summary>Gives an array from <see cref="Rent"/> back; the caller must not use it afterwards.</summary>
    public static void Return(float[] array)
    {
        if (array.Length == 0)
        {
            return;
        }

        var bag = Free.GetOrAdd(array.Length, static _ => []);
        if (bag.Count < KeptPerLength)
        {
            bag.Add(array);
        }
    }
}
