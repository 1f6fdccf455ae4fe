
namespace Decentral.Fuzz.Tests;

/// <summary>
/// The CI tier of fuzzing: for every decoder, its committed corpus (tests/fuzz/corpus) and then
/// 10^4 seeded mutations of it. Deterministic (the seed comes from the target's name) and a few
/// seconds per target; scripts/fuzz.sh runs the coverage-guided 10^6-input campaign.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class SeededFuzzTests
{
    private const int Inputs = 10_000;

    public static TheoryData<string> Targets => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Decoder_CorpusAndTenThousandSeededMutations_NoCrashOrBrokenInvariant(string name)
    {
        var target = FuzzTargets.Find(name)!;
        var corpus = Corpus.Load(target);
        var failures = new List<string>();
        foreach (var input in corpus.Concat(Mutations(corpus, name)))
        {
            try
            {
                target.Run(input);
            }
            catch (Exception e)
            {
                failures.Add($"{e.GetType().Name}: {e.Message} on {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 128)))}");
                if (failures.Count == 5)
                {
                    break;
                }
            }
        }

        Assert.True(failures.Count == 0, $"{name}:\n{string.Join("\n", failures)}");
    }

    [Fact]
    public void Mutator_SameSeed_SameInputs()
    {
        byte[][] corpus = [[1, 2, 3], [0xff, 0x00]];
        var a = Mutations(corpus, "x").Take(200).ToList();
        var b = Mutations(corpus, "x").Take(200).ToList();
        Assert.Equal(a, b);
        Assert.Equal(Inputs, Mutations(corpus, "y").Count());
    }

    [Fact]
    public void Corpus_EveryTargetHasCommittedInputs()
    {
        Assert.All(FuzzTargets.All, t => Assert.True(Directory.Exists(Path.Combine(Corpus.Root, t.Name)) && Directory.GetFiles(Path.Combine(Corpus.Root, t.Name)).Length > 0, t.Name));
    }

    private static IEnumerable<byte[]> Mutations(IReadOnlyList<byte[]> corpus, string name)
    {
        var mutator = new Mutator(corpus, StableSeed(name));
        for (var i = 0; i < Inputs; i++)
        {
            yield return mutator.Next();
        }
    }

    /// <summary>FNV-1a of the name: the same on every machine and run (string hashes are randomized per process).</summary>
    private static int StableSeed(string name)
    {
        var hash = 2166136261u;
        foreach (var c in name)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)hash;
    }
}
