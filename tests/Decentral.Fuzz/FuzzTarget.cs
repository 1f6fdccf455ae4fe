namespace Decentral.Fuzz;

/// <summary>
/// One decoder under fuzz. <see cref="Run"/> feeds it one input and throws only for a bug: the
/// exceptions the production caller handles are caught inside, anything else escapes and counts
/// as a crash. Oracles (round trips, agreement between two decoders) also throw
/// <see cref="FuzzOracleException"/>. <see cref="Seeds"/> are valid encodings that start a corpus.
/// </summary>
/// <param name="Name">The target's name (also its corpus folder, tests/fuzz/corpus/NAME).</param>
/// <param name="Decoder">What is decoded, for tables.</param>
/// <param name="Run">Decodes one input.</param>
/// <param name="Seeds">Valid inputs made by the encoders.</param>
internal sealed record FuzzTarget(string Name, string Decoder, Action<byte[]> Run, Func<IEnumerable<byte[]>> Seeds);

/// <summary>A decoder broke an invariant the harness checks (not an exception of the decoder itself).</summary>
internal sealed class FuzzOracleException(string message) : Exception(message);

/// <summary>Every target, by name.</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        Targets.MultiformatTargets.Varint,
        Targets.MultiformatTargets.Multiaddr,
        Targets.StreamTargets.Multistream,
        Targets.NoiseTargets.Handshake,
        Targets.NoiseTargets.Frames,
        Targets.YamuxTarget.Session,
        Targets.GossipTargets.Rpc,
        Targets.GossipTargets.Control,
        Targets.IdentifyTargets.Identify,
        Targets.IdentifyTargets.PeerRecord,
        Targets.WireTarget.Wire,
        Targets.StreamTargets.ModelTransfer,
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    /// <summary>Runs an async decoder to its end on this thread's caller; the harness is sequential.</summary>
    public static void Await(Task task)
    {
        // Fuzz inputs end the stream, so every awaited decoder ends; a bound still turns a hang into a
        // visible failure. Generous: under heavy load one input of the seeded tier once ran past 20 s.
        if (!task.Wait(TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException("the decoder did not finish within 60 s");
        }
    }
}
